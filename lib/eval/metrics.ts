// Evaluation metrics from summed negative log-likelihood (spec S10), each named for what it is: the
// originals' "BPC" was bits per *token*; bits per character here counts Unicode code points (Python's
// len), and bits per UTF-8 byte is reported beside it. Computing the sums (forward passes) is the
// trainer's; this file only turns sums into numbers.

/** Sums over an evaluation set: NLL in nats over the predicted tokens, and the text they cover. */
export interface EvalTotals {
  /** Σ −ln p(target) over predicted positions, in nats. */
  nllNats: number;
  /** Number of predicted tokens. */
  tokens: number;
  /** Unicode code points of the text those tokens cover (whole documents), if known. */
  codePoints?: number;
  /** UTF-8 bytes of the same text, if known. */
  utf8Bytes?: number;
}

export interface EvalMetrics {
  /** Mean loss per token, nats (L). */
  meanLoss: number;
  /** exp(L), unclamped unless pplExponentClamp is given. */
  perplexity: number;
  /** L / ln 2 — what the originals logged as "BPC". */
  bitsPerToken: number;
  /** Σ NLL / (code points · ln 2): true bits per character; null without a code-point count. */
  bitsPerChar: number | null;
  /** Σ NLL / (UTF-8 bytes · ln 2); null without a byte count. */
  bitsPerByte: number | null;
  tokens: number;
  codePoints: number | null;
  utf8Bytes: number | null;
}

export interface EvalMetricsOptions {
  /**
   * Clamp the exponent of the PPL as the original scripts did: 20 (most versions) or 10 (v6.1-C).
   * Default: no clamp, so a diverged model shows its real (huge or Infinity) PPL.
   */
  pplExponentClamp?: number;
}

function checkCount(fn: string, name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * Mean loss, PPL, bits per token, bits per character (code points) and bits per UTF-8 byte.
 *
 * @example
 * evalMetrics({ nllNats: 2 * Math.LN2 * 10, tokens: 10, codePoints: 40, utf8Bytes: 40 });
 * // { meanLoss: 1.386…, perplexity: 4, bitsPerToken: 2, bitsPerChar: 0.5, bitsPerByte: 0.5, … }
 */
export function evalMetrics(t: EvalTotals, options: EvalMetricsOptions = {}): EvalMetrics {
  const fn = 'evalMetrics';
  if (!Number.isFinite(t.nllNats) || t.nllNats < 0) throw new RangeError(`${fn}: nllNats must be a finite number >= 0, got ${t.nllNats}`);
  checkCount(fn, 'tokens', t.tokens, 1);
  if (t.codePoints !== undefined) checkCount(fn, 'codePoints', t.codePoints, 1);
  if (t.utf8Bytes !== undefined) checkCount(fn, 'utf8Bytes', t.utf8Bytes, 1);
  const clamp = options.pplExponentClamp;
  if (clamp !== undefined && !Number.isFinite(clamp)) throw new RangeError(`${fn}: pplExponentClamp must be finite, got ${clamp}`);
  const meanLoss = t.nllNats / t.tokens;
  return {
    meanLoss,
    perplexity: Math.exp(clamp === undefined ? meanLoss : Math.min(meanLoss, clamp)),
    bitsPerToken: meanLoss / Math.LN2,
    bitsPerChar: t.codePoints === undefined ? null : t.nllNats / (t.codePoints * Math.LN2),
    bitsPerByte: t.utf8Bytes === undefined ? null : t.nllNats / (t.utf8Bytes * Math.LN2),
    tokens: t.tokens,
    codePoints: t.codePoints ?? null,
    utf8Bytes: t.utf8Bytes ?? null,
  };
}

/** Unicode code points in `text` (Python's len; a surrogate pair counts once). */
export function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // a high surrogate followed by a low one is one code point; a lone surrogate counts as one
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Bytes of `text` in UTF-8 (a lone surrogate encodes as U+FFFD, 3 bytes, as TextEncoder does). */
export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Accumulates per-batch sums in float64 so that the result does not depend on batch sizes beyond
 * float rounding; documents are added whole (code points and bytes of the scored text).
 *
 * @example
 * const acc = new EvalAccumulator();
 * acc.addLoss(lossSumNats, nTokens); acc.addText('Once upon a time');
 * const m = acc.metrics(); // m.bitsPerChar, m.bitsPerByte, …
 */
export class EvalAccumulator {
  nllNats = 0;
  tokens = 0;
  codePoints = 0;
  utf8Bytes = 0;

  /** Adds a batch: the sum of −ln p over `tokens` predicted positions (not the mean). */
  addLoss(nllNatsSum: number, tokens: number): this {
    if (!Number.isFinite(nllNatsSum) || nllNatsSum < 0) throw new RangeError(`EvalAccumulator.addLoss: nllNatsSum must be a finite number >= 0, got ${nllNatsSum}`);
    checkCount('EvalAccumulator.addLoss', 'tokens', tokens, 0);
    this.nllNats += nllNatsSum;
    this.tokens += tokens;
    return this;
  }

  /** Adds the text the scored tokens cover (counted as code points and UTF-8 bytes). */
  addText(text: string): this {
    this.codePoints += countCodePoints(text);
    this.utf8Bytes += utf8ByteLength(text);
    return this;
  }

  metrics(options: EvalMetricsOptions = {}): EvalMetrics {
    return evalMetrics(
      {
        nllNats: this.nllNats,
        tokens: this.tokens,
        codePoints: this.codePoints > 0 ? this.codePoints : undefined,
        utf8Bytes: this.utf8Bytes > 0 ? this.utf8Bytes : undefined,
      },
      options,
    );
  }
}
