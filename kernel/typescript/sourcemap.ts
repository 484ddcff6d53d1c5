// Source map v3 lookup for compiled cells: decodes the base64-VLQ `mappings` TypeScript's emitter wrote and
// answers "which line/column of the original file produced this generated line/column" (0-based both ways).

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** One generated line's segments: [generatedColumn, sourceLine, sourceColumn], sorted by generatedColumn. */
export type LineSegments = [number, number, number][];

export function decodeMappings(mappings: string): LineSegments[] {
  const lines: LineSegments[] = [];
  let srcLine = 0;
  let srcCol = 0;
  let srcIdx = 0;
  let nameIdx = 0;
  for (const lineText of mappings.split(';')) {
    const segs: LineSegments = [];
    let genCol = 0;
    for (const seg of lineText.split(',')) {
      if (!seg) continue;
      const v = decodeVlq(seg);
      genCol += v[0];
      if (v.length >= 4) {
        srcIdx += v[1];
        srcLine += v[2];
        srcCol += v[3];
        if (v.length >= 5) nameIdx += v[4];
        segs.push([genCol, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  void srcIdx;
  void nameIdx;
  return lines;
}

function decodeVlq(seg: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of seg) {
    const digit = B64.get(c);
    if (digit === undefined) throw new Error(`source map: bad base64 digit '${c}'`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** The original position of generated (line, column), 0-based; the nearest segment at or before the column. */
export function lookup(lines: LineSegments[], line: number, column: number): { line: number; column: number } | null {
  const segs = lines[line];
  if (!segs || segs.length === 0) return null;
  let best = segs[0];
  for (const s of segs) {
    if (s[0] <= column) best = s;
    else break;
  }
  // the segment's own start: TypeScript maps every token it emits, so a frame's column falls on a segment
  // start; inside a synthesized node (an interrupt check) the offset would not correspond to the source
  return { line: best[1], column: best[2] };
}
