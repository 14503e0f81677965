import { describe, expect, it } from 'vitest';
import { PendingMatches } from './pending.matches';

describe('PendingMatches', () => {
  const entry = { requester: 'nl-police', keyEpoch: 1, type: 'email', purpose: 'investigation' };

  it('hands a request out once, to its requester only, within the window', () => {
    const pending = new PendingMatches(1_000);
    pending.put('r1', entry, 0);
    expect(pending.take('r1', 'us-hsi', 10)).toBeNull();
    expect(pending.take('r1', 'nl-police', 10)).toMatchObject({ keyEpoch: 1 });
    expect(pending.take('r1', 'nl-police', 20)).toBeNull();
    pending.put('r2', entry, 0);
    expect(pending.take('r2', 'nl-police', 1_001)).toBeNull();
    expect(pending.take('never', 'nl-police', 0)).toBeNull();
  });

  it('forgets the oldest past its capacity', () => {
    const pending = new PendingMatches(60_000, 2);
    for (const id of ['a', 'b', 'c']) pending.put(id, entry, 0);
    expect(pending.take('a', 'nl-police', 1)).toBeNull();
    expect(pending.take('c', 'nl-police', 1)).not.toBeNull();
  });
});
