/**
 * Cell vectors behind the `VectorIndex` port. The backend today: `SyncedHnswIndex`, an in-process
 * HNSW index (`CellVectorIndex`) that is a derived, verifiable cache of the database (the store
 * feeds it; nothing here talks SQL). `exactSearch` is the brute-force ground truth for tests and
 * benchmarks. `openVectorIndex` is where a second backend would be chosen.
 */
import type { Database } from '../store/database.ts';
import { SyncedHnswIndex, type SyncedIndexOptions } from './synced-index.ts';
import type { VectorIndex } from './vector-index.ts';

export type VectorIndexOptions = SyncedIndexOptions & {
  /** Follow the database's changes as they are committed (a serving process); else sync on demand. */
  readonly follow: boolean;
};

/** The configured vector index, loaded or built and in sync with the database. */
export async function openVectorIndex(db: Database, options: VectorIndexOptions): Promise<VectorIndex> {
  const index = await SyncedHnswIndex.open(db, options);
  if (options.follow) await index.listen();
  return index;
}

export { SyncedHnswIndex, type SyncedIndexOptions } from './synced-index.ts';
export type { IndexFilter, IndexHit, VectorIndex } from './vector-index.ts';
export {
  CellVectorIndex,
  DEFAULT_HNSW_PARAMS,
  MAX_CELL_ID,
  type CellVectorIndexOptions,
  type HnswParams,
  type IndexLoadProblem,
  type IndexProblemKind,
  type LoadedCellIndex,
  type LoadExpectation,
  type SaveOptions,
} from './cell-index.ts';
export { exactSearch, recallAtK, strictRecallAtK, type CellFilter, type CellNeighbor, type VectorMatrix } from './exact.ts';
export { INDEX_FILE, SIDECAR_FILE, SIDECAR_FORMAT, type IndexSidecar } from './persistence.ts';
