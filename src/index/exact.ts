/**
 * Exact (brute-force) nearest neighbours by inner product over a row-major matrix: the ground truth
 * that tests and benchmarks hold the HNSW index to, and the fallback of a filtered search that the
 * graph could not answer in full. Plain JavaScript on purpose: it is the "exact search" baseline
 * the performance target is measured against.
 */

/** A search hit: a cell and its similarity to the query (inner product of unit vectors). */
export interface CellNeighbor {
  readonly cellId: number;
  readonly similarity: number;
}

export type CellFilter = (cellId: number) => boolean;

/** Vectors in memory: `ids[i]` owns row i of `vectors` (row-major, `dim` floats per row). */
export interface VectorMatrix {
  readonly dim: number;
  readonly ids: ArrayLike<number>;
  readonly vectors: Float32Array;
}

/** Inner product of `query` with row `row` of `vectors` (4-way unrolled; sums in float64). */
export function dotRow(query: ArrayLike<number>, vectors: Float32Array, row: number, dim: number): number {
  const base = row * dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    s0 += query[d]! * vectors[base + d]!;
    s1 += query[d + 1]! * vectors[base + d + 1]!;
    s2 += query[d + 2]! * vectors[base + d + 2]!;
    s3 += query[d + 3]! * vectors[base + d + 3]!;
  }
  for (; d < dim; d += 1) s0 += query[d]! * vectors[base + d]!;
  return s0 + s1 + s2 + s3;
}

/**
 * Keeps the k best (highest similarity) of a stream of candidates; ties keep the smaller cell id,
 * so the answer does not depend on the order candidates arrive in.
 */
export class TopK {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  /** The similarity a candidate must beat to enter (−∞ until k are held). */
  get threshold(): number {
    return this.ids.length < this.k ? Number.NEGATIVE_INFINITY : this.scores[this.ids.length - 1]!;
  }

  offer(cellId: number, similarity: number): void {
    if (this.k <= 0) return;
    const full = this.ids.length >= this.k;
    if (full) {
      const worst = this.scores[this.k - 1]!;
      if (similarity < worst || (similarity === worst && cellId > this.ids[this.k - 1]!)) return;
    }
    let at = full ? this.k - 1 : this.ids.length;
    while (at > 0) {
      const score = this.scores[at - 1]!;
      if (score > similarity || (score === similarity && this.ids[at - 1]! < cellId)) break;
      this.ids[at] = this.ids[at - 1]!;
      this.scores[at] = score;
      at -= 1;
    }
    this.ids[at] = cellId;
    this.scores[at] = similarity;
  }

  result(): CellNeighbor[] {
    return this.ids.map((cellId, i) => ({ cellId, similarity: this.scores[i]! }));
  }
}

/** The k rows most similar to `query` (inner product), best first; `filter` restricts by cell id. */
export function exactSearch(matrix: VectorMatrix, query: ArrayLike<number>, k: number, filter?: CellFilter): CellNeighbor[] {
  const { dim, ids, vectors } = matrix;
  if (query.length !== dim) throw new RangeError(`query has ${query.length} dimensions, the matrix ${dim}`);
  const top = new TopK(k);
  for (let row = 0; row < ids.length; row += 1) {
    const cellId = ids[row]!;
    if (filter && !filter(cellId)) continue;
    top.offer(cellId, dotRow(query, vectors, row, dim));
  }
  return top.result();
}

/**
 * recall@k of `found` against the exact answer `truth` (both best first). A found cell counts when
 * it is in the exact top k, or when its similarity reaches the exact k-th similarity within
 * `tolerance`: near-duplicate cells make ties at the k-th place, and the index computes in float32
 * (about 1e-7 absolute error on unit vectors) while the exact scan sums in float64, so a strict
 * id match would count a tie broken the other way as a miss.
 */
export function recallAtK(found: readonly CellNeighbor[], truth: readonly CellNeighbor[], k: number, tolerance = 1e-6): number {
  const wanted = Math.min(k, truth.length);
  if (wanted === 0) return 1;
  const exact = new Set(truth.slice(0, wanted).map((hit) => hit.cellId));
  const kth = truth[wanted - 1]!.similarity;
  let hits = 0;
  for (const hit of found.slice(0, wanted)) {
    if (exact.has(hit.cellId) || hit.similarity >= kth - tolerance) hits += 1;
  }
  return hits / wanted;
}

/** recall@k counting only exact id matches (strict; ties broken differently count as misses). */
export function strictRecallAtK(found: readonly CellNeighbor[], truth: readonly CellNeighbor[], k: number): number {
  const wanted = Math.min(k, truth.length);
  if (wanted === 0) return 1;
  const exact = new Set(truth.slice(0, wanted).map((hit) => hit.cellId));
  return found.slice(0, wanted).filter((hit) => exact.has(hit.cellId)).length / wanted;
}
