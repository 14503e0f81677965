import { Injectable, Logger } from '@nestjs/common';
import { encodeLogProofMessage, logProofError, parseLogProofRequest, type LogProofAnswer, type LogProofErrorCode, type LogProofRequest } from '@palermo/bundles';
import { DomainError, errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';

const ANSWERED_CODES = new Set<string>(['LOG_HASH_UNKNOWN', 'LOG_SIZE_BEYOND_TREE', 'LOG_NOT_COVERED', 'LOG_PROOF_REQUEST_MALFORMED']);

/**
 * Answers inclusion and consistency proof requests about this node's feed log (the handler of
 * palermo.v1.log.<self>.proof, and of GET /log/proof). No authentication, on purpose: a proof
 * reveals only Merkle hashes, and an inclusion proof only for a bundle hash the asker already
 * knows (it holds the bundle, or guessed a SHA-256); sizes and roots are published in checkpoints
 * anyway. Requests are bounded (1 KiB), strictly parsed, and every refusal carries a stable code.
 */
@Injectable()
export class LogProofService {
  private readonly logger = new Logger('LogProofService');

  constructor(private readonly store: Store) {}

  /** Request bytes → answer bytes; never throws. */
  readonly answerBytes = async (request: Uint8Array): Promise<Uint8Array> => {
    const parsed = parseLogProofRequest(request);
    return encodeLogProofMessage(parsed.ok ? await this.answer(parsed.request) : parsed.answer);
  };

  /** The proof, or an error answer with a stable code; never throws. */
  async answer(request: LogProofRequest): Promise<LogProofAnswer> {
    try {
      if (request.type === 'inclusion') {
        const { leafIndex, proof } = await this.store.feedLog.inclusion(request.bundleHash, request.treeSize);
        return { type: 'inclusion', bundleHash: request.bundleHash, leafIndex, treeSize: request.treeSize, proof };
      }
      const proof = await this.store.feedLog.consistency(request.fromSize, request.toSize);
      return { type: 'consistency', fromSize: request.fromSize, toSize: request.toSize, proof };
    } catch (err) {
      if (err instanceof DomainError && ANSWERED_CODES.has(err.code)) return logProofError(err.code as LogProofErrorCode, err.message);
      this.logger.warn(`proof request failed: ${errorMessage(err)}`);
      return logProofError('LOG_PROOF_UNAVAILABLE', 'the proof cannot be computed now; ask again later');
    }
  }
}
