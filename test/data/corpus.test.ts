// Corpora: the embedded sotu and moby-dick (deterministic, disjoint document-level split), local text files
// and globs, the B12 separation rules, and errors for unknown names and missing files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as flashlm from '../../lib';
import { corpus, text, Corpus, SEPARATIONS, splitDocuments } from '../../lib/data';
import { collect, rmDir, tempDir } from './data_util';

describe('sotu', () => {
  test('the split is deterministic, disjoint, covers every address, and its sizes are sane', async () => {
    const a = corpus('sotu');
    const b = corpus('sotu');
    expect(Corpus.isCorpus(a)).toBe(true);
    expect(a.name).toBe('sotu');
    expect(a.id).toBe(b.id);
    const [tr, va] = [await a.train.toArray(), await a.validation.toArray()];
    expect(await b.train.toArray()).toEqual(tr);
    expect(await b.validation.toArray()).toEqual(va);
    expect(tr.length + va.length).toBe(233);
    expect(va.length).toBe(Math.round(233 * 0.1));
    const trSet = new Set(tr);
    expect(va.some((d) => trSet.has(d))).toBe(false);
    const chars = [...tr, ...va].reduce((s, d) => s + d.length, 0);
    expect(chars).toBeGreaterThan(10.5e6);
    expect(chars).toBeLessThan(11e6);
    expect(a.train.documentCount).toBe(tr.length);
    expect(a.train.charCount).toBe(tr.reduce((s, d) => s + d.length, 0));
    expect(a.toString()).toMatch(/sotu.*train 210 docs/);
  });

  test('another seed or fraction gives another split with another id', async () => {
    const a = corpus('sotu', { seed: 0 });
    const b = corpus('sotu', { seed: 7, validationFraction: 0.2 });
    expect(b.id).not.toBe(a.id);
    expect(b.train.id).not.toBe(a.train.id);
    const va = await b.validation.toArray();
    expect(va.length).toBe(Math.round(233 * 0.2));
    expect(va).not.toEqual((await a.validation.toArray()).slice(0, va.length));
  });

  test('maxDocuments and the public namespace', async () => {
    const c = flashlm.data.corpus('sotu', { maxDocuments: 5 });
    expect(await c.train.toArray()).toHaveLength(5);
    expect(c.validation.documentCount).toBe(5);
    expect(c.train.id).toMatch(/first=5/);
    expect(() => corpus('sotu', { validationFraction: 1 })).toThrow(/validationFraction must be in \[0, 1\)/);
  });
});

test('moby-dick: 139 chapters split 125 / 14', async () => {
  const c = corpus('moby-dick', { seed: 3 });
  const tr = await c.train.toArray();
  const va = await c.validation.toArray();
  expect(tr.length + va.length).toBe(139);
  expect(va).toHaveLength(14);
  expect([...tr, ...va].join('')).toContain('Call me Ishmael');
  expect(new Set([...tr, ...va]).size).toBe(139);
});

test('an unknown corpus name lists the valid ones', () => {
  expect(() => corpus('wikitext' as never)).toThrow(/unknown corpus 'wikitext'; expected one of 'sotu', 'moby-dick', 'tinystories', 'fineweb-edu'/);
});

