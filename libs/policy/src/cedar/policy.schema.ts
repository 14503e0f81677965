/**
 * The Cedar schema every jurisdiction policy is validated against (namespace Palermo).
 * Principal, resource and context carry facts only, never an indicator's value, and the resource's
 * entity id is always "indicator" (or the type, for lookups): a policy decides on facts, not on
 * identities, which is what lets the engine reuse one decision for every equivalent request.
 */
export const POLICY_SCHEMA_TEXT = `// Palermo policy schema v1.
namespace Palermo {
  // A partner node pinned by this node. The entity id is its node id (Palermo::Partner::"de-bka").
  entity Partner = {
    jurisdiction: String,  // ISO 3166-1 alpha-2, e.g. "DE"
    adequacy: Bool,        // this node lists the partner's jurisdiction as adequate
  };

  // Everyone who reads the community chain (audience "all"): Palermo::Community::"all". Export only.
  entity Community;

  // The indicator being shared or imported (facts only; the entity id is always "indicator").
  entity Indicator = {
    type: String,          // phone, email, username, url, domain, ip, crypto-wallet, iban, keyword, file-sha256
    tlp: String,           // clear, green, amber, amber+strict, red
    tlpRank: Long,         // clear 0, green 1, amber 2, amber+strict 3, red 4
    confidence: Long,      // 0..100
    tags: Set<String>,     // e.g. "ht:labour"
    ageDays: Long,         // whole days since firstSeen (0 when in the future)
  };

  // What a lookup asks about: a type of value (the entity id is the type).
  entity IndicatorKind = { type: String };

  // The same context for every action. Agreement facts are those of the partner's current agreement;
  // without one: agreement "", agreementState "none", empty sets, agreementMaxTlpRank -1.
  type DecisionContext = {
    audience: String,                  // the chain: a partner node id, or "all"
    purpose: String,                   // "feed" for export and import; the stated purpose for lookups
    agreement: String,                 // agreement id, or ""
    agreementState: String,            // none, draft, active, suspended, terminated, superseded, expired, not-yet-valid
    agreementDirections: Set<String>,  // "export", "import"
    agreementTypes: Set<String>,
    agreementMaxTlpRank: Long,
    agreementPurposes: Set<String>,
    agreementRetentionDays: Long,      // 0 = no limit
    agreementPseudonymize: Set<String>,
    agreementLookups: Bool,
    agreementOnward: Bool,             // the agreement allows onward sharing (relayed indicators)
    onward: Bool,                      // the indicator's origin is not the node sending it
    encrypted: Bool,                   // the bundle is encrypted to its recipient (export: will be; import: was)
  };

  // Export: share = the indicator may go to the audience; shareRaw = it may go with its free-text description.
  action share, shareRaw appliesTo { principal: [Partner, Community], resource: Indicator, context: DecisionContext };
  // Import: import = keep it; importRaw = keep the value itself, not only its pseudonym.
  action "import", importRaw appliesTo { principal: Partner, resource: Indicator, context: DecisionContext };
  // A partner's hit/no-hit question.
  action lookup appliesTo { principal: Partner, resource: IndicatorKind, context: DecisionContext };
}
`;
