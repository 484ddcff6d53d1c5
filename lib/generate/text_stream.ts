// Incremental detokenization for streaming: turns generated ids into text pieces that never need taking
// back — a byte-level token may end inside a UTF-8 character (held until it completes), a SentencePiece
// token's leading space depends on what precedes it (decoded after a few tokens of context), and text
// that might be the start of a stop string is held until it is known not to be one.
import type { Tokenizer } from '../data/types';
import { findStopString } from './sampling';

/** Tokens of preceding context decoded with new ones, so spacing rules see what came before. */
const CONTEXT_TOKENS = 3;
/** Tokens held at most while their text ends in an incomplete character. */
const MAX_PENDING = 4;

export class TextStream {
  /** The text so far, cut before a stop string once one is found. */
  text = '';
  /** Whether a stop string was found (the text ends just before it). */
  stopped = false;
  private emitted = 0;
  private searched = 0;
  private readonly ids: number[] = [];
  private decodedIds = 0;
  private context: number[];
  private readonly holdBack: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    promptIds: ArrayLike<number>,
    private readonly stopStrings: readonly string[],
  ) {
    this.context = Array.from(promptIds).slice(-CONTEXT_TOKENS);
    this.holdBack = stopStrings.reduce((m, s) => Math.max(m, s.length - 1), 0);
  }

  /** Adds a generated id; returns the text that became final with it (often '' or one word). */
  push(id: number): string {
    if (this.stopped) return '';
    this.ids.push(id);
    const pending = this.ids.slice(this.decodedIds);
    const piece = this.decodePending(pending);
    if (piece.endsWith('\uFFFD') && pending.length < MAX_PENDING) return ''; // wait for the rest of the character
    this.accept(piece);
    return this.release(false);
  }

  /** Everything still held (an incomplete character, a possible stop-string prefix); call at the end. */
  flush(): string {
    if (!this.stopped && this.decodedIds < this.ids.length) this.accept(this.decodePending(this.ids.slice(this.decodedIds)));
    return this.release(true);
  }

  private decodePending(pending: number[]): string {
    const base = this.context.length === 0 ? '' : this.tokenizer.decode(this.context);
    const full = this.tokenizer.decode([...this.context, ...pending]);
    return full.startsWith(base) ? full.slice(base.length) : this.tokenizer.decode(pending);
  }

  private accept(piece: string): void {
    this.text += piece;
    this.context = [...this.context, ...this.ids.slice(this.decodedIds)].slice(-CONTEXT_TOKENS);
    this.decodedIds = this.ids.length;
    if (this.stopStrings.length === 0) return;
    const hit = findStopString(this.text, this.stopStrings, this.searched - this.holdBack);
    if (hit !== null) {
      this.text = this.text.slice(0, hit.index);
      this.stopped = true;
    } else this.searched = this.text.length;
  }

  /** Text not yet emitted, minus the tail that could still begin a stop string (unless final). */
  private release(final: boolean): string {
    const upTo = final || this.stopped ? this.text.length : Math.max(this.emitted, this.text.length - this.holdBack);
    const out = this.text.slice(this.emitted, upTo);
    this.emitted = upTo;
    return out;
  }
}
