// Rich display for library objects: Tensor (stats + text histogram), Module (architecture tree with parameter
// counts), Arrow Table (first rows as an HTML table). The methods are installed on the prototypes by
// installDisplay(), called once from lib/viz/index.ts, so tensor/nn/io never import viz (no import cycles).
// Later models join the Module tree through an optional protocol: `describe()` returns extra counts.
import { Table } from 'apache-arrow';

import { Module } from '../nn/module';
import { Tensor } from '../tensor/tensor';
import { escapeHtml } from './figure';

type Bundle = Record<string, unknown>;
const DISPLAY = Symbol.for('Jupyter.display');

/** Statistics of a tensor (finite values only; counts of NaN/Inf apart). */
export interface TensorStats { min: number; max: number; mean: number; std: number; nonFinite: number; count: number }

export function tensorStats(t: Tensor): TensorStats {
  const d = t.data;
  let min = Infinity, max = -Infinity, sum = 0, sq = 0, n = 0, bad = 0;
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]);
    if (!Number.isFinite(v)) { bad++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v; n++;
  }
  const mean = n ? sum / n : NaN;
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]);
    if (Number.isFinite(v)) sq += (v - mean) * (v - mean);
  }
  return { min: n ? min : NaN, max: n ? max : NaN, mean, std: n ? Math.sqrt(sq / n) : NaN, nonFinite: bad, count: n };
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/** A one-line histogram of the finite values in `bins` buckets, drawn with block characters. */
export function textHistogram(t: Tensor, bins = 24, s: TensorStats = tensorStats(t)): string {
  if (s.count === 0) return '';
  const counts = new Array<number>(bins).fill(0);
  const span = s.max - s.min;
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]);
    if (!Number.isFinite(v)) continue;
    const b = span > 0 ? Math.min(bins - 1, Math.floor(((v - s.min) / span) * bins)) : 0;
    counts[b]++;
  }
  const top = Math.max(...counts);
  return counts.map((c) => BLOCKS[c === 0 ? 0 : Math.max(1, Math.round((c / top) * 8))]).join('');
}

const fmt = (v: number) => (Number.isInteger(v) && Math.abs(v) < 1e9 ? String(v) : v.toPrecision(4));

export function tensorBundle(t: Tensor): Bundle {
  const shape = `[${t.shape.join(', ')}]`;
  const head = `Tensor${t.name ? ` '${t.name}'` : ''} ${t.dtype}${shape}${t.requiresGrad ? ' requiresGrad' : ''}`;
  if (t.isDisposed) return { 'text/plain': `${head} (disposed)` };
  const s = tensorStats(t);
  const hist = textHistogram(t, 24, s);
  const stats = `min ${fmt(s.min)}  max ${fmt(s.max)}  mean ${fmt(s.mean)}  std ${fmt(s.std)}${s.nonFinite ? `  non-finite ${s.nonFinite}` : ''}`;
  const plain = `${head}\n${stats}${hist ? `\n${hist}` : ''}\n${t.toString()}`;
  const rows: [string, string][] = [
    ['shape', shape], ['dtype', t.dtype], ['elements', String(t.size)],
    ['min', fmt(s.min)], ['max', fmt(s.max)], ['mean', fmt(s.mean)], ['std', fmt(s.std)],
  ];
  if (s.nonFinite) rows.push(['non-finite', String(s.nonFinite)]);
  if (hist) rows.push(['histogram', `<span style="font-family:monospace">${hist}</span>`]);
  const html = `<table class="flashlm-tensor"><caption style="text-align:left"><b>${escapeHtml(head)}</b></caption>` +
    rows.map(([k, v]) => `<tr><th style="text-align:left">${k}</th><td style="text-align:left">${k === 'histogram' ? v : escapeHtml(v)}</td></tr>`).join('') + '</table>';
  return { 'text/plain': plain, 'text/html': html };
}

/**
 * Optional protocol for modules that know more than their raw parameter count (ternary layers, MoE):
 * `describe()` returns counts shown in the tree. `ternary`: parameters stored ternary; `activePerToken`:
 * parameters a token actually uses (MoE: the routed experts only); `note`: a short label (e.g. "top-2 of 8").
 */
export interface ModuleDescription { ternary?: number; activePerToken?: number; note?: string }
interface Describable { describe?(): ModuleDescription }

export interface ModuleSummary { name: string; type: string; own: number; total: number; desc: ModuleDescription; children: ModuleSummary[] }

