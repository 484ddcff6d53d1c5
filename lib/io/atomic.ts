// Atomic file writes: write a temporary file in the destination's directory, fsync it, rename it over
// the destination, then fsync the directory. A crash leaves either the old file or the new one, never
// a torn mix (design §6: checkpoints are written atomically).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A temporary name beside `file` (same directory, so rename stays on one filesystem). */
export function tempPathFor(file: string): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${rand}`);
}

/** fsync a directory so that a rename in it is durable (a no-op where directories cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some platforms (Windows) cannot fsync a directory; the rename is still atomic there
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes `chunks` (in order) to `file` atomically; `write` may instead stream bytes itself through
 * the callback it receives. The temporary file is removed if anything fails.
 *
 * @example
 * writeFileAtomic('run/config.json', [Buffer.from(JSON.stringify(cfg))]);
 */
export function writeFileAtomic(file: string, chunks: Iterable<Uint8Array> | ((write: (bytes: Uint8Array) => void) => void)): void {
  const tmp = tempPathFor(file);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  let ok = false;
  try {
    const write = (bytes: Uint8Array) => {
      let off = 0;
      while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
    };
    if (typeof chunks === 'function') chunks(write);
    else for (const c of chunks) write(c);
    fs.fsyncSync(fd);
    ok = true;
  } finally {
    fs.closeSync(fd);
    if (!ok) fs.rmSync(tmp, { force: true });
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
}
