/**
 * The HNSW index of cell embeddings: a derived, verifiable cache of the database (the store feeds
 * it; nothing here talks SQL). `CellVectorIndex` is the index; `exactSearch` is the brute-force
 * ground truth for tests and benchmarks.
 */
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
