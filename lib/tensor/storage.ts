// Tensor memory: 64-byte aligned native buffers (native.alloc), reference-counted so that views
// share them, and pooled by exact byte size so that a training step, which asks for the same sizes
// every time, allocates nothing once warm (RSS stays flat step over step). A buffer nobody disposed
// is still freed by V8's garbage collector; the pool only speeds up the disposed ones.
import { native } from '../native';

/** Upper bound on bytes kept in the pool (FLASHLM_POOL_MB, default 2048 MB). */
const MAX_POOLED_BYTES = (Number(process.env.FLASHLM_POOL_MB) || 2048) * 1024 * 1024;

const freeBySize = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;
let liveBytes = 0;

/** One allocation, shared by a tensor and its views. */
export class Storage {
  private refs = 1;
  constructor(
    readonly buffer: ArrayBuffer,
    readonly byteLength: number,
  ) {}

  /** Another tensor now shares this storage. */
  retain(): this {
    this.refs++;
    return this;
  }

  /** Returns true when this was the last reference and the buffer went back to the pool. */
  release(): boolean {
    if (this.refs <= 0) return false;
    if (--this.refs > 0) return false;
    liveBytes -= this.byteLength;
    returnToPool(this.buffer, this.byteLength);
    return true;
  }

  get released(): boolean {
    return this.refs <= 0;
  }
}

/** Storage of at least `byteLength` bytes. Its contents are arbitrary (pooled memory is reused). */
export function allocateStorage(byteLength: number): Storage {
  const free = freeBySize.get(byteLength);
  let buffer = free?.pop();
  if (buffer !== undefined) {
    pooledBytes -= byteLength;
  } else {
    buffer = native.alloc(byteLength);
  }
  liveBytes += byteLength;
  return new Storage(buffer, byteLength);
}

function returnToPool(buffer: ArrayBuffer, byteLength: number): void {
  if (pooledBytes + byteLength > MAX_POOLED_BYTES) return; // let the GC free it
  let free = freeBySize.get(byteLength);
  if (free === undefined) freeBySize.set(byteLength, (free = []));
  free.push(buffer);
  pooledBytes += byteLength;
}

/** Bytes held by live tensors and bytes waiting in the pool (for memory benchmarks and tests). */
export function memoryStats(): { liveBytes: number; pooledBytes: number } {
  return { liveBytes, pooledBytes };
}

/** Drops every pooled buffer (the GC then frees them). */
export function emptyPool(): void {
  freeBySize.clear();
  pooledBytes = 0;
}
