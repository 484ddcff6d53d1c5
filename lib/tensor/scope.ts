// Deterministic memory release: every tensor created inside tidy(fn) is disposed when fn returns,
// except the tensors fn returns and those passed to keep(). A training step wrapped in tidy() gives
// all its intermediates back to the pool, so memory does not grow step over step (design §3).

/** What a scope can dispose: a Tensor, seen through the two members scopes need. */
export interface Scoped {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Scoped>[] = [];
let untrackedDepth = 0;

/** Called by the Tensor constructor: the innermost open scope takes ownership. */
export function track(t: Scoped): void {
  if (untrackedDepth > 0 || scopes.length === 0) return;
  scopes[scopes.length - 1].add(t);
}

/** Removes `t` from every open scope so that it outlives them; returns it. */
export function keep<T extends Scoped>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/** Runs fn with tensor creation untracked (gradients of leaves, optimizer state). */
export function untracked<T>(fn: () => T): T {
  untrackedDepth++;
  try {
    return fn();
  } finally {
    untrackedDepth--;
  }
}

function collectResults(value: unknown, out: Set<Scoped>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 3) return;
  if (isScoped(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectResults(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectResults(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectResults(v, out, depth + 1);
  }
}

function isScoped(v: object): v is Scoped {
  return typeof (v as Scoped).dispose === 'function' && typeof (v as Scoped).isDisposed === 'boolean';
}

/**
 * Runs `fn` and disposes every tensor it created that it does not return (tensors inside returned
 * arrays, Maps and plain objects count as returned). `fn` must be synchronous: an async step
 * would let other code allocate into this scope.
 *
 * @example
 * const loss = tidy(() => crossEntropy(model.forward(x), y)); // intermediates freed, loss kept
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Scoped>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    throw new TypeError('tidy: fn must be synchronous, got a function that returned a Promise');
  }
  const kept = new Set<Scoped>();
  collectResults(result, kept);
  for (const t of scope) {
    if (kept.has(t)) {
      if (scopes.length > 0) scopes[scopes.length - 1].add(t); // hand over to the enclosing scope
    } else if (!t.isDisposed) {
      t.dispose();
    }
  }
  return result;
}

/** Number of open tidy() scopes (for tests). */
export function scopeDepth(): number {
  return scopes.length;
}
