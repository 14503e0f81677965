import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { positionOfByteOffset, positionOfIndex } from './source.position';

describe('positionOfByteOffset', () => {
  it.each<[string, string, number, { line: number; column: number }]>([
    ['start', 'abc', 0, { line: 1, column: 1 }],
    ['ASCII', 'abc\ndef', 5, { line: 2, column: 2 }],
    ['after two-byte characters', 'ää\nxy', 6, { line: 2, column: 2 }],
    ['after a three-byte character', '日x', 3, { line: 1, column: 2 }],
    ['after an astral character (4 bytes, 2 UTF-16 units, 1 character)', '😀x', 4, { line: 1, column: 2 }],
    ['inside a multi-byte character points at it', 'a日b', 2, { line: 1, column: 2 }],
    ['past the end points after the last character', 'ab', 99, { line: 1, column: 3 }],
    ['CRLF: the CR is the last character of its line', 'a\r\nb', 3, { line: 2, column: 1 }],
  ])('%s', (_name, text, offset, expected) => {
    expect(positionOfByteOffset(text, offset)).toEqual(expected);
  });

  it('property: agrees with counting the characters before the offset', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), (before, after) => {
        const text = before + after;
        const offset = Buffer.byteLength(before, 'utf8');
        const lines = before.split('\n');
        expect(positionOfByteOffset(text, offset)).toEqual({ line: lines.length, column: [...lines.at(-1)!].length + 1 });
        expect(positionOfIndex(text, before.length)).toEqual(positionOfByteOffset(text, offset));
      }),
    );
  });
});
