/** One `object-type:path = 'value'` comparison of a STIX pattern. */
export interface StixComparison {
  /** Object type, e.g. "ipv4-addr". */
  objectType: string;
  /** Property path, e.g. ["value"] or ["hashes", "SHA-256"] (quotes removed). */
  path: string[];
  /** The string literal, escapes resolved. */
  value: string;
}

/** Outcome of parseStixPattern: the comparisons of the one observation, or why it was not read. */
export type StixPatternResult =
  | { ok: true; comparisons: StixComparison[] }
  | { ok: false; code: 'STIX_PATTERN_SYNTAX' | 'STIX_PATTERN_UNSUPPORTED' | 'STIX_PATTERN_TOO_LONG'; reason: string };

/** Longest pattern read (a value is at most 4,096 characters; the rest is paths and brackets). */
export const MAX_PATTERN_LENGTH = 16_384;

type Token =
  | { kind: 'punct'; text: string; at: number }
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'other'; text: string; at: number };

// Valid STIX, but beyond the subset Palermo maps: reported by name, never guessed.
const UNSUPPORTED_WORDS = new Set([
  'OR', 'NOT', 'LIKE', 'MATCHES', 'IN', 'ISSUBSET', 'ISSUPERSET', 'EXISTS',
  'FOLLOWEDBY', 'WITHIN', 'REPEATS', 'TIMES', 'START', 'STOP', 'SECONDS',
]);
const OPERATORS = ['!=', '<=', '>=', '<', '>', '='];

class PatternError extends Error {
  constructor(readonly code: 'STIX_PATTERN_SYNTAX' | 'STIX_PATTERN_UNSUPPORTED', message: string) {
    super(message);
  }
}
const syntax = (message: string) => new PatternError('STIX_PATTERN_SYNTAX', message);
const unsupported = (message: string) => new PatternError('STIX_PATTERN_UNSUPPORTED', message);

/**
 * Reads the subset of STIX patterning Palermo maps: one observation `[ … ]` of equality comparisons
 * with string literals joined by AND (`[user-account:account_login = 'anna' AND user-account:account_type = 'telegram']`),
 * with `\'` and `\\` escapes and quoted path parts (`file:hashes.'SHA-256'`). OR, several observations,
 * qualifiers, other operators, other literal types and list indexes are reported as unsupported.
 */
export function parseStixPattern(pattern: unknown): StixPatternResult {
  if (typeof pattern !== 'string') return { ok: false, code: 'STIX_PATTERN_SYNTAX', reason: 'pattern must be a string' };
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, code: 'STIX_PATTERN_TOO_LONG', reason: `pattern is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}` };
  }
  try {
    return { ok: true, comparisons: new PatternReader(tokenize(pattern)).observation() };
  } catch (error) {
    if (error instanceof PatternError) return { ok: false, code: error.code, reason: error.message };
    throw error;
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      const [value, end] = readQuoted(text, i);
      tokens.push({ kind: 'string', text: value, at: i });
      i = end;
    } else if ('[]():.,*'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
    } else {
      const operator = OPERATORS.find((op) => text.startsWith(op, i));
      if (operator) {
        tokens.push({ kind: 'punct', text: operator, at: i });
        i += operator.length;
        continue;
      }
      const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i, i + 300));
      if (word) {
        // t'…', h'…', b'…' are timestamp, hex and binary literals.
        if (word[0].length === 1 && 'thb'.includes(word[0]) && text[i + 1] === "'") {
          const [, end] = readQuoted(text, i + 1);
          tokens.push({ kind: 'other', text: `${word[0]}'…'`, at: i });
          i = end;
          continue;
        }
        tokens.push({ kind: 'word', text: word[0], at: i });
        i += word[0].length;
        continue;
      }
      const other = /^[^\s'\[\]():.,*=!<>]+/.exec(text.slice(i, i + 300))?.[0] ?? c;
      tokens.push({ kind: 'other', text: other, at: i });
      i += other.length;
    }
  }
  return tokens;
}

// A quoted literal: only \' and \\ are escapes in STIX patterning.
function readQuoted(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") return [value, i + 1];
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== "'" && next !== '\\') throw syntax(`invalid escape "\\${next ?? ''}" at ${i}: only \\' and \\\\ are allowed`);
      value += next;
      i += 2;
    } else {
      value += c;
      i++;
    }
  }
  throw syntax(`unterminated string literal starting at ${start}`);
}

