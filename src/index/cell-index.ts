/**
 * The HNSW index of cell embeddings: a derived cache of the database, keyed by cell id.
 *
 * hnswlib-node's `HierarchicalNSW` in the 'ip' space over unit vectors (distance = 1 − dot, so
 * similarity = 1 − distance). What this class adds to it:
 * - cell ids are checked (hnswlib-node silently wraps labels above 2^32 − 1) and the live set is
 *   kept here, because hnswlib counts and lists deleted elements with the live ones;
 * - capacity grows geometrically with `resizeIndex` (hnswlib refuses inserts past capacity);
 * - a filter runs inside the graph walk, and a filtered query returns k hits whenever k live cells
 *   pass the filter (see `search`); a throwing filter is rethrown instead of aborting the process
 *   (an exception inside hnswlib-node's filter callback is a fatal N-API error);
 * - save/load are atomic and verified: checksum and a full structural check before hnswlib reads
 *   a byte (hnswlib aborts or segfaults on some damaged files; see hnsw-file.ts).
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import type { HierarchicalNSW } from 'hnswlib-node';
import { AtlasError } from '../errors.ts';
import { dotRow, TopK, type CellFilter, type CellNeighbor } from './exact.ts';
import { inspectHnswFile } from './hnsw-file.ts';
import {
  commitTemporaryFile,
  INDEX_FILE,
  readSidecar,
  removeStaleTemporaryFiles,
  SIDECAR_FILE,
  SIDECAR_FORMAT,
  syncFile,
  temporaryPath,
  writeFileAtomically,
  type IndexSidecar,
} from './persistence.ts';

export interface HnswParams {
  /** Graph degree (layer 0 keeps 2·M links per cell). Memory per cell grows by 8·M bytes. */
  readonly M: number;
  /** Candidate list size while inserting: build time against graph quality. */
  readonly efConstruction: number;
  /** Candidate list size while searching (at least k is used): latency against recall. */
  readonly efSearch: number;
}

/**
 * Defaults chosen with bench/hnsw.ts on 100,000 clustered 256-d vectors shaped like a cell atlas
 * (bench/results/hnsw-*.md): recall@10 1.000 against exact search at p50 ≈ 0.4 ms. M 48 rather
 * than 16–32 because at lower M some queries near rare, isolated cell types end their walk in
 * another cluster and find none of their neighbours (recall 0 for that query; the "stall" of the
 * mean near 0.99–0.999 as ef grows); M 48 had none at ef ≥ 64 on both the default and the noisier
 * data, for 128 more bytes per cell than M 32. efSearch 128 leaves margin for larger atlases.
 * Checked on the demo atlas embeddings by test/unit/index-recall.test.ts.
 */
export const DEFAULT_HNSW_PARAMS: HnswParams = Object.freeze({ M: 48, efConstruction: 200, efSearch: 128 });

export interface CellVectorIndexOptions {
  readonly dim: number;
  readonly params?: HnswParams;
  /** Cells the index holds before its first resize (it grows by half whenever full). */
  readonly initialCapacity?: number;
  /** hnswlib's level generator seed: the same inserts in the same order give the same graph. */
  readonly randomSeed?: number;
}

export interface SaveOptions {
  /** Id of the model whose embeddings the index holds; `load` refuses an index of another model. */
  readonly modelId: string;
  /** Any JSON value, stored in the sidecar and handed back by `load` (e.g. what the index covers). */
  readonly extra?: unknown;
  /**
   * Write the graph from hnswlib's worker thread, so queries go on meanwhile. The caller must not
   * add or remove cells until the save settles (a moving graph would be written torn).
   */
  readonly background?: boolean;
}

export interface LoadExpectation {
  readonly modelId: string;
  readonly dim: number;
  /** Search-time ef to use instead of the saved one (M and efConstruction are fixed by the graph). */
  readonly efSearch?: number;
}

export type IndexProblemKind = 'missing' | 'unreadable' | 'corrupt' | 'checksum-mismatch' | 'other-model' | 'other-dim';

/** Why a saved index cannot be used; the caller rebuilds it from the database. */
export interface IndexLoadProblem {
  readonly problem: string;
  readonly kind: IndexProblemKind;
}

