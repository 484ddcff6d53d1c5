// lib/data/tokenizer/unicode_tables.ts must classify every code point as the reference's pre-tokenizer
// does (\p{L}, \p{N}, \s of its regex engine). Checks all 1,112,064 scalar values (~10 s). If the pinned
// reference changes, regenerate the table: FLASHLM_REGEN_TABLES=1 npx jest test/data/tokenizer_unicode.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { charClass, LETTER, NUMBER, OTHER, SPACE } from '../../lib/data/tokenizer/bytelevel';
import { hf } from './tokenizer_util';

function referenceClasses(): Uint8Array {
  const pt = hf.byteLevelPreTokenizer(false, true);
  const cls = new Uint8Array(0x110000);
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const x = String.fromCodePoint(cp);
    // One piece means x continues the run: a letter after 'a', a number after '0', a space after '\t'.
    if (pt.preTokenizeString('a' + x).length === 1) cls[cp] = LETTER;
    else if (pt.preTokenizeString('0' + x).length === 1) cls[cp] = NUMBER;
    else if (pt.preTokenizeString('\t' + x).length === 1) cls[cp] = SPACE;
    else cls[cp] = OTHER;
  }
  return cls;
}

function ranges(cls: Uint8Array, k: number): number[] {
  const out: number[] = [];
  let start = -1;
  for (let cp = 0; cp <= 0x110000; cp++) {
    const on = cp < 0x110000 && cls[cp] === k;
    if (on && start < 0) start = cp;
    if (!on && start >= 0) {
      out.push(start, cp - 1);
      start = -1;
    }
  }
  return out;
}

function writeTables(cls: Uint8Array): void {
  const fmt = (a: number[]): string => {
    const lines: string[] = [];
    for (let i = 0; i < a.length; i += 16) lines.push('  ' + a.slice(i, i + 16).map((x) => '0x' + x.toString(16)).join(', ') + ',');
    return lines.join('\n');
  };
  const file = path.join(__dirname, '../../lib/data/tokenizer/unicode_tables.ts');
  const old = fs.readFileSync(file, 'utf8');
  const header = old.slice(0, old.indexOf('export const LETTER_RANGES'));
  fs.writeFileSync(file, `${header}export const LETTER_RANGES: readonly number[] = [\n${fmt(ranges(cls, LETTER))}\n];\nexport const NUMBER_RANGES: readonly number[] = [\n${fmt(ranges(cls, NUMBER))}\n];\nexport const SPACE_RANGES: readonly number[] = [\n${fmt(ranges(cls, SPACE))}\n];\n`);
}

test('every code point is classified as the reference pre-tokenizer classifies it', () => {
  const want = referenceClasses();
  if (process.env.FLASHLM_REGEN_TABLES === '1') writeTables(want);
  const wrong: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (charClass(cp) !== want[cp] && wrong.length < 10) wrong.push(`U+${cp.toString(16)}: ours ${charClass(cp)}, reference ${want[cp]}`);
  }
  expect(wrong).toEqual([]);
  // The two places where Node's own \s differs from the reference.
  expect(charClass(0x85)).toBe(SPACE);
  expect(charClass(0xfeff)).toBe(OTHER);
});
