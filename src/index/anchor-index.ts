/**
 * A throw-away in-memory HNSW index over a few thousand vectors (the layout's sampled cells): the
 * layout job asks it for each sampled cell's neighbours (UMAP's graph) and for each other cell's
 * nearest sampled cells (its place on the map). It never touches the database or the atlas index,
 * whose neighbours would mostly be cells without coordinates yet.
 */
import hnswlib, { type HierarchicalNSW } from 'hnswlib-node';

export interface AnchorNeighbours {
  /** Row numbers in the vectors the index was built from, nearest first. */
  readonly rows: number[];
  /** Cosine similarities, in the same order. */
  readonly similarities: number[];
}

export interface AnchorIndexOptions {
  readonly M?: number;
  readonly efConstruction?: number;
  readonly efSearch?: number;
  readonly seed?: number;
}

export class AnchorIndex {
  private constructor(
    private readonly native: HierarchicalNSW,
    private readonly dim: number,
    readonly size: number,
  ) {}

  /** `vectors` is size × dim, row-major, L2-normalized (cosine = inner product). */
  static build(vectors: Float32Array, dim: number, options: AnchorIndexOptions = {}): AnchorIndex {
    const size = vectors.length / dim;
    const native = AnchorIndex.empty(size, dim, options);
    for (let row = 0; row < size; row++) native.addPoint(Array.from(vectors.subarray(row * dim, (row + 1) * dim)), row);
    return new AnchorIndex(native, dim, size);
  }

  private static empty(size: number, dim: number, options: AnchorIndexOptions): HierarchicalNSW {
    const native = new hnswlib.HierarchicalNSW('ip', dim);
    native.initIndex({ maxElements: Math.max(1, size), m: options.M ?? 16, efConstruction: options.efConstruction ?? 100, randomSeed: options.seed ?? 100 });
    native.setEf(options.efSearch ?? 64);
    return native;
  }

  /** As `build`, yielding to the event loop every few hundred vectors (a 10,000-vector build takes seconds). */
  static async buildInSlices(vectors: Float32Array, dim: number, options: AnchorIndexOptions = {}): Promise<AnchorIndex> {
    const size = vectors.length / dim;
    const native = AnchorIndex.empty(size, dim, options);
    for (let row = 0; row < size; row++) {
      native.addPoint(Array.from(vectors.subarray(row * dim, (row + 1) * dim)), row);
      if (row % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
    }
    return new AnchorIndex(native, dim, size);
  }

  nearest(query: Float32Array, k: number): AnchorNeighbours {
    const want = Math.min(k, this.size);
    if (query.length !== this.dim) throw new Error(`query has ${query.length} dimensions, the index ${this.dim}`);
    const result = this.native.searchKnn(Array.from(query), want);
    // hnswlib returns farthest first in some versions; order by similarity so callers can trust it.
    const order = result.neighbors.map((row, i) => ({ row, similarity: 1 - result.distances[i]! })).sort((a, b) => b.similarity - a.similarity);
    return { rows: order.map((o) => o.row), similarities: order.map((o) => o.similarity) };
  }
}