export interface LoadedCellIndex {
  readonly index: CellVectorIndex;
  readonly sidecar: IndexSidecar;
}

/** Cell ids are hnswlib labels: unsigned 32-bit; 0 is kept free (database ids start at 1). */
export const MAX_CELL_ID = 0xffff_ffff;
const MAX_CAPACITY = 0xffff_ffff;
const GROWTH_FACTOR = 1.5;
const DEFAULT_INITIAL_CAPACITY = 1024;
const DEFAULT_RANDOM_SEED = 100;

function invalid(message: string, details: Record<string, unknown> = {}): AtlasError {
  return new AtlasError('INVALID_INPUT', message, details);
}

function checkParams(params: HnswParams): void {
  const { M, efConstruction, efSearch } = params;
  if (!Number.isInteger(M) || M < 2 || M > 1024) throw invalid(`HNSW M must be an integer in 2…1024, got ${M}`);
  if (!Number.isInteger(efConstruction) || efConstruction < 1) throw invalid(`HNSW efConstruction must be a positive integer, got ${efConstruction}`);
  if (!Number.isInteger(efSearch) || efSearch < 1) throw invalid(`HNSW efSearch must be a positive integer, got ${efSearch}`);
}

function checkCellId(cellId: number): void {
  if (!Number.isInteger(cellId) || cellId < 1 || cellId > MAX_CELL_ID) {
    throw invalid(`cell id ${cellId} cannot be indexed: ids are integers in 1…${MAX_CELL_ID}`, { cellId });
  }
}

/**
 * Runs a caller's filter inside hnswlib's walk. An exception thrown into hnswlib-node's filter
 * callback is a fatal N-API error (the process aborts), so it is caught here, the walk is told
 * "no" from then on, and the exception is rethrown once hnswlib has returned.
 */
class GuardedFilter {
  private failure: { error: unknown } | undefined;
  readonly accept: (label: number) => boolean;

  constructor(filter: CellFilter) {
    this.accept = (label) => {
      if (this.failure) return false;
      try {
        return filter(label) === true;
      } catch (error) {
        this.failure = { error };
        return false;
      }
    };
  }

  rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}

