/**
 * How far int8 graphs stray from their fp32 twins: pure functions of the two runs' numbers. The
 * command that gathers them is `langcell-atlas fidelity` (src/cli/fidelity-command.ts); the
 * record lands in the bundle's manifest (`int8.fidelity`, src/model/manifest.ts).
 */

/** The fidelity targets of issue 13 / docs/DESIGN.md "Precision and devices". */
export const FIDELITY_TARGETS = {
  top1Agreement: 0.995,
  precisionAt10AbsDiff: 0.01,
} as const;

export interface CosineStats {
  cells: number;
  min: number;
  /** Nearest-rank 1st percentile: the ⌈0.01·n⌉-th smallest. */
  p01: number;
  mean: number;
}

/** Cosine of each row of `a` with the same row of `b` (rows of `dim`), summarised. */
export function rowCosineStats(a: Float32Array, b: Float32Array, dim: number): CosineStats {
  if (a.length !== b.length || a.length % dim !== 0 || a.length === 0) throw new Error(`row cosine needs two equal non-empty N×${dim} arrays`);
  const rows = a.length / dim;
  const cosines = new Float64Array(rows);
  for (let r = 0; r < rows; r += 1) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = r * dim; i < (r + 1) * dim; i += 1) {
      dot += a[i]! * b[i]!;
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    cosines[r] = dot / Math.sqrt(na * nb);
  }
  const sorted = Float64Array.from(cosines).sort();
  return {
    cells: rows,
    min: sorted[0]!,
    p01: sorted[Math.max(0, Math.ceil(0.01 * rows) - 1)]!,
    mean: cosines.reduce((s, c) => s + c, 0) / rows,
  };
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`arrays differ in length: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Share of positions where both runs chose the same label. */
export function agreement(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error('agreement needs two equal non-empty lists');
  let same = 0;
  for (let i = 0; i < a.length; i += 1) if (a[i] === b[i]) same += 1;
  return same / a.length;
}

/**
 * Text → cell precision at k, averaged over queries: for query q (row q of `queries`, whose true
 * label is `queryLabels[q]`), the k cells of highest dot product, and the share of them labelled
 * `queryLabels[q]`. Ties keep the lower cell index first.
 */
export function precisionAtK(queries: Float32Array, queryLabels: readonly string[], cells: Float32Array, cellLabels: readonly string[], dim: number, k: number): number {
  const cellCount = cells.length / dim;
  if (cellCount !== cellLabels.length || queries.length / dim !== queryLabels.length) throw new Error('precisionAtK: labels and rows disagree');
  let total = 0;
  for (let q = 0; q < queryLabels.length; q += 1) {
    const scores = Array.from({ length: cellCount }, (_, c) => {
      let dot = 0;
      for (let i = 0; i < dim; i += 1) dot += queries[q * dim + i]! * cells[c * dim + i]!;
      return { c, dot };
    });
    scores.sort((x, y) => y.dot - x.dot || x.c - y.c);
    const top = scores.slice(0, Math.min(k, cellCount));
    total += top.filter(({ c }) => cellLabels[c] === queryLabels[q]).length / top.length;
  }
  return total / queryLabels.length;
}
