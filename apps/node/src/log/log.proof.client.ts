import { Injectable } from '@nestjs/common';
import { encodeLogProofMessage, parseLogProofAnswer, type LogProofAnswer, type LogProofRequest } from '@palermo/bundles';
import { LogChannel, NATS_UNAVAILABLE } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';

/**
 * Asks a publisher for a proof of its feed log. Throws NATS_UNAVAILABLE when nobody answers or the
 * publisher cannot compute it now (ask again later), LOG_PROOF_ANSWER_INVALID for an answer that is
 * not one (bounded, strictly parsed, about what was asked); an error answer is returned as such.
 */
@Injectable()
export class LogProofClient {
  constructor(private readonly channel: LogChannel) {}

  async ask(publisher: string, request: LogProofRequest): Promise<LogProofAnswer> {
    const bytes = await this.channel.requestProof(publisher, encodeLogProofMessage(request));
    const parsed = parseLogProofAnswer(bytes);
    if (!parsed.ok) throw new DomainError('LOG_PROOF_ANSWER_INVALID', `${publisher} answered a proof request with ${parsed.message}`);
    const { answer } = parsed;
    if (answer.type === 'error') {
      if (answer.code === 'LOG_PROOF_UNAVAILABLE') throw new DomainError(NATS_UNAVAILABLE, `${publisher}: ${answer.message}`);
      return answer;
    }
    const matches =
      answer.type === request.type &&
      (answer.type === 'inclusion'
        ? request.type === 'inclusion' && answer.bundleHash === request.bundleHash && answer.treeSize === request.treeSize
        : request.type === 'consistency' && answer.fromSize === request.fromSize && answer.toSize === request.toSize);
    if (!matches) throw new DomainError('LOG_PROOF_ANSWER_INVALID', `${publisher} answered another question than the one asked`);
    return answer;
  }
}
