/** Largest estimated expression depth accepted (Cedar's wasm build overflows its stack near 365). */
export const MAX_POLICY_DEPTH = 120;
// A bracket level costs the parser about three chained operators (overflow near 130 nested parentheses).
const BRACKET_COST = 3;
// Keywords that deepen an expression like an operator.
const DEEPENING_WORDS = new Set(['if', 'has', 'like', 'is', 'in']);
const OPERATOR = /[-+*.<>=!]/;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * One bracket level. A chain `a && b || c` nests one level per `&&`/`||` (spine); each operand
 * (segment) nests by its own operators, all counted, plus its deepest bracket. `,` separates
 * siblings (set elements, arguments), which do not nest.
 */
interface Group {
  spine: number;
  ops: number;
  child: number;
  best: number;
}

const group = (): Group => ({ spine: 0, ops: 0, child: 0, best: 0 });
const endSegment = (g: Group): void => {
  g.best = Math.max(g.best, g.ops + g.child);
  g.ops = 0;
  g.child = 0;
};
const depthOf = (g: Group): number => g.spine + g.best;

/**
 * A conservative estimate of how deep Cedar will recurse on each policy of `text`, from the text
 * alone. Cedar's wasm build corrupts its memory (every later call in the process fails) when a
 * policy nests too deep, so untrusted text is measured before Cedar ever sees it. Returns the
 * index where the first too-deep policy starts, or undefined.
 */
export function tooDeepAt(text: string): { index: number; depth: number } | undefined {
  let stack: Group[] = [group()];
  let start = -1;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '/') i = skipLine(text, i);
    else if (ch === '"') i = skipString(text, i);
    else if (!/\s/.test(ch)) {
      if (start < 0) start = i;
      if ('([{'.includes(ch)) {
        stack.push(group());
        if ((stack.length - 1) * BRACKET_COST > MAX_POLICY_DEPTH) return { index: i, depth: (stack.length - 1) * BRACKET_COST };
      } else if (')]}'.includes(ch)) {
        if (stack.length > 1) closeGroup(stack);
      } else if (ch === ';' && stack.length === 1) {
        endSegment(stack[0]!);
        if (depthOf(stack[0]!) > MAX_POLICY_DEPTH) return { index: start, depth: depthOf(stack[0]!) };
        stack = [group()];
        start = -1;
      } else i = token(text, i, stack.at(-1)!);
    }
  }
  while (stack.length > 1) closeGroup(stack);
  endSegment(stack[0]!);
  const depth = depthOf(stack[0]!);
  return depth > MAX_POLICY_DEPTH ? { index: Math.max(start, 0), depth } : undefined;
}

function closeGroup(stack: Group[]): void {
  const inner = stack.pop()!;
  endSegment(inner);
  const parent = stack.at(-1)!;
  parent.child = Math.max(parent.child, depthOf(inner) + BRACKET_COST);
}

// Counts one operator, keyword or separator starting at i; returns the index of its last character.
function token(text: string, i: number, g: Group): number {
  const two = text.slice(i, i + 2);
  if (two === '&&' || two === '||') {
    endSegment(g);
    g.spine += 1;
    return i + 1;
  }
  if (text[i] === ',') {
    endSegment(g);
    return i;
  }
  if (OPERATOR.test(text[i]!)) {
    g.ops += 1;
    return /^[<>=!]=$/.test(two) ? i + 1 : i;
  }
  WORD.lastIndex = i;
  const word = WORD.exec(text);
  if (!word) return i;
  if (DEEPENING_WORDS.has(word[0])) g.ops += 1;
  return i + word[0].length - 1;
}

function skipLine(text: string, i: number): number {
  const end = text.indexOf('\n', i);
  return end < 0 ? text.length : end;
}

function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j += 1) {
    if (text[j] === '\\') j += 1;
    else if (text[j] === '"') return j;
  }
  return text.length;
}