class PatternReader {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  observation(): StixComparison[] {
    this.expect('[', 'a pattern starts with "["');
    const comparisons = [this.comparison()];
    for (;;) {
      const token = this.next('"AND" or "]"');
      if (token.kind === 'punct' && token.text === ']') break;
      if (token.kind === 'word' && token.text === 'AND') {
        comparisons.push(this.comparison());
        continue;
      }
      throw this.unexpected(token, '"AND" or "]"');
    }
    const rest = this.tokens[this.index];
    if (rest) {
      if ((rest.kind === 'word' && UNSUPPORTED_WORDS.has(rest.text)) || (rest.kind === 'word' && rest.text === 'AND') || rest.text === '[') {
        throw unsupported(`only one observation is supported; found ${JSON.stringify(rest.text)} after "]" at ${rest.at}`);
      }
      throw syntax(`unexpected ${JSON.stringify(rest.text)} after the observation at ${rest.at}`);
    }
    return comparisons;
  }

  private comparison(): StixComparison {
    const first = this.next('an object path');
    if (first.kind === 'punct' && first.text === '(') throw unsupported(`parenthesized comparisons are not supported (at ${first.at})`);
    if (first.kind !== 'word' || UNSUPPORTED_WORDS.has(first.text)) throw this.unexpected(first, 'an object type');
    this.expect(':', 'an object type is followed by ":"');
    const path = [this.property()];
    for (;;) {
      const token = this.peek();
      if (token?.kind === 'punct' && token.text === '.') {
        this.index++;
        path.push(this.property());
      } else if (token?.kind === 'punct' && token.text === '[') {
        throw unsupported(`list indexes in object paths are not supported (at ${token.at})`);
      } else break;
    }
    const operator = this.next('"="');
    if (!(operator.kind === 'punct' && operator.text === '=')) {
      if (operator.kind === 'punct' && OPERATORS.includes(operator.text)) throw unsupported(`only "=" is supported; found "${operator.text}" at ${operator.at}`);
      if (operator.kind === 'word' && UNSUPPORTED_WORDS.has(operator.text)) throw unsupported(`only "=" is supported; found "${operator.text}" at ${operator.at}`);
      throw this.unexpected(operator, '"="');
    }
    const value = this.next('a string literal');
    if (value.kind !== 'string') {
      if (value.kind === 'word' && (value.text === 'true' || value.text === 'false')) throw unsupported(`only string literals are supported; found ${value.text} at ${value.at}`);
      if (value.kind === 'other' && /^-?[0-9]/.test(value.text)) throw unsupported(`only string literals are supported; found the number ${value.text} at ${value.at}`);
      if (value.kind === 'other' && /^[thb]'/.test(value.text)) throw unsupported(`only string literals are supported; found a ${value.text} literal at ${value.at}`);
      throw this.unexpected(value, 'a string literal');
    }
    return { objectType: first.text, path, value: value.text };
  }

  private property(): string {
    const token = this.next('a property name');
    if (token.kind === 'string') return token.text;
    if (token.kind === 'word' && !token.text.includes('-')) return token.text;
    throw this.unexpected(token, 'a property name');
  }

  private expect(text: string, why: string): void {
    const token = this.next(`"${text}"`);
    if (!(token.kind === 'punct' && token.text === text)) throw this.unexpected(token, why);
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(what: string): Token {
    const token = this.tokens[this.index++];
    if (!token) throw syntax(`pattern ends where ${what} was expected`);
    return token;
  }

  private unexpected(token: Token, expected: string): PatternError {
    const shown = token.kind === 'string' ? `'${token.text.slice(0, 40)}'` : JSON.stringify(token.text.slice(0, 40));
    if (token.kind === 'word' && UNSUPPORTED_WORDS.has(token.text)) {
      return unsupported(`"${token.text}" is not supported (at ${token.at}); Palermo reads one observation of "=" comparisons joined by AND`);
    }
    return syntax(`expected ${expected}, found ${shown} at ${token.at}`);
  }
}

/** A string as a STIX pattern literal: quoted, with `\` and `'` escaped. */
export function stixStringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
