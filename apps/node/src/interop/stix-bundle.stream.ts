import type { Response } from 'express';
import type { Tlp } from '@palermo/indicators';
import { identityToStix, TLP_MARKING_DEFINITIONS, type StixObject } from '@palermo/interop';

// Writing a STIX bundle into an HTTP response as it is read: the stream concern of the STIX export,
// kept apart from the use case (what goes into the bundle) in stix-export.service.ts.

/** Writes identities and marking definitions the first time they are referenced. */
export class Seen {
  private readonly origins = new Set<string>();
  private readonly markings = new Set<Tlp>();

  constructor(
    private readonly writer: BundleWriter,
    self: string,
  ) {
    this.origins.add(self);
  }

  async origin(nodeId: string): Promise<void> {
    if (this.origins.has(nodeId)) return;
    this.origins.add(nodeId);
    await this.writer.object(identityToStix({ nodeId }));
  }

  async marking(tlp: Tlp): Promise<void> {
    if (this.markings.has(tlp)) return;
    this.markings.add(tlp);
    await this.writer.object(TLP_MARKING_DEFINITIONS[tlp]);
  }
}

/** `{"type":"bundle","id":…,"objects":[…]}` written object by object, waiting for the socket to drain. */
export class BundleWriter {
  private count = 0;

  constructor(
    private readonly res: Response,
    readonly stopped: () => boolean,
  ) {}

  open(id: string): Promise<void> {
    return this.write(`{"type":"bundle","id":${JSON.stringify(id)},"objects":[`);
  }

  async object(object: StixObject | object): Promise<void> {
    await this.write(`${this.count++ === 0 ? '\n' : ',\n'}${JSON.stringify(object)}`);
  }

  async close(): Promise<void> {
    await this.write('\n]}\n');
    this.res.end();
  }

  private async write(text: string): Promise<void> {
    if (this.stopped()) return;
    if (this.res.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }
}
