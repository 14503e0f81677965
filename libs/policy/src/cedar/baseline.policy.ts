/**
 * The floor under every jurisdiction policy: agreements and TLP 2.0, as Cedar forbids (ids baseline.*).
 * Merged into every policy set the engine compiles. A forbid beats any permit in Cedar, so no
 * jurisdiction policy can lift these; it can only add permits (nothing flows without one) and
 * forbids of its own.
 */
export const BASELINE_POLICY_TEXT = `// Palermo baseline v1: the floor under every jurisdiction policy. Forbids only.

// ── Agreements ──────────────────────────────────────────────────────────────
// Nothing flows to or from a partner without an agreement that is active now
// (approved by a second officer, not suspended, terminated, superseded, expired or not yet valid).
@id("baseline.agreement-not-active")
forbid (principal is Palermo::Partner, action, resource)
unless { context.agreementState == "active" };

// A partner's own chain carries only what the agreement lets this node export.
@id("baseline.export-not-agreed")
forbid (
  principal is Palermo::Partner,
  action in [Palermo::Action::"share", Palermo::Action::"shareRaw"],
  resource
)
unless { context.agreementDirections.contains("export") };

// Nothing is kept from a publisher (on any chain, "all" included) unless the agreement covers import.
@id("baseline.import-not-agreed")
forbid (
  principal,
  action in [Palermo::Action::"import", Palermo::Action::"importRaw"],
  resource
)
unless { context.agreementDirections.contains("import") };

// Only the indicator types the agreement names, in either direction and for lookups.
@id("baseline.type-not-agreed")
forbid (principal is Palermo::Partner, action, resource)
unless { context.agreementTypes.contains(resource.type) };

// The agreement names the recipient and the most restricted TLP it may receive (TLP 2.0: AMBER
// need-to-know within the agreement; RED only to a recipient named for it).
@id("baseline.tlp-above-agreement")
forbid (
  principal is Palermo::Partner,
  action in [Palermo::Action::"share", Palermo::Action::"shareRaw",
             Palermo::Action::"import", Palermo::Action::"importRaw"],
  resource
)
when { resource.tlpRank > context.agreementMaxTlpRank };

// When the agreement says so, only a keyed pseudonym of the value is kept.
@id("baseline.pseudonymize-agreed")
forbid (principal, action == Palermo::Action::"importRaw", resource)
when { context.agreementPseudonymize.contains(resource.type) };

// ── TLP 2.0 ─────────────────────────────────────────────────────────────────
// The community chain "all" is read by every pinned partner, agreement or not: TLP:CLEAR only,
// both when this node writes it and when it reads a partner's.
@id("baseline.community-clear-only")
forbid (
  principal,
  action in [Palermo::Action::"share", Palermo::Action::"shareRaw",
             Palermo::Action::"import", Palermo::Action::"importRaw"],
  resource
)
when { (principal is Palermo::Community || context.audience == "all") && resource.tlpRank > 0 };

// TLP:AMBER+STRICT (rank 3) and TLP:RED (rank 4) must stay readable by the recipient alone,
// which only a bundle encrypted to the recipient can promise (partner chains are; "all" never is).
@id("baseline.tlp-needs-encryption")
forbid (
  principal,
  action in [Palermo::Action::"share", Palermo::Action::"shareRaw"],
  resource
)
when { resource.tlpRank >= 3 && !context.encrypted };

// The same on the receiving side: TLP:AMBER+STRICT or TLP:RED that arrived in a bundle not
// encrypted to this node was readable on the way (a broken or careless publisher): not kept.
@id("baseline.tlp-arrived-unencrypted")
forbid (
  principal,
  action in [Palermo::Action::"import", Palermo::Action::"importRaw"],
  resource
)
when { resource.tlpRank >= 3 && !context.encrypted };

// TLP:AMBER+STRICT stays in the recipient organisation and TLP:RED with the named recipient:
// never passed on by a node that did not originate it, and never kept when a partner passed it on.
@id("baseline.strict-never-onward")
forbid (
  principal,
  action in [Palermo::Action::"share", Palermo::Action::"shareRaw",
             Palermo::Action::"import", Palermo::Action::"importRaw"],
  resource
)
when { resource.tlpRank >= 3 && context.onward };

// An indicator this node did not originate goes to a partner, and one a partner did not originate is
// kept, only on the partner's own chain under an agreement with it that allows onward sharing: the
// community chain, read by everyone pinned, never carries relayed indicators.
@id("baseline.onward-not-agreed")
forbid (
  principal,
  action in [Palermo::Action::"share", Palermo::Action::"shareRaw",
             Palermo::Action::"import", Palermo::Action::"importRaw"],
  resource
)
when { context.onward && (!context.agreementOnward || context.audience == "all") };

// ── Lookups ─────────────────────────────────────────────────────────────────
// A partner may ask "do you know this?" only if the agreement allows lookups and for an agreed purpose.
@id("baseline.lookup-not-agreed")
forbid (principal, action == Palermo::Action::"lookup", resource)
unless { context.agreementLookups && context.agreementPurposes.contains(context.purpose) };
`;

/** The baseline rule ids, in the order they appear (and are listed in reasons). */
export const BASELINE_RULE_IDS = [
  'baseline.agreement-not-active',
  'baseline.export-not-agreed',
  'baseline.import-not-agreed',
  'baseline.type-not-agreed',
  'baseline.tlp-above-agreement',
  'baseline.pseudonymize-agreed',
  'baseline.community-clear-only',
  'baseline.tlp-needs-encryption',
  'baseline.tlp-arrived-unencrypted',
  'baseline.strict-never-onward',
  'baseline.onward-not-agreed',
  'baseline.lookup-not-agreed',
] as const;
