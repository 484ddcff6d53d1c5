// Evaluation metrics against hand computations (spec S10): each quantity named for what it is.
import { EvalAccumulator, countCodePoints, evalMetrics, utf8ByteLength } from '../../lib/eval/metrics';

const close = (a: number | null, b: number) => expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

describe('evalMetrics', () => {
  test('hand computation: 10 tokens at 2 bits each over 40 chars / 50 bytes', () => {
    const m = evalMetrics({ nllNats: 20 * Math.LN2, tokens: 10, codePoints: 40, utf8Bytes: 50 });
    close(m.meanLoss, 2 * Math.LN2);
    close(m.perplexity, 4);
    close(m.bitsPerToken, 2);
    close(m.bitsPerChar, 0.5);
    close(m.bitsPerByte, 0.4);
  });
  test('v5 reported numbers: PPL 1.36 ⇔ "BPC" 0.44 is bits per token', () => {
    const m = evalMetrics({ nllNats: Math.log(1.36) * 1000, tokens: 1000 });
    expect(m.bitsPerToken).toBeCloseTo(0.4436, 4);
    expect(m.bitsPerChar).toBeNull();
    expect(m.bitsPerByte).toBeNull();
  });
  test('PPL unclamped by default; the originals clamp the exponent at 20 (v6.1-C at 10)', () => {
    const t = { nllNats: 30 * 5, tokens: 5 }; // mean loss 30
    close(evalMetrics(t).perplexity, Math.exp(30));
    close(evalMetrics(t, { pplExponentClamp: 20 }).perplexity, Math.exp(20));
    close(evalMetrics(t, { pplExponentClamp: 10 }).perplexity, Math.exp(10));
    close(evalMetrics({ nllNats: 5, tokens: 5 }, { pplExponentClamp: 10 }).perplexity, Math.E);
  });
  test('bad totals name the field', () => {
    expect(() => evalMetrics({ nllNats: NaN, tokens: 1 })).toThrow(/nllNats/);
    expect(() => evalMetrics({ nllNats: 1, tokens: 0 })).toThrow(/tokens must be an integer >= 1/);
    expect(() => evalMetrics({ nllNats: 1, tokens: 2, codePoints: 1.5 })).toThrow(/codePoints/);
  });
});

describe('counting text', () => {
  test('code points count like Python len; bytes like UTF-8', () => {
    expect(countCodePoints('abc')).toBe(3);
    expect(countCodePoints('héllo')).toBe(5);
    expect(utf8ByteLength('héllo')).toBe(6);
    expect(countCodePoints('a😀b')).toBe(3); // one astral code point = a surrogate pair in JS
    expect('a😀b'.length).toBe(4);
    expect(utf8ByteLength('a😀b')).toBe(6);
    expect(countCodePoints('日本')).toBe(2);
    expect(utf8ByteLength('日本')).toBe(6);
    expect(countCodePoints('\ud800x')).toBe(2); // lone surrogate counts once
  });
  test('accumulator sums batches and documents', () => {
    const acc = new EvalAccumulator();
    acc.addLoss(3 * Math.LN2, 2).addLoss(5 * Math.LN2, 2);
    acc.addText('日本').addText('ab');
    const m = acc.metrics();
    close(m.bitsPerToken, 2);
    close(m.bitsPerChar, 2); // 8 bits over 4 code points
    close(m.bitsPerByte, 1); // 8 bits over 8 bytes
    expect(() => acc.addLoss(-1, 1)).toThrow(/nllNatsSum/);
  });
});