/** The module tree with parameter counts (own = this module's direct parameters; total = with children). */
export function summarize(m: Module, name = ''): ModuleSummary {
  const children = m.namedChildren().map(([n, c]) => summarize(c, n));
  const own = m.namedParameters().reduce((a, [n, p]) => a + (n.includes('.') ? 0 : p.size), 0);
  const total = own + children.reduce((a, c) => a + c.total, 0);
  const desc = { ...(typeof (m as Describable).describe === 'function' ? (m as Describable).describe!() ?? {} : {}) };
  // a container of ternary layers reports their sum unless it describes itself
  if (desc.ternary === undefined && children.some((c) => c.desc.ternary !== undefined)) {
    desc.ternary = children.reduce((a, c) => a + (c.desc.ternary ?? 0), 0);
  }
  return { name, type: m.constructor.name, own, total, desc, children };
}

/** 1234567 → "1.23M". */
export function humanCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + 'B';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'K';
  return String(n);
}

function descText(d: ModuleDescription): string {
  const parts: string[] = [];
  if (d.ternary !== undefined) parts.push(`ternary ${humanCount(d.ternary)}`);
  if (d.activePerToken !== undefined) parts.push(`active/token ${humanCount(d.activePerToken)}`);
  if (d.note) parts.push(d.note);
  return parts.join(', ');
}

export function moduleBundle(m: Module): Bundle {
  const root = summarize(m);
  const lines: string[] = [];
  const walk = (s: ModuleSummary, prefix: string, last: boolean, top: boolean) => {
    const extra = descText(s.desc);
    const label = `${top ? '' : s.name + ': '}${s.type}  ${humanCount(s.total)} params${extra ? ` (${extra})` : ''}`;
    lines.push(top ? label : `${prefix}${last ? '└─ ' : '├─ '}${label}`);
    const next = top ? '' : prefix + (last ? '   ' : '│  ');
    s.children.forEach((c, i) => walk(c, next, i === s.children.length - 1, false));
  };
  walk(root, '', true, true);
  const extra = descText(root.desc);
  lines.push(`total ${root.total.toLocaleString('en-US')} parameters${extra ? ` (${extra})` : ''}`);
  const htmlNode = (s: ModuleSummary, top: boolean): string => {
    const ex = descText(s.desc);
    const label = `${top ? '' : `<code>${escapeHtml(s.name)}</code>: `}<b>${escapeHtml(s.type)}</b> ${humanCount(s.total)} params${ex ? ` <i>(${escapeHtml(ex)})</i>` : ''}`;
    if (!s.children.length) return `<li>${label}</li>`;
    return `<li><details${top ? ' open' : ''}><summary>${label}</summary><ul>${s.children.map((c) => htmlNode(c, false)).join('')}</ul></details></li>`;
  };
  const html = `<ul class="flashlm-module" style="list-style:none;padding-left:0">${htmlNode(root, true)}</ul>` +
    `<div>total <b>${root.total.toLocaleString('en-US')}</b> parameters${extra ? ` (${escapeHtml(extra)})` : ''}</div>`;
  return { 'text/plain': lines.join('\n'), 'text/html': html };
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return fmt(v);
  if (typeof v === 'bigint') return v.toString();
  return String(v);
}

/** First `maxRows` rows of an Arrow table as HTML + a fixed-width text table. */
export function tableBundle(t: Table, maxRows = 20): Bundle {
  const names = t.schema.fields.map((f) => f.name);
  const n = Math.min(t.numRows, maxRows);
  const cols = names.map((c) => t.getChild(c));
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) rows.push(cols.map((col) => cell(col?.get(i))));
  const head = `Table: ${t.numRows} rows × ${names.length} columns${t.numRows > n ? ` (first ${n} shown)` : ''}`;
  const widths = names.map((c, j) => Math.min(24, Math.max(c.length, ...rows.map((r) => r[j].length))));
  const line = (r: string[]) => r.map((v, j) => v.slice(0, widths[j]).padStart(widths[j])).join('  ');
  const plain = [head, line(names), ...rows.map(line)].join('\n');
  const html = `<div><i>${escapeHtml(head)}</i><table class="flashlm-table"><thead><tr>${names.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
  return { 'text/plain': plain, 'text/html': html };
}

let installed = false;

/** Installs [Symbol.for("Jupyter.display")] on Tensor, Module and Arrow Table (idempotent). */
export function installDisplay(): void {
  if (installed) return;
  installed = true;
  const def = (proto: object, f: (this: never) => Bundle) =>
    Object.defineProperty(proto, DISPLAY, { value: f, writable: true, configurable: true, enumerable: false });
  def(Tensor.prototype, function (this: Tensor) { return tensorBundle(this); } as never);
  def(Module.prototype, function (this: Module) { return moduleBundle(this); } as never);
  def(Table.prototype, function (this: Table) { return tableBundle(this); } as never);
}
