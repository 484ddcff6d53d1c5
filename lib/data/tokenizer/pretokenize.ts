// Pre-tokenizer pipelines beyond plain ByteLevel, for tokenizer.json files of other models (Llama 3, Qwen,
// GPT-4-style): Sequence[Split(regex), ByteLevel(use_regex: false)]. Split patterns are Oniguruma regexes;
// they are translated to JS with \p{L}, \p{N}, \s taken from the reference's tables (unicode_tables.ts),
// and (?i:...) over ASCII letters spelled out, since Node 20's RegExp has no inline modifiers.
// Follows huggingface/tokenizers pre_tokenizers/split.rs and tokenizer/normalizer.rs (split behaviours).
import { LETTER_RANGES, NUMBER_RANGES, SPACE_RANGES } from './unicode_tables';

export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';
export type PreStep =
  | { type: 'Split'; regex: RegExp; behavior: SplitBehavior; invert: boolean }
  | { type: 'ByteLevel'; addPrefixSpace: boolean; useRegex: boolean };

function classBody(ranges: readonly number[]): string {
  const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;
  let out = '';
  for (let i = 0; i < ranges.length; i += 2) out += ranges[i] === ranges[i + 1] ? hex(ranges[i]) : `${hex(ranges[i])}-${hex(ranges[i + 1])}`;
  return out;
}
const BODY: Record<string, string> = { L: classBody(LETTER_RANGES), N: classBody(NUMBER_RANGES), s: classBody(SPACE_RANGES) };

/**
 * An Oniguruma pattern as a JS RegExp (flags gu) that matches what the reference matches. Throws Error
 * naming the construct when one cannot be carried over.
 */
export function translateOniguruma(pattern: string): RegExp {
  let out = '';
  let inClass = false;
  const caseless: number[] = []; // paren depth of each open (?i: group
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      const prop = /^\\[pP]\{(L|N|Letter|Number)\}/.exec(pattern.slice(i));
      if (prop) {
        const body = BODY[prop[1][0]];
        const negated = prop[0][1] === 'P';
        if (inClass && negated) throw new Error(`${prop[0]} inside [...] is not supported`);
        out += inClass ? body : `[${negated ? '^' : ''}${body}]`;
        i += prop[0].length - 1;
      } else if (n === 's' || n === 'S') {
        if (inClass && n === 'S') throw new Error('\\S inside [...] is not supported');
        out += inClass ? BODY.s : `[${n === 'S' ? '^' : ''}${BODY.s}]`;
        i++;
      } else if (n === 'd' || n === 'D' || n === 'w' || n === 'W' || n === 'b' || n === 'B' || n === 'h' || n === 'H' || n === 'X' || n === 'R') {
        throw new Error(`\\${n} is not supported (its Unicode meaning differs between Oniguruma and JS)`);
      } else {
        out += c + (n ?? '');
        i++;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '^' || c === '$') throw new Error(`the anchor ${c} is not supported (line anchors in Oniguruma, string anchors in JS)`);
    if (c === '[') {
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += '\\' + pattern[++i];
      continue;
    }
    if (c === '(') {
      depth++;
      if (pattern.startsWith('(?i:', i)) {
        caseless.push(depth);
        out += '(?:';
        i += 3;
        continue;
      }
      if (pattern.startsWith('(?', i) && !/^\(\?[:=!]|^\(\?<[=!]/.test(pattern.slice(i))) throw new Error(`group ${pattern.slice(i, i + 4)} is not supported`);
    }
    if (c === ')') {
      if (caseless.length > 0 && caseless[caseless.length - 1] === depth) caseless.pop();
      depth--;
    }
    if (caseless.length > 0 && /[a-zA-Z]/.test(c)) out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    else out += c;
  }
  try {
    return new RegExp(out, 'gu');
  } catch (e) {
    throw new Error(`the pattern is not valid here (${(e as Error).message})`);
  }
}

/** [start, end, isMatch] pieces covering s, as HF's Pattern::find_matches. Empty matches are skipped. */
function findMatches(re: RegExp, s: string): Array<[number, number, boolean]> {
  if (s.length === 0) return [[0, 0, false]];
  const out: Array<[number, number, boolean]> = [];
  let prev = 0;
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (m[0].length === 0) {
      re.lastIndex += s.codePointAt(re.lastIndex)! > 0xffff ? 2 : 1;
      continue;
    }
    if (prev !== m.index) out.push([prev, m.index, false]);
    out.push([m.index, m.index + m[0].length, true]);
    prev = m.index + m[0].length;
  }
  if (prev !== s.length) out.push([prev, s.length, false]);
  return out;
}

/** HF NormalizedString::split: the pieces of s under a behaviour. */
export function splitPieces(s: string, step: Extract<PreStep, { type: 'Split' }>): string[] {
  let matches = findMatches(step.regex, s);
  if (step.invert) matches = matches.map(([a, b, m]) => [a, b, !m]);
  const keep: Array<[number, number]> = [];
  let previous = false;
  switch (step.behavior) {
    case 'Isolated':
      for (const [a, b] of matches) keep.push([a, b]);
      break;
    case 'Removed':
      for (const [a, b, m] of matches) if (!m) keep.push([a, b]);
      break;
    case 'Contiguous':
      for (const [a, b, m] of matches) {
        if (m === previous && keep.length > 0) keep[keep.length - 1][1] = b;
        else keep.push([a, b]);
        previous = m;
      }
      break;
    case 'MergedWithPrevious':
      for (const [a, b, m] of matches) {
        if (m && !previous && keep.length > 0) keep[keep.length - 1][1] = b;
        else keep.push([a, b]);
        previous = m;
      }
      break;
    case 'MergedWithNext': {
      const rev: Array<[number, number]> = [];
      for (let i = matches.length - 1; i >= 0; i--) {
        const [a, b, m] = matches[i];
        if (m && !previous && rev.length > 0) rev[rev.length - 1][0] = a;
        else rev.push([a, b]);
        previous = m;
      }
      keep.push(...rev.reverse());
      break;
    }
  }
  return keep.filter(([a, b]) => b > a).map(([a, b]) => s.slice(a, b));
}
