// The cooperative interrupt check: the Jupyter kernel (or a REPL) hands the library a shared Int32 flag; long
// JS loops (a trainer between steps) call `checkInterrupt()` and native kernels poll the same word
// (native.setInterruptFlag), so an interrupt stops at a clean boundary with a catchable KeyboardInterrupt.
import { native } from './native';

/** Thrown at an interrupt check after the user pressed stop / Ctrl-C. Its `name` is 'KeyboardInterrupt'. */
export class KeyboardInterrupt extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'KeyboardInterrupt';
  }
}

let flag: Int32Array | null = null;

/**
 * Installs the shared interrupt word (an Int32Array over a SharedArrayBuffer; non-zero = interrupt requested), or
 * clears it with null. Native kernels poll the same word. The kernel's executor calls this; user code need not.
 *
 * @example
 * flashlm.setInterruptFlag(new Int32Array(new SharedArrayBuffer(4)));
 */
export function setInterruptFlag(word: Int32Array | null): void {
  if (word !== null && (!(word instanceof Int32Array) || word.length < 1)) {
    throw new TypeError('setInterruptFlag: word must be an Int32Array of length >= 1 (or null)');
  }
  flag = word;
  native.setInterruptFlag(word);
}

/**
 * True when an interrupt was requested (the flag is set). Cheap: one atomic load.
 *
 * @example
 * while (!flashlm.interrupted()) step();
 */
export function interrupted(): boolean {
  return flag !== null && Atomics.load(flag, 0) !== 0;
}

/**
 * Throws KeyboardInterrupt when an interrupt was requested; call it at step boundaries of long loops so a stop
 * leaves the model and optimizer consistent.
 *
 * @example
 * for (let step = 0; step < steps; step++) { flashlm.checkInterrupt(); trainStep(); }
 */
export function checkInterrupt(): void {
  if (flag !== null && Atomics.load(flag, 0) !== 0) throw new KeyboardInterrupt();
}

/** True for a KeyboardInterrupt and for a native kernel that stopped on the flag (ERR_FLASHLM_INTERRUPTED). */
export function isInterrupt(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return !!e && (e.name === 'KeyboardInterrupt' || e.code === 'ERR_FLASHLM_INTERRUPTED');
}