export class CellVectorIndex {
  private saveChain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly native: HierarchicalNSW,
    readonly dim: number,
    readonly params: HnswParams,
    /** Cells in the index and not removed. */
    private readonly live: Set<number>,
    /** Cells removed with markDelete: still in the graph (and the file), never returned. */
    private readonly removed: Set<number>,
  ) {}

  static create(options: CellVectorIndexOptions): CellVectorIndex {
    const { dim } = options;
    const params = options.params ?? DEFAULT_HNSW_PARAMS;
    if (!Number.isInteger(dim) || dim < 1) throw invalid(`embedding dimension must be a positive integer, got ${dim}`);
    checkParams(params);
    const capacity = Math.min(MAX_CAPACITY, Math.max(1, Math.ceil(options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY)));
    const native = new hnswlib.HierarchicalNSW('ip', dim);
    native.initIndex({
      maxElements: capacity,
      m: params.M,
      efConstruction: params.efConstruction,
      randomSeed: options.randomSeed ?? DEFAULT_RANDOM_SEED,
    });
    native.setEf(params.efSearch);
    return new CellVectorIndex(native, dim, { ...params }, new Set(), new Set());
  }

  /** Live cells. */
  get size(): number {
    return this.live.size;
  }

  /** Cells the graph can hold before the next resize (removed cells still take their place). */
  get capacity(): number {
    return this.native.getMaxElements();
  }

  /**
   * Removed cells still in the graph. They cost memory and walk time; past a large share of the
   * index, rebuilding it from the database is cheaper than carrying them.
   */
  get removedCount(): number {
    return this.removed.size;
  }

  has(cellId: number): boolean {
    return this.live.has(cellId);
  }

  /** Live cell ids, ascending. */
  ids(): number[] {
    // Plain loops and a typed-array sort: several times faster than Array.from + comparator at 1M.
    const sorted = new Uint32Array(this.live.size);
    let at = 0;
    for (const cellId of this.live) sorted[at++] = cellId;
    sorted.sort();
    const ids = new Array<number>(sorted.length);
    for (let i = 0; i < sorted.length; i += 1) ids[i] = sorted[i]!;
    return ids;
  }

  /** A live cell's vector as stored (float32), or undefined. */
  vector(cellId: number): Float32Array | undefined {
    if (!this.live.has(cellId)) return undefined;
    return Float32Array.from(this.native.getPoint(cellId));
  }

  /**
   * Adds cells (`vectors` is n × dim, row-major, unit length) or replaces the vectors of cells
   * already present; a removed cell added again comes back. The whole batch is checked before
   * anything is inserted. Synchronous: hnswlib inserts on the calling thread.
   */
  add(cellIds: ArrayLike<number>, vectors: Float32Array): void {
    const n = cellIds.length;
    const dim = this.dim;
    if (vectors.length !== n * dim) {
      throw new AtlasError('DIMENSION_MISMATCH', `${n} cells need ${n * dim} values (${dim} per cell), got ${vectors.length}`, { cells: n, dim, values: vectors.length });
    }
    const fresh = new Set<number>();
    for (let i = 0; i < n; i += 1) {
      const cellId = cellIds[i]!;
      checkCellId(cellId);
      if (!this.live.has(cellId) && !this.removed.has(cellId)) fresh.add(cellId);
      for (let d = i * dim; d < (i + 1) * dim; d += 1) {
        if (!Number.isFinite(vectors[d]!)) throw invalid(`cell ${cellId} has a non-finite embedding value`, { cellId });
      }
    }
    this.reserve(this.live.size + this.removed.size + fresh.size);
    for (let i = 0; i < n; i += 1) {
      const cellId = cellIds[i]!;
      // hnswlib-node takes plain arrays only (a Float32Array is refused).
      this.native.addPoint(Array.from(vectors.subarray(i * dim, (i + 1) * dim)), cellId);
      this.live.add(cellId);
      this.removed.delete(cellId);
    }
  }

  /** Removes cells from all results at once (markDelete); unknown or removed ids are ignored. */
  remove(cellIds: Iterable<number>): number {
    let count = 0;
    for (const cellId of cellIds) {
      if (!this.live.has(cellId)) continue;
      this.native.markDelete(cellId);
      this.live.delete(cellId);
      this.removed.add(cellId);
      count += 1;
    }
    return count;
  }

  /**
   * The k live cells most similar to `query` (a unit vector), best first, among those `filter`
   * accepts. The filter runs inside hnswlib's graph walk, so rejected cells cost no result slots.
   *
   * Completeness: with a filter (or removed cells) hnswlib's walk stops only once it holds
   * max(ef, k) accepted cells or has visited every cell reachable from its entry point. An answer
   * shorter than k therefore means the walk ran out of reachable cells, and a larger ef would walk
   * the same graph again for nothing. So a short answer is completed here: the live cells passing
   * the filter are counted, and if there are more than the walk found, the answer is computed by
   * an exact scan over them (vectors read back with getPoint). A filter matching few cells makes
   * hnswlib visit most of the graph before giving up; `searchAmong` is the cheaper call when the
   * caller already has the small candidate set.
   */
  search(query: ArrayLike<number>, k: number, filter?: CellFilter, ef?: number): CellNeighbor[] {
    this.checkQuery(query, k);
    const want = Math.min(k, this.live.size);
    if (want === 0) return [];
    if (ef !== undefined && (!Number.isInteger(ef) || ef < 1)) throw invalid(`ef must be a positive integer, got ${ef}`);
    const guard = filter ? new GuardedFilter(filter) : undefined;
    this.native.setEf(Math.max(ef ?? this.params.efSearch, want));
    const raw = this.native.searchKnn(Array.from(query), want, guard?.accept);
    guard?.rethrow();
    const hits: CellNeighbor[] = raw.neighbors.map((cellId, i) => ({ cellId, similarity: 1 - raw.distances[i]! }));
    if (hits.length >= want) return hits;

    const matching: number[] = [];
    for (const cellId of this.live) if (!filter || filter(cellId)) matching.push(cellId);
    if (matching.length <= hits.length) return hits;
    return this.searchAmong(query, want, matching);
  }

  /** Exact search among the given cells (ids not in the index are skipped), best first. */
  searchAmong(query: ArrayLike<number>, k: number, cellIds: Iterable<number>): CellNeighbor[] {
    this.checkQuery(query, k);
    const top = new TopK(k);
    for (const cellId of cellIds) {
      if (!this.live.has(cellId)) continue;
      const stored = this.native.getPoint(cellId);
      top.offer(cellId, dotRow(query, Float32Array.from(stored), 0, this.dim));
    }
    return top.result();
  }

  private checkQuery(query: ArrayLike<number>, k: number): void {
    if (query.length !== this.dim) {
      throw new AtlasError('DIMENSION_MISMATCH', `the query has ${query.length} dimensions, the index ${this.dim}`, { query: query.length, dim: this.dim });
    }
    if (!Number.isInteger(k) || k < 0) throw invalid(`k must be a non-negative integer, got ${k}`);
  }

  private reserve(elements: number): void {
    const capacity = this.native.getMaxElements();
    if (elements <= capacity) return;
    if (elements > MAX_CAPACITY) throw invalid(`the index cannot hold more than ${MAX_CAPACITY} cells`);
    this.native.resizeIndex(Math.min(MAX_CAPACITY, Math.max(elements, Math.ceil(capacity * GROWTH_FACTOR))));
  }

  /**
   * Writes `dir/cells.hnsw` and its sidecar `dir/cells.hnsw.json`, each atomically (see
   * persistence.ts); returns the sidecar. The index file is written synchronously — hnswlib's
   * asynchronous writer reads the graph from a worker thread while inserts could move it — so
   * the event loop waits for about file size / disk bandwidth. The written file is then read back
   * and checked like `load` checks it (hnswlib does not report a short write, e.g. a full disk).
   * Saves of one index run one after another; one process writes a directory.
   */
  save(dir: string, options: SaveOptions): Promise<IndexSidecar> {
    const run = this.saveChain.then(() => this.saveNow(dir, options));
    this.saveChain = run.catch(() => undefined);
    return run;
  }

  private async saveNow(dir: string, options: SaveOptions): Promise<IndexSidecar> {
    if (!options.modelId) throw invalid('saving an index needs the id of the model of its embeddings');
    const extraText = JSON.stringify(options.extra ?? null);
    if (extraText === undefined) throw invalid('the sidecar extra value must be JSON-serializable');
    await mkdir(dir, { recursive: true });
    await removeStaleTemporaryFiles(dir);

    const temporary = temporaryPath(dir, INDEX_FILE);
    let sidecar: IndexSidecar;
    try {
      // Snapshot and write in one synchronous step, so the sidecar describes exactly this file.
      const liveIds = Array.from(this.live);
      const removedCount = this.removed.size;
      if (options.background) await this.native.writeIndex(temporary);
      else this.native.writeIndexSync(temporary);
      await syncFile(temporary);
      const written = await inspectHnswFile(temporary, this.dim);
      if ('problem' in written) throw new Error(`hnswlib wrote an unusable index file (${written.problem}); is the disk full?`);
      if (written.liveIds.length !== liveIds.length || written.deletedIds.length !== removedCount) {
        throw new Error(`the written index holds ${written.liveIds.length} live and ${written.deletedIds.length} removed cells, expected ${liveIds.length} and ${removedCount}`);
      }
      let maxCellId = 0;
      let cellIdSum = 0n;
      for (const cellId of liveIds) {
        if (cellId > maxCellId) maxCellId = cellId;
        cellIdSum += BigInt(cellId);
      }
      sidecar = {
        format: SIDECAR_FORMAT,
        modelId: options.modelId,
        dim: this.dim,
        space: 'ip',
        params: { ...this.params },
        elementCount: liveIds.length,
        deletedCount: removedCount,
        maxCellId,
        cellIdSum: cellIdSum.toString(),
        indexFile: INDEX_FILE,
        indexBytes: written.bytes,
        sha256: written.sha256,
        savedAt: new Date().toISOString(),
        extra: JSON.parse(extraText) as unknown,
      };
      await commitTemporaryFile(temporary, dir, INDEX_FILE);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await writeFileAtomically(dir, SIDECAR_FILE, `${JSON.stringify(sidecar, null, 2)}\n`);
    return sidecar;
  }

  /**
   * Loads the index saved in `dir` if it is intact and holds embeddings of `expect.modelId` with
   * `expect.dim` dimensions; otherwise says why (missing, unreadable, damaged, cut short, not
   * matching its sidecar, another model or dimension). Never throws for a bad file, and never
   * hands hnswlib a file that did not pass its checksum and a full structural check.
   */
  static async load(dir: string, expect: LoadExpectation): Promise<LoadedCellIndex | IndexLoadProblem> {
    const indexPath = join(dir, INDEX_FILE);
    if (expect.efSearch !== undefined && (!Number.isInteger(expect.efSearch) || expect.efSearch < 1)) {
      throw invalid(`HNSW efSearch must be a positive integer, got ${expect.efSearch}`);
    }
    try {
      const sidecar = await readSidecar(dir);
      if ('problem' in sidecar) return { problem: sidecar.problem, kind: sidecar.missing ? 'missing' : 'unreadable' };
      if (sidecar.modelId !== expect.modelId) {
        return { problem: `the saved index holds embeddings of model ${sidecar.modelId}, not ${expect.modelId}`, kind: 'other-model' };
      }
      if (sidecar.dim !== expect.dim) {
        return { problem: `the saved index holds ${sidecar.dim}-dimensional embeddings, the model makes ${expect.dim}`, kind: 'other-dim' };
      }
      let bytes: number;
      try {
        bytes = (await stat(indexPath)).size;
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        return { problem: missing ? `${indexPath} is missing (its sidecar is there)` : `cannot read ${indexPath}: ${(error as Error).message}`, kind: missing ? 'missing' : 'unreadable' };
      }
      const file = await inspectHnswFile(indexPath, sidecar.dim);
      if (file.sha256 !== sidecar.sha256) {
        const what = 'problem' in file ? `is damaged (${file.problem})` : 'is a valid index but not the one its sidecar describes: a save was interrupted between the two files, or the file was replaced';
        return { problem: `${indexPath} ${what}; checksum ${file.sha256.slice(0, 12)}…, sidecar says ${sidecar.sha256.slice(0, 12)}… (${bytes} bytes, sidecar says ${sidecar.indexBytes})`, kind: 'problem' in file ? 'corrupt' : 'checksum-mismatch' };
      }
      if ('problem' in file) return { problem: `${indexPath} matches its checksum but is not a usable index: ${file.problem}`, kind: 'corrupt' };
      const { header, liveIds, deletedIds } = file;
      const maxCellId = liveIds.reduce((max, id) => Math.max(max, id), 0);
      const disagreement =
        header.M !== sidecar.params.M ? `M ${header.M} (sidecar ${sidecar.params.M})`
        : liveIds.length !== sidecar.elementCount ? `${liveIds.length} live cells (sidecar ${sidecar.elementCount})`
        : deletedIds.length !== sidecar.deletedCount ? `${deletedIds.length} removed cells (sidecar ${sidecar.deletedCount})`
        : maxCellId !== sidecar.maxCellId ? `highest cell id ${maxCellId} (sidecar ${sidecar.maxCellId})`
        : undefined;
      if (disagreement) return { problem: `${indexPath} disagrees with its sidecar: ${disagreement}`, kind: 'corrupt' };

      const native = new hnswlib.HierarchicalNSW('ip', sidecar.dim);
      // A fresh object: readIndex frees the old graph before reading, and a failed read would
      // leave the object pointing at freed memory.
      await native.readIndex(indexPath);
      if (native.getCurrentCount() !== header.elementCount) {
        return { problem: `hnswlib read ${native.getCurrentCount()} elements from ${indexPath}, the file holds ${header.elementCount}`, kind: 'corrupt' };
      }
      const params = { ...sidecar.params, efSearch: expect.efSearch ?? sidecar.params.efSearch };
      native.setEf(params.efSearch);
      const index = new CellVectorIndex(native, sidecar.dim, params, new Set(liveIds), new Set(deletedIds));
      return { index, sidecar };
    } catch (error) {
      return { problem: `cannot load the index in ${dir}: ${(error as Error).message}`, kind: 'unreadable' };
    }
  }
}
