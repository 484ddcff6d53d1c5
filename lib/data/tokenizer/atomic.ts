// Atomic file writes for tokenizer files: write a temp file beside the target, then rename, so a crash or
// a full disk never leaves a half-written tokenizer.json behind.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes data to file via a temp name + rename. @example writeFileAtomic('tok.json', text) */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* the temp file was never created */
    }
    throw e;
  }
}
