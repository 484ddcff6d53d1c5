// Native surface: memory, ISA dispatch, threads, interrupt flag (native/src/bind/{memory,system}.cc).

export type IsaName = 'scalar' | 'avx2' | 'avx512' | 'neon';

export interface NativeInfo {
  /** ISA the kernels use now. */
  isa: IsaName;
  /** Best ISA this CPU and build support. */
  bestIsa: IsaName;
  availableIsas: IsaName[];
  /** Thread-pool size (FLASHLM_THREADS, default: cores). */
  threads: number;
  avx512Vnni: boolean;
}

export interface SystemNative {
  /** A zero-filled, 64-byte aligned buffer owned by V8 (freed by its finalizer). */
  alloc(byteLength: number): ArrayBuffer;
  readonly alignment: number;
  info(): NativeInfo;
  /** Switch every kernel family to `isa` (tests compare each ISA to the scalar reference). */
  setIsa(isa: IsaName): void;
  setThreads(threads: number): void;
  /** Long kernels poll flag[0]; non-zero makes them stop and throw ERR_FLASHLM_INTERRUPTED. */
  setInterruptFlag(flag: Int32Array | null): void;
}
