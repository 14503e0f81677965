/**
 * The jurisdiction policy a node runs until a policy officer writes its own: it permits every
 * action, so exactly what the baseline allows flows (ids default.*).
 */
export const DEFAULT_POLICY_TEXT = `// Palermo default jurisdiction policy: permit everything the baseline allows.
// The baseline (agreements, TLP 2.0) still applies: in Cedar a forbid beats any permit.

// Export an indicator to a partner under its agreement, or TLP:CLEAR to the community chain.
@id("default.share")
permit (principal, action == Palermo::Action::"share", resource);

// ... with its free-text description.
@id("default.share-raw")
permit (principal, action == Palermo::Action::"shareRaw", resource);

// Keep what a partner sends under an agreement that covers import.
@id("default.import")
permit (principal, action == Palermo::Action::"import", resource);

// ... as the value itself, unless the agreement asks for a pseudonym.
@id("default.import-raw")
permit (principal, action == Palermo::Action::"importRaw", resource);

// Answer hit/no-hit lookups the agreement allows.
@id("default.lookup")
permit (principal, action == Palermo::Action::"lookup", resource);
`;
