import type { Readable } from 'node:stream';
import { DomainError } from '@palermo/indicators';

/** Most bytes of a refused upload read and discarded before the connection is cut instead. */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/**
 * The body of an import upload, chunk by chunk, with an idle limit: a client that sends no byte for
 * `idleMs` fails the import with IMPORT_BODY_IDLE (408). One chunk is buffered at a time (the stream
 * is paused in between), so a fast client cannot outrun the reader.
 */
export class UploadBody implements AsyncIterable<Buffer> {
  constructor(
    private readonly stream: Readable,
    private readonly idleMs: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const stream = this.stream;
    const queue: Buffer[] = [];
    let ended = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const onData = (chunk: Buffer) => {
      queue.push(chunk);
      stream.pause();
      wake?.();
    };
    const onEnd = () => {
      ended = true;
      wake?.();
    };
    const onError = (error: Error) => {
      failure ??= error;
      wake?.();
    };
    const onClose = () => {
      if (!ended) failure ??= new DomainError('IMPORT_BODY_ABORTED', 'the client closed the connection before the upload was complete');
      wake?.();
    };
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    try {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        stream.resume();
        await this.next((resume) => (wake = resume));
        wake = null;
      }
    } finally {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    }
  }

  /**
   * Reads and discards what is left of a refused upload, so the client gets to read the error answer;
   * a client that keeps sending beyond MAX_DISCARDED_BYTES is cut off.
   */
  discard(): void {
    const stream = this.stream;
    if (stream.readableEnded || stream.destroyed) return;
    let discarded = 0;
    stream.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > MAX_DISCARDED_BYTES) stream.destroy();
    });
    stream.resume();
  }

  /** Waits for the next event of the stream, at most idleMs. */
  private next(arm: (resume: () => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DomainError('IMPORT_BODY_IDLE', `no byte of the upload arrived for ${this.idleMs} ms (PALERMO_STIX_IMPORT_IDLE_MS); send the file again`)),
        this.idleMs,
      );
      arm(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
