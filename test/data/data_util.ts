// Test helpers for the data pipeline: a byte-level tokenizer that satisfies the Tokenizer contract
// (ids = UTF-8 bytes, then specials), and temp directories.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tokenizer } from '../../lib/data/types';

export class ByteTokenizer implements Tokenizer {
  readonly vocabSize: number;
  private readonly specials: string[];

  /** vocabSize > 65536 makes shards use u32. */
  constructor(opts: { specials?: string[]; vocabSize?: number; tag?: string } = {}) {
    this.specials = opts.specials ?? ['<|endoftext|>'];
    this.vocabSize = opts.vocabSize ?? 256 + this.specials.length;
    this.tag = opts.tag ?? '';
  }
  private readonly tag: string;

  encode(text: string): number[] {
    return Array.from(Buffer.from(text, 'utf8'));
  }
  decode(ids: ArrayLike<number>): string {
    return Buffer.from(Array.from(ids).filter((i) => i < 256)).toString('utf8');
  }
  fingerprint(): string {
    return `bytes:${this.vocabSize}:${this.specials.join(',')}${this.tag}`;
  }
  specialTokenId(token: string): number | undefined {
    const i = this.specials.indexOf(token);
    return i < 0 ? undefined : 256 + i;
  }
}

export function tempDir(prefix = 'flashlm-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const d of it) out.push(d);
  return out;
}
