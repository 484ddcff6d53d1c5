// Messages between the executor's owner (main thread) and its worker (worker.ts). Plain structured-clone data.

/** A Jupyter MIME bundle: mime type -> data (strings, or JSON for +json types). */
export type MimeBundle = Record<string, unknown>;

export interface ErrorInfo {
  ename: string;
  evalue: string;
  /** V8 stack of the error (positions in the compiled script; the owner maps them to cell lines). */
  stack: string;
}

export type ToWorker =
  | { type: 'init'; flag: SharedArrayBuffer; cwd: string }
  | { type: 'execute'; cellId: number; js: string; filename: string }
  | { type: 'interrupt'; cellId: number }
  | { type: 'input_reply'; reqId: number; value?: string; error?: string }
  | { type: 'comm'; op: 'open' | 'msg' | 'close'; commId: string; targetName?: string; data: unknown; metadata?: unknown }
  | { type: 'ping'; n: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'stream'; cellId: number; name: 'stdout' | 'stderr'; text: string }
  | { type: 'display'; cellId: number; data: MimeBundle; metadata: Record<string, unknown>; id: string; update: boolean }
  | { type: 'clear'; cellId: number; wait: boolean }
  | { type: 'input'; cellId: number; reqId: number; prompt: string; password: boolean }
  | { type: 'done'; cellId: number; ok: true; value?: { data: MimeBundle; metadata: Record<string, unknown> } }
  | { type: 'done'; cellId: number; ok: false; error: ErrorInfo }
  | { type: 'comm'; op: 'open' | 'msg' | 'close'; commId: string; targetName?: string; data: unknown; metadata?: unknown }
  | { type: 'pong'; n: number };
