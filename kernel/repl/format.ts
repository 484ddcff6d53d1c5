// How the terminal REPL shows what the Jupyter kernel would send as messages: MIME bundles as their text/plain,
// type errors as `file:line:col - error TSnnnn` with the offending line and a caret, runtime errors with their
// stack frames mapped back to cell lines.
import type { CompileResult } from '../typescript/session';
import type { ErrorInfo, MimeBundle } from '../executor/executor';

/** The text a terminal can show for a bundle: text/plain, else the list of what it holds. */
export function bundleText(data: MimeBundle): string {
  const plain = data['text/plain'];
  if (typeof plain === 'string') return plain;
  const kinds = Object.keys(data);
  return kinds.length ? `<display: ${kinds.join(', ')}>` : '<empty display>';
}

type Diagnostic = Extract<CompileResult, { ok: false }>['diagnostics'][number];

/** Type errors, each with the cell line it points at and a caret under the column. */
export function formatDiagnostics(filename: string, source: string, diagnostics: Diagnostic[]): string {
  const lines = source.split('\n');
  return diagnostics.map((d) => {
    const text = (lines[d.line - 1] ?? '').replace(/\t/g, ' ');
    const caret = ' '.repeat(Math.max(0, d.column - 1)) + '^';
    const where = `${filename}:${d.line}:${d.column} - error TS${d.code}: ${d.message}`;
    return text.trim() ? `${where}\n  ${text}\n  ${caret}` : where;
  }).join('\n');
}

type MapLocation = (filename: string, line: number, column: number) => { line: number; column: number } | null | undefined;

/**
 * `ename: evalue` and the error's stack frames inside cells (this one or earlier ones, whose functions it may
 * call), positions mapped to cell lines; frames of node internals and of the kernel's machinery are left out.
 */
export function formatError(error: ErrorInfo, filename: string, mapPosition: ((line: number, column: number) => { line: number; column: number } | null) | undefined,
  mapLocation: MapLocation): string {
  const head = error.evalue ? `${error.ename}: ${error.evalue}` : error.ename;
  const frames: string[] = [];
  const pos = /([^\s()]+\.ts):(\d+):(\d+)/;
  for (const line of error.stack.split('\n')) {
    const m = /^\s+at /.test(line) ? pos.exec(line) : null;
    if (!m) continue;
    const [file, l, c] = [m[1], Number(m[2]), Number(m[3])];
    const p = file === filename ? mapPosition?.(l, c) : mapLocation(file, l, c);
    // null: a position the cell's text did not produce (the async wrapper, import helpers)
    if (p) frames.push(line.replace(pos, `${file}:${p.line}:${p.column}`));
  }
  return [head, ...frames].join('\n');
}
