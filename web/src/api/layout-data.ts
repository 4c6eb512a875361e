/**
 * The map's binary REST payloads (see src/api/layout-route.ts for the formats), decoded into typed
 * arrays without a per-point object: a million cells stay a few flat buffers.
 */
export interface LayoutStatus {
  readonly current: LayoutVersion | null;
  readonly pending: LayoutVersion | null;
  readonly colorBy: string[];
}

export interface LayoutVersion {
  readonly version: number;
  readonly state: 'RUNNING' | 'READY' | 'FAILED';
  readonly method: string;
  readonly sampleCells: number;
  readonly stage: string;
  readonly processedCells: number;
  readonly totalCells: number;
  readonly progress: number;
  readonly seconds: number | null;
  readonly errorMessage: string | null;
  readonly finishedAt: string | null;
}

export interface MapPoints {
  /** Cell ids, ascending. */
  readonly cellIds: Int32Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
}

export interface Category {
  readonly name: string;
  readonly cells: number;
}

export interface CategoryColumn {
  readonly by: string;
  readonly categories: Category[];
  /** Per point: an index into `categories`, or `hiddenCode` for a cell no longer in the atlas. */
  readonly codes: Uint16Array;
  readonly hiddenCode: number;
}

/** `n` int32 ids, then `2n` float32 x,y pairs. */
export function decodePoints(buffer: ArrayBuffer): MapPoints {
  if (buffer.byteLength % 12 !== 0) throw new Error(`layout points: ${buffer.byteLength} bytes is not a whole number of cells (12 bytes each)`);
  const n = buffer.byteLength / 12;
  const cellIds = new Int32Array(buffer, 0, n);
  const xy = new Float32Array(buffer, 4 * n, 2 * n);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = xy[2 * i]!;
    y[i] = xy[2 * i + 1]!;
  }
  return { cellIds, x, y };
}

/** uint32 header length, JSON header, padding to 4, then uint16 codes. */
export function decodeColumn(buffer: ArrayBuffer): CategoryColumn {
  const view = new DataView(buffer);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength))) as { by: string; categories: Category[]; hiddenCode: number };
  const start = Math.ceil((4 + headerLength) / 4) * 4;
  const codes = new Uint16Array(buffer, start, (buffer.byteLength - start) / 2);
  return { by: header.by, categories: header.categories, codes, hiddenCode: header.hiddenCode };
}

/** Position of a cell id on the map (ids are ascending), or -1 when it is not on it. */
export function pointOf(cellIds: Int32Array, id: number): number {
  let lo = 0;
  let hi = cellIds.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = cellIds[mid]!;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** On a map scaled to [-1, 1], how far from the nearest neighbour other neighbours may lie and still count. */
export const NEIGHBOURHOOD_RADIUS = 0.08;

/**
 * Where a query cell goes: the mean position of its reference neighbours that are on the map and
 * lie near its nearest one (the first listed). Averaging neighbours from two clusters would strand
 * the cell in the empty space between them, where it reads as a cell type that is not there.
 * Null when no neighbour is on the map (e.g. the layout predates them).
 */
export function placeByNeighbours(points: MapPoints, neighbourIds: readonly (string | number)[]): [number, number] | null {
  let x = 0;
  let y = 0;
  let found = 0;
  let first: [number, number] | null = null;
  for (const id of neighbourIds) {
    const at = pointOf(points.cellIds, Number(id));
    if (at < 0) continue;
    const px = points.x[at]!;
    const py = points.y[at]!;
    first ??= [px, py];
    if (Math.hypot(px - first[0], py - first[1]) > NEIGHBOURHOOD_RADIUS) continue;
    x += px;
    y += py;
    found += 1;
  }
  return found === 0 ? null : [x / found, y / found];
}

/** A selection's label composition: categories by count in the selection, most first. */
export function composition(column: CategoryColumn, selected: ArrayLike<number>): { name: string; cells: number; share: number }[] {
  const counts = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < selected.length; i++) {
    const code = column.codes[selected[i]!];
    if (code === undefined || code === column.hiddenCode) continue;
    counts.set(code, (counts.get(code) ?? 0) + 1);
    total += 1;
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([code, cells]) => ({ name: column.categories[code]?.name ?? '?', cells, share: cells / total }));
}

export interface HeatColumn {
  readonly scored: number;
  readonly floor: number;
  readonly ceiling: number;
  /** Cosine similarity per point; NaN where the cell is not among the `scored` most similar. */
  readonly similarities: Float32Array;
}

/** The similarity frame: the same header framing as a colour column, float32 values. */
export function decodeHeat(buffer: ArrayBuffer): HeatColumn {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength))) as { scored: number; floor: number; ceiling: number };
  const start = Math.ceil((4 + headerLength) / 4) * 4;
  return { ...header, similarities: new Float32Array(buffer, start, (buffer.byteLength - start) / 4) };
}

/**
 * Heat colours in [0, 1]: the scored cells spread from the least to the most similar; cells not
 * scored (less similar than all of them) at 0.
 */
export function heatScale(heat: HeatColumn): Float32Array {
  const span = heat.ceiling - heat.floor;
  return Float32Array.from(heat.similarities, (s) => (Number.isNaN(s) ? 0 : span > 0 ? 0.05 + (0.95 * (s - heat.floor)) / span : 1));
}