describe('separation (B12)', () => {
  const raw = 'Once upon a time there was a cat named Tom who liked milk very much.\nHe drank it.\n\nThe end of the first story, which is long enough.\n<|endoftext|>\nA second story.\n<|endoftext|>\n\n<|endoftext|>\nShort.';

  test('stories (default): split on <|endoftext|>, stripped, empty dropped', async () => {
    expect(await collect(splitDocuments([raw], SEPARATIONS.stories))).toEqual([
      'Once upon a time there was a cat named Tom who liked milk very much.\nHe drank it.\n\nThe end of the first story, which is long enough.',
      'A second story.',
      'Short.',
    ]);
  });

  test('the original pipelines, reproduced', async () => {
    const v5 = await collect(splitDocuments([raw], SEPARATIONS.v5));
    expect(v5).toContain('<|endoftext|>'); // marker lines encoded as text
    expect(v5[1]).toBe('He drank it.');
    expect(SEPARATIONS.v5.separator).toBe('none');
    const v6 = await collect(splitDocuments([raw], SEPARATIONS.v6));
    expect(v6).toEqual([
      'Once upon a time there was a cat named Tom who liked milk very much.\nHe drank it.',
      'The end of the first story, which is long enough.\n<|endoftext|>\nA second story.\n<|endoftext|>',
    ]);
    const c61 = await collect(splitDocuments([raw], SEPARATIONS['v6.1-c']));
    expect(c61).toHaveLength(1); // 'A second story.' and 'Short.' are under 20 chars
    const pt = await collect(splitDocuments([raw], SEPARATIONS['v6.1-pt']));
    expect(pt.filter((d) => d === '<|endoftext|>')).toHaveLength(3);
  });

  test('a document longer than the limit is a clear error, not a V8 crash', async () => {
    const chunks = Array.from({ length: 10 }, () => 'x'.repeat(100));
    await expect(collect(splitDocuments(chunks, SEPARATIONS.stories, 500))).rejects.toThrow(/a document longer than 500 characters \(no "<\|endoftext\|>" found\).*HINT: pass \{ separation: 'v5' \}/);
    expect(await collect(splitDocuments(['x'.repeat(400), '<|endoftext|>', 'y'.repeat(400)], SEPARATIONS.stories, 500))).toHaveLength(2);
  });

  test('where the chunks are cut does not matter', async () => {
    for (const rule of Object.values(SEPARATIONS)) {
      const whole = await collect(splitDocuments([raw], rule));
      for (const size of [1, 2, 3, 5, 13]) {
        const chunks: string[] = [];
        for (let i = 0; i < raw.length; i += size) chunks.push(raw.slice(i, i + size));
        expect(await collect(splitDocuments(chunks, rule))).toEqual(whole);
      }
    }
  });
});

describe('text files', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    for (let f = 0; f < 3; f++) {
      const stories = Array.from({ length: 40 }, (_, i) => `File ${f} story ${i}: a cat, a dog — 猫 🐈.`);
      fs.writeFileSync(path.join(dir, `part${f}.txt`), stories.join('\n<|endoftext|>\n'));
    }
    fs.writeFileSync(path.join(dir, 'sub', 'valid.txt'), 'Valid one.<|endoftext|>Valid two.');
    fs.writeFileSync(path.join(dir, 'notes.md'), 'not text corpus');
  });
  afterAll(() => rmDir(dir));

  test('a glob: files sorted, stories split, deterministic hash split, disjoint', async () => {
    const c = text(path.join(dir, '*.txt'));
    const tr = await c.train.toArray();
    const va = await c.validation.toArray();
    expect(tr.length + va.length).toBe(120);
    expect(va.length).toBeGreaterThan(3);
    expect(va.length).toBeLessThan(30);
    expect(new Set([...tr, ...va]).size).toBe(120);
    expect(tr[0]).toMatch(/^File 0 story \d+: a cat, a dog — 猫 🐈\.$/);
    expect(tr[tr.length - 1]).toMatch(/^File 2 story/);
    expect(await text(path.join(dir, '*.txt')).validation.toArray()).toEqual(va);
    expect(text(path.join(dir, '*.txt')).id).toBe(c.id);
    expect(flashlm.data.text(path.join(dir, '**/*.txt')).info.source).toMatch(/4 files/);
  });

  test('explicit paths with validation files, maxDocuments', async () => {
    const c = text([path.join(dir, 'part0.txt'), path.join(dir, 'part1.txt')], { validation: path.join(dir, 'sub/valid.txt'), maxDocuments: 50 });
    expect(await c.validation.toArray()).toEqual(['Valid one.', 'Valid two.']);
    expect(await c.train.toArray()).toHaveLength(50);
  });

  test('the id changes when a file changes', () => {
    const f = path.join(dir, 'sub', 'valid.txt');
    const before = text(f).id;
    fs.appendFileSync(f, ' more');
    expect(text(f).id).not.toBe(before);
  });

  test('missing files, empty globs and directories are clear errors', () => {
    expect(() => text(path.join(dir, 'nope.txt'))).toThrow(/text: cannot read '.*nope\.txt' \(ENOENT\)/);
    expect(() => text(path.join(dir, '*.csv'))).toThrow(/no file matches the glob/);
    expect(() => text(dir)).toThrow(/is a directory; expected a file\. HINT: pass a glob/);
    expect(() => text([])).toThrow(/at least one path/);
    expect(() => text(path.join(dir, '*.txt'), { separation: 'v9' as never })).toThrow(/unknown separation 'v9'; expected one of stories, v4, v5/);
  });
});
