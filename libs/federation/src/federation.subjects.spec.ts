import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  audiencesFor,
  feedConsumerName,
  feedStreamName,
  feedStreamSubject,
  feedSubject,
  logCheckpointConsumerName,
  logCheckpointSubject,
  logProofSubject,
  logStreamName,
  logWitnessConsumerName,
  logWitnessStreamSubject,
  logWitnessSubject,
  keyConsumerName,
  keyStreamName,
  keySubject,
  lookupSubject,
  nodeInboxPrefix,
  parseFeedSubject,
  parseLogWitnessSubject,
  parseKeySubject,
  receiptSubject,
  resyncSubject,
} from './federation.subjects';

const nodeId = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), fc.stringMatching(/^[a-z0-9-]{1,31}$/))
  .map(([first, rest]) => first + rest)
  .filter((id) => id !== 'all');

describe('federation subjects', () => {
  it.each([
    ['feed to a partner', () => feedSubject('nl-police', 'be-police'), 'palermo.v1.feed.nl-police.be-police'],
    ['feed to the community', () => feedSubject('nl-police', 'all'), 'palermo.v1.feed.nl-police.all'],
    ['stream subject', () => feedStreamSubject('nl-police'), 'palermo.v1.feed.nl-police.>'],
    ['stream name', () => feedStreamName('nl-police-2'), 'PALERMO_FEED_NL_POLICE_2'],
    ['durable for own chain', () => feedConsumerName('be-police', 'be-police'), 'be-police_be-police'],
    ['durable for community chain', () => feedConsumerName('be-police', 'all'), 'be-police_all'],
    ['receipt', () => receiptSubject('nl-police', 'be-police'), 'palermo.v1.receipt.nl-police.be-police'],
    ['lookup', () => lookupSubject('be-police'), 'palermo.v1.lookup.be-police'],
    ['resync', () => resyncSubject('nl-police'), 'palermo.v1.resync.nl-police'],
    ['inbox prefix', () => nodeInboxPrefix('de-bka'), '_INBOX.de-bka'],
  ])('%s', (_name, make, expected) => {
    expect(make()).toBe(expected);
  });

  it('lists the two chains addressed to a subscriber', () => {
    expect(audiencesFor('be-police')).toEqual(['be-police', 'all']);
  });

  it.each([
    ['wildcard publisher', () => feedSubject('>', 'all'), 'INVALID_NODE_ID'],
    ['dotted publisher', () => feedSubject('nl.police', 'all'), 'INVALID_NODE_ID'],
    ['star audience', () => feedSubject('nl-police', '*'), 'INVALID_AUDIENCE'],
    ['upper-case audience', () => feedSubject('nl-police', 'BE'), 'INVALID_AUDIENCE'],
    ['"all" as publisher', () => feedStreamName('all'), 'INVALID_NODE_ID'],
    ['"all" as subscriber', () => feedConsumerName('all', 'all'), 'INVALID_NODE_ID'],
    ['empty responder', () => lookupSubject(''), 'INVALID_NODE_ID'],
    ['space in recipient', () => receiptSubject('nl-police', 'be police'), 'INVALID_NODE_ID'],
  ])('refuses a %s', (_name, make, code) => {
    expect(make).toThrowError(expect.objectContaining({ code }));
  });

  it('parses every feed subject it builds back to its parts', () => {
    fc.assert(
      fc.property(nodeId, fc.oneof(nodeId, fc.constant('all')), (publisher, audience) => {
        expect(parseFeedSubject(feedSubject(publisher, audience))).toEqual({ publisher, audience });
      }),
    );
  });

  it.each(['palermo.v1.feed.nl-police', 'palermo.v2.feed.nl-police.all', 'palermo.v1.receipt.a1.b1', 'palermo.v1.feed.all.all', 'palermo.v1.feed.nl.x.y'])(
    'does not parse %s as a feed subject',
    (subject) => {
      expect(parseFeedSubject(subject)).toBeNull();
    },
  );
});

describe('feed-log subjects', () => {
  it('spells the log namespace of one publisher', () => {
    expect(logCheckpointSubject('nl-police')).toBe('palermo.v1.log.nl-police.checkpoint');
    expect(logWitnessSubject('nl-police', 'de-bka')).toBe('palermo.v1.log.nl-police.witness.de-bka');
    expect(logWitnessStreamSubject('nl-police')).toBe('palermo.v1.log.nl-police.witness.*');
    expect(logProofSubject('nl-police')).toBe('palermo.v1.log.nl-police.proof');
    expect(logStreamName('nl-police')).toBe('PALERMO_LOG_NL_POLICE');
    expect(logCheckpointConsumerName('de-bka')).toBe('de-bka_log');
    expect(logWitnessConsumerName('nl-police')).toBe('nl-police_witnesses');
  });

  it('refuses wildcards and `all` in every position', () => {
    for (const make of [() => logCheckpointSubject('*'), () => logWitnessSubject('nl-police', '>'), () => logWitnessSubject('all', 'de-bka'), () => logProofSubject('a.b'), () => logStreamName('all')]) {
      expect(make).toThrow(expect.objectContaining({ code: 'INVALID_NODE_ID' }));
    }
  });

  it('parses a witness subject back, and nothing else', () => {
    expect(parseLogWitnessSubject('palermo.v1.log.nl-police.witness.de-bka')).toEqual({ publisher: 'nl-police', witness: 'de-bka' });
    for (const subject of ['palermo.v1.log.nl-police.checkpoint', 'palermo.v1.log.nl-police.witness.all', 'palermo.v1.log.nl-police.witness.de-bka.x', 'palermo.v2.log.nl-police.witness.de-bka']) {
      expect(parseLogWitnessSubject(subject)).toBeNull();
    }
  });
});

describe('key statement subjects', () => {
  it('spells the key subject, stream and durable of a node', () => {
    expect(keySubject('nl-police')).toBe('palermo.v1.key.nl-police');
    expect(keyStreamName('nl-police')).toBe('PALERMO_KEYS_NL_POLICE');
    expect(keyConsumerName('de-bka')).toBe('de-bka_keys');
  });

  it.each([['a wildcard', '*'], ['a dotted id', 'nl.police'], ['"all"', 'all'], ['an empty id', '']])('refuses %s as the publisher', (_label, id) => {
    expect(() => keySubject(id)).toThrowError(expect.objectContaining({ code: 'INVALID_NODE_ID' }));
    expect(() => keyStreamName(id)).toThrowError(expect.objectContaining({ code: 'INVALID_NODE_ID' }));
  });

  it('parses a key subject back to its publisher, and nothing else', () => {
    fc.assert(
      fc.property(nodeId, (publisher) => {
        expect(parseKeySubject(keySubject(publisher))).toEqual({ publisher });
      }),
    );
    for (const subject of ['palermo.v1.key', 'palermo.v1.key.a.b', 'palermo.v1.feed.nl-police', 'palermo.v2.key.nl-police', 'palermo.v1.key.all']) expect(parseKeySubject(subject)).toBeNull();
  });
});
