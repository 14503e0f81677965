/** A 1-based position in a text: line, and column counted in characters (code points), not bytes. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Number of UTF-8 bytes that encode the code point `cp`. */
function utf8Length(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/**
 * Line and column of a UTF-8 byte offset into `text` (Cedar reports byte offsets). An offset in
 * the middle of a character points at that character; one past the end points after the last.
 */
export function positionOfByteOffset(text: string, byteOffset: number): SourcePosition {
  let bytes = 0;
  let line = 1;
  let column = 1;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    bytes += utf8Length(cp);
    if (bytes > byteOffset) break;
    if (ch === '\n') {
      line += 1;
      column = 1;
    } else {
      column += 1;
    }
  }
  return { line, column };
}

/** Line and column of a UTF-16 index into `text` (a JavaScript string index). */
export function positionOfIndex(text: string, index: number): SourcePosition {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: [...before.slice(lineStart)].length + 1 };
}
