// Error output for cells: V8 stacks mapped from compiled-script positions to cell lines (through each cell's
// CompileResult.mapPosition), kernel-internal frames dropped; type errors as file:line:column diagnostics.
// Shared by the Jupyter kernel and the REPL.

export type MapPosition = (line: number, column: number) => { line: number; column: number } | null;

const INTERNAL = /\(node:|^\s*at node:|[/\\]kernel[/\\]executor[/\\]worker\.[jt]s|__flashlm_import__|at Script\.runInThisContext/;

/** Traceback lines for a runtime error: "ename: evalue" then the cell frames with cell line:column. */
export function formatTraceback(
  ename: string, evalue: string, stack: string, cells: ReadonlyMap<string, MapPosition>,
): string[] {
  const lines = [`${ename}: ${evalue}`];
  for (const raw of stack.split('\n').slice(1)) {
    if (!/^\s*at /.test(raw) || INTERNAL.test(raw)) continue;
    let wrapper = false; // a frame of the code the compiler wraps around the cell: no cell line to show
    const mapped = raw.replace(/([^\s()]+):(\d+):(\d+)/g, (whole, file: string, l: string, c: string) => {
      const map = cells.get(file);
      if (!map) return whole;
      const p = map(Number(l), Number(c));
      if (!p) wrapper = true;
      return p ? `${file}:${p.line}:${p.column}` : file;
    });
    if (!wrapper) lines.push(mapped);
  }
  return lines;
}

/** Traceback lines for type errors: "file:line:column - error TSnnnn: message" plus the line and a caret. */
export function formatDiagnostics(
  filename: string, source: string, diagnostics: { line: number; column: number; message: string; code: number }[],
): string[] {
  const src = source.split('\n');
  const out: string[] = [];
  for (const d of diagnostics) {
    out.push(`${filename}:${d.line}:${d.column} - error TS${d.code}: ${d.message}`);
    const text = src[d.line - 1];
    if (text !== undefined) out.push(`    ${text}`, `    ${' '.repeat(Math.max(0, d.column - 1))}^`);
  }
  return out;
}
