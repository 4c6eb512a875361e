/**
 * The port through which the atlas reaches cell vectors. The embedded default is the in-process
 * HNSW index kept in sync with the database (`SyncedHnswIndex`); an index beyond one machine's
 * memory (pgvector inside PostgreSQL, sharded with Citus) implements the same interface, so the
 * atlas never changes when the backend does.
 */
import type { Database } from '../store/database.ts';
import type { IndexedCellBatch } from '../store/cells.ts';

/** Restricts a search; applied inside it (the filter travels into the graph walk), not to its results. */
export interface IndexFilter {
  readonly datasetIds?: ReadonlySet<number>;
  /** Raw reference label strings. */
  readonly labels?: ReadonlySet<string>;
  /** Only these cells (from a metadata query). */
  readonly cellIds?: ReadonlySet<number>;
}

export interface IndexHit {
  readonly cellId: number;
  /** Cosine similarity (embeddings are L2-normalized). */
  readonly similarity: number;
}

export interface VectorIndex {
  /** The k most similar cells that queries may return (READY datasets only), best first. */
  search(query: Float32Array, k: number, filter?: IndexFilter): Promise<IndexHit[]>;
  /** Cells stored in the database enter the index (visible once their dataset is READY). */
  add(cells: IndexedCellBatch): Promise<void>;
  remove(cellIds: readonly number[]): Promise<void>;
  /** Cells queries can return now. */
  count(): number;
  /** Why the index cannot serve what the store holds right now (e.g. a failed sync), or null. */
  problem(): string | null;
  /** Why the index does not hold what the store holds, or null when it agrees. */
  verifyAgainst(store: Database): Promise<string | null>;
  /** Applies what the store committed or deleted since the last sync (any process). */
  sync(): Promise<void>;
  /** Makes the current state durable where the backend keeps its own copy (cheap when unchanged). */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}
