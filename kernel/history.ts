// In-memory execution history of this kernel process (history_request: tail, range, search). Session number 1
// is this process; 0 and negatives mean "the current session", as in IPython.

export interface HistoryEntry { line: number; input: string; output?: string }
export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

const SESSION = 1;

export class History {
  private entries: HistoryEntry[] = [];

  add(line: number, input: string): void { this.entries.push({ line, input }); }
  setOutput(line: number, output: string): void {
    const e = this.entries.find((x) => x.line === line);
    if (e) e.output = output;
  }
  clear(): void { this.entries = []; }

  /** Answers a history_request's content. */
  query(c: Record<string, unknown>): HistoryRow[] {
    const output = c.output === true;
    const row = (e: HistoryEntry): HistoryRow => (output ? [SESSION, e.line, [e.input, e.output ?? null]] : [SESSION, e.line, e.input]);
    const type = c.hist_access_type;
    let rows: HistoryEntry[] = [];
    if (type === 'tail') {
      const n = typeof c.n === 'number' && c.n >= 0 ? c.n : 10;
      rows = n === 0 ? [] : this.entries.slice(-n);
    } else if (type === 'range') {
      const session = typeof c.session === 'number' ? c.session : 0;
      if (session > 0 && session !== SESSION) return [];
      const start = typeof c.start === 'number' ? c.start : 0;
      const stop = typeof c.stop === 'number' ? c.stop : Infinity;
      rows = this.entries.filter((e) => e.line >= start && e.line < stop);
    } else if (type === 'search') {
      const pattern = typeof c.pattern === 'string' ? c.pattern : '*';
      const re = globToRegExp(pattern);
      rows = this.entries.filter((e) => re.test(e.input));
      if (c.unique === true) {
        const seen = new Set<string>();
        rows = rows.reverse().filter((e) => !seen.has(e.input) && (seen.add(e.input), true)).reverse();
      }
      if (typeof c.n === 'number' && c.n > 0) rows = rows.slice(-c.n);
    }
    return rows.map(row);
  }
}

/** fnmatch-style glob (* ? [..]) matched against the whole input, as IPython's search does. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
