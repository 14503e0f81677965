// MISP event mapping (issue 6 item 4): MISP core format JSON → Palermo indicator inputs, with a
// reason for everything that is not mapped.
export { mispEventToIndicators } from './misp-event.mapper';
export { distributionToTlp } from './misp-marking.mapper';
export type { MispEventSummary, MispImport, MispImportOptions, MispItem, MispSkipped, MispSource, MispWarning } from './misp.types';
