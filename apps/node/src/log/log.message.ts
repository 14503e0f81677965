/** Why a log message (checkpoint or countersignature) was not believed; kept in quarantine with it. */
export class RefusedLogMessage {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

/** Strict UTF-8 JSON of a log message, or undefined. */
export function parseLogJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}
