import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AgreementRepository } from './repositories/agreement.repository';
import { AuditRepository } from './repositories/audit.repository';
import { BundleRepository } from './repositories/bundle.repository';
import { DecisionRepository } from './repositories/decision.repository';
import { ExportDecisionRepository } from './repositories/export-decision.repository';
import { ImportRepository } from './repositories/import.repository';
import { IndicatorRepository } from './repositories/indicator.repository';
import { KeyRepository } from './repositories/key.repository';
import { NearMatchRepository } from './repositories/near-match.repository';
import { PartnerRepository } from './repositories/partner.repository';
import { PolicyRepository } from './repositories/policy.repository';
import { QuarantineRepository } from './repositories/quarantine.repository';
import { KeyHistoryRepository } from './repositories/key-history.repository';
import { ReceiptRepository } from './repositories/receipt.repository';
import { RetentionRepository } from './repositories/retention.repository';
import { StixImportRepository } from './repositories/stix-import.repository';
import { TaxiiRepository } from './repositories/taxii.repository';
import { SightingRepository } from './repositories/sighting.repository';
import { TokenRepository } from './repositories/token.repository';
import { FeedLogRepository } from './repositories/feed-log.repository';
import { LogPartnerRepository } from './repositories/log-partner.repository';
import { LookupRepository } from './repositories/lookup.repository';
import { AlertRepository } from './repositories/alert.repository';
import { FeedbackOutboxRepository } from './repositories/feedback-outbox.repository';
import { DisputeRepository } from './repositories/dispute.repository';
import { PartnerSightingRepository } from './repositories/partner-sighting.repository';
import { DisclosureRepository } from './repositories/disclosure.repository';

/**
 * The node's database: repositories over one MikroORM instance (PostgreSQL or PGlite). Obtain it
 * with `openStore` (CLI, tests) or inject it through `StoreModule` (apps/node); the class itself
 * is the Nest injection token. Every repository call forks its own EntityManager.
 */
export class Store {
  /** This node's signing keys. */
  readonly keys: KeyRepository;
  /** Partner nodes and their pinned keys. */
  readonly partners: PartnerRepository;
  /** API tokens (hashes only). */
  readonly tokens: TokenRepository;
  /** Own and imported indicators. */
  readonly indicators: IndicatorRepository;
  /** Stored bundles, inbound and outbound. */
  readonly bundles: BundleRepository;
  /** Commits of verified inbound bundles. */
  readonly imports: ImportRepository;
  /** Messages that failed verification. */
  readonly quarantine: QuarantineRepository;
  /** Import decisions with their reasons. */
  readonly decisions: DecisionRepository;
  /** Export decisions per audience, and who holds what. */
  readonly exportDecisions: ExportDecisionRepository;
  /** Sharing agreements (four-eyes transitions). */
  readonly agreements: AgreementRepository;
  /** Versions of the jurisdiction policy text. */
  readonly policies: PolicyRepository;
  /** The append-only audit log. */
  readonly audit: AuditRepository;
  /** The retention purge. */
  readonly retention: RetentionRepository;
  /** STIX and MISP imports: which foreign object became which own indicator. */
  readonly stixImports: StixImportRepository;
  /** TAXII collections and the STIX export: keyset pages in commit order. */
  readonly taxii: TaxiiRepository;
  /** Local sightings of own and imported indicators. */
  readonly sightings: SightingRepository;
  /** Receipts: the outbox of those this node issues, and those it received. */
  readonly receipts: ReceiptRepository;
  /** This node's verifiable feed log: leaves, proofs, signed checkpoints and their witnesses. */
  readonly feedLog: FeedLogRepository;
  /** Partners' feed logs as this node witnesses them: verified checkpoints, log-verified imports, forks. */
  readonly logPartners: LogPartnerRepository;
  /** Key rotation and revocation: own key history and statements, partners' key history. */
  readonly keyHistory: KeyHistoryRepository;
  /** Near matches of image hashes (PDQ, pHash) by Hamming distance; kept in sync by triggers. */
  readonly nearMatches: NearMatchRepository;
  /** Hit/no-hit lookups: the PRF tables per OPRF key epoch. */
  readonly lookups: LookupRepository;
  /** Correlation alerts: indicators of several origins that agree on a value, a pseudonym or a near image hash. */
  readonly alerts: AlertRepository;
  /** The outbox of signed feedback (sightings, disputes, disclosures) to partners. */
  readonly feedbackOutbox: FeedbackOutboxRepository;
  /** Partners' sightings of own indicators ("seen here too", received as signed feedback). */
  readonly partnerSightings: PartnerSightingRepository;
  /** Disputes of indicators: opened here about partners' ones (out), received about ours (in). */
  readonly disputes: DisputeRepository;
  /** Lookup hits (both sides) and disclosure requests (both directions). */
  readonly disclosures: DisclosureRepository;

  private closing: Promise<void> | null = null;

  constructor(
    /** The ORM; exposed for libs/store's own tooling and tests, not for SQL elsewhere. */
    readonly orm: MikroORM,
    /** Which database this is, for health and logs (never the URL, which may hold a password). */
    readonly backend: 'postgresql' | 'pglite',
    private readonly afterClose: () => Promise<void> = async () => undefined,
  ) {
    const em = orm.em as unknown as EntityManager;
    this.keys = new KeyRepository(em);
    this.partners = new PartnerRepository(em);
    this.tokens = new TokenRepository(em);
    this.indicators = new IndicatorRepository(em);
    this.bundles = new BundleRepository(em);
    this.imports = new ImportRepository(em);
    this.quarantine = new QuarantineRepository(em);
    this.decisions = new DecisionRepository(em);
    this.exportDecisions = new ExportDecisionRepository(em);
    this.agreements = new AgreementRepository(em);
    this.policies = new PolicyRepository(em);
    this.audit = new AuditRepository(em);
    this.retention = new RetentionRepository(em);
    this.stixImports = new StixImportRepository(em);
    this.taxii = new TaxiiRepository(em);
    this.sightings = new SightingRepository(em);
    this.receipts = new ReceiptRepository(em);
    this.feedLog = new FeedLogRepository(em);
    this.logPartners = new LogPartnerRepository(em);
    this.keyHistory = new KeyHistoryRepository(em);
    this.nearMatches = new NearMatchRepository(em);
    this.lookups = new LookupRepository(em);
    this.alerts = new AlertRepository(em);
    this.feedbackOutbox = new FeedbackOutboxRepository(em);
    this.partnerSightings = new PartnerSightingRepository(em);
    this.disputes = new DisputeRepository(em);
    this.disclosures = new DisclosureRepository(em);
  }

  /** Whether the database answers, for health endpoints (no URL, no credentials). */
  async health(): Promise<{ ok: boolean; backend: 'postgresql' | 'pglite'; reason?: string }> {
    const result = await this.orm.checkConnection();
    return result.ok ? { ok: true, backend: this.backend } : { ok: false, backend: this.backend, reason: result.reason };
  }

  /** Closes the ORM (and an embedded PGlite); safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.orm.close(true);
      } finally {
        await this.afterClose();
      }
    })();
    return this.closing;
  }
}
