/**
 * The HNSW index kept consistent with the database. The database is the truth; the index is a
 * cache of the embeddings of every stored chunk of datasets that are READY or still INGESTING
 * (cells of the latter are in the graph but never returned until their dataset is READY, so a
 * large atlas is indexed while it is encoded, not after).
 *
 * Consistency: the sidecar saved with the index lists the chunks it holds. On open the file is
 * used only when its checksum, model and dimension match and the chunks it lists are still stored
 * with exactly the element count and highest cell id it recorded; anything else rebuilds it from
 * the database (streamed). After that, `sync` adds chunks stored since and removes deleted
 * datasets; it runs on every database notification (LISTEN/NOTIFY) and on demand.
 */
import { CellVectorIndex, type HnswParams } from './cell-index.ts';
import type { IndexFilter, IndexHit, VectorIndex } from './vector-index.ts';
import { cellAttributes, countCellsInRows, streamCellEmbeddings, type IndexedCellBatch } from '../store/cells.ts';
import type { Database } from '../store/database.ts';
import { indexableDatasets } from '../store/datasets.ts';
import { ATLAS_CHANNEL, doneChunks } from '../store/jobs.ts';

export interface SyncedIndexOptions {
  readonly modelId: string;
  readonly dim: number;
  /** Directory of the index file and its sidecar. */
  readonly dir: string;
  readonly params: HnswParams;
  /** false: never write the index file (a CLI reading beside a running server). */
  readonly persist: boolean;
  /** Ignore any saved index and build from the database. */
  readonly rebuild?: boolean;
  /**
   * While following the database, save the index in the background at most this often when it
   * changed (0: only at close), so that a crash costs at most this much re-adding on restart.
   */
  readonly checkpointSeconds?: number;
  readonly log: (message: string) => void;
}

interface SidecarExtra {
  /** `datasetId:start:end` of every chunk in the index. */
  readonly chunks: string[];
}

type ChunkKey = string;
const RETRY_SECONDS = 5;
const chunkKey = (datasetId: number, start: number, end: number): ChunkKey => `${datasetId}:${start}:${end}`;

export class SyncedHnswIndex implements VectorIndex {
  private index: CellVectorIndex;
  /** Per cell id: its dataset (0 = not in the index) and its label code (−1 = none). */
  private datasetOf = new Int32Array(1024);
  private labelOf = new Int32Array(1024);
  private readonly labelCodes = new Map<string, number>();
  private readonly chunks = new Set<ChunkKey>();
  private readonly cellsPerDataset = new Map<number, number>();
  private ready = new Set<number>();
  private unlisten: (() => Promise<void>) | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private dirty = false;
  /** The last sync's failure while it is not repaired: health reports it instead of claiming ok. */
  private failure: string | null = null;
  /** Set while the LISTEN connection is lost: changes made meanwhile are caught up on reconnect. */
  private disconnected: string | null = null;
  private retry: NodeJS.Timeout | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  /** Changes to the graph and saves of it run one at a time (a background save reads the graph from another thread). */
  private exclusive: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Database,
    private readonly options: SyncedIndexOptions,
  ) {
    this.index = CellVectorIndex.create({ dim: options.dim, params: options.params, initialCapacity: 1024 });
  }

  /** Loads the persisted index if it agrees with the database, else rebuilds it; then syncs. */
  static async open(db: Database, options: SyncedIndexOptions): Promise<SyncedHnswIndex> {
    const atlasIndex = new SyncedHnswIndex(db, options);
    const loaded = options.rebuild
      ? { problem: 'rebuild requested' }
      : await CellVectorIndex.load(options.dir, { modelId: options.modelId, dim: options.dim });
    if ('problem' in loaded) {
      options.log(`index: ${loaded.problem}; building it from the database`);
    } else {
      const extra = loaded.sidecar.extra as unknown as SidecarExtra | undefined;
      const problem = await atlasIndex.adopt(loaded.index, extra?.chunks ?? [], loaded.sidecar);
      if (problem) {
        options.log(`index: ${problem}; rebuilding it from the database`);
        atlasIndex.reset();
      } else {
        options.log(`index: loaded ${loaded.index.size} cells from ${options.dir}`);
      }
    }
    await atlasIndex.sync();
    return atlasIndex;
  }

  /**
   * Takes a saved index as this one's if it agrees with the database, else says why. Chunks of
   * datasets deleted since the save (while no server ran) are dropped here, cell by cell, instead
   * of forcing a rebuild: the cells the database no longer has are removed from the graph.
   */
  private async adopt(index: CellVectorIndex, chunks: readonly string[], saved: { elementCount: number; maxCellId: number }): Promise<string | null> {
    const stored = new Set((await doneChunks(this.db)).map((c) => chunkKey(c.datasetId, c.start, c.end)));
    const kept = chunks.filter((key) => stored.has(key));
    if (kept.length === chunks.length) {
      const problem = await SyncedHnswIndex.disagreement(this.db, chunks, saved.elementCount, saved.maxCellId);
      if (problem) return problem;
    }
    this.index = index;
    for (const key of kept) this.chunks.add(key);
    const gone = await this.loadAttributes();
    if (gone.length === 0) return null;
    await this.remove(gone);
    this.options.log(`index: removed ${gone.length} cells of ${chunks.length - kept.length} chunks deleted since the index was saved`);
    // What is left must be exactly the cells of the chunks still stored.
    return this.verifyAgainst(this.db);
  }

  /** Back to an empty graph (a saved index that did not agree is dropped). */
  private reset(): void {
    this.index = CellVectorIndex.create({ dim: this.options.dim, params: this.options.params, initialCapacity: 1024 });
    this.chunks.clear();
    this.cellsPerDataset.clear();
    this.datasetOf.fill(0);
    this.labelOf.fill(-1);
  }

  /** Cells in the graph, including those of datasets still ingesting. */
  get size(): number {
    return this.index.size;
  }

  /** Cells queries can return: those of READY datasets. */
  count(): number {
    let count = 0;
    for (const [dataset, cells] of this.cellsPerDataset) if (this.ready.has(dataset)) count += cells;
    return count;
  }

  /** Why the saved index cannot be used as it is, or null when it agrees with the database. */
  private static async disagreement(db: Database, chunks: readonly string[], elementCount: number, maxCellId: number): Promise<string | null> {
    const stored = new Set((await doneChunks(db)).map((c) => chunkKey(c.datasetId, c.start, c.end)));
    const missing = chunks.filter((key) => !stored.has(key));
    if (missing.length > 0) return `${missing.length} chunks in the index are no longer stored (deleted or failed datasets)`;
    const ranges = chunks.map((key) => {
      const [datasetId, start, end] = key.split(':').map(Number) as [number, number, number];
      return { datasetId, start, end };
    });
    const { count, maxId } = await countCellsInRows(db, ranges);
    if (count !== elementCount || maxId !== maxCellId) {
      return `the index holds ${elementCount} cells (highest id ${maxCellId}) but the database has ${count} (highest id ${maxId}) in those chunks`;
    }
    return null;
  }

  async verifyAgainst(store: Database): Promise<string | null> {
    const ids = this.index.ids();
    const maxCellId = ids.reduce((max, id) => Math.max(max, id), 0);
    return SyncedHnswIndex.disagreement(store, [...this.chunks], ids.length, maxCellId);
  }

  private ensureCapacity(maxId: number): void {
    if (maxId < this.datasetOf.length) return;
    let size = this.datasetOf.length;
    while (size <= maxId) size *= 2;
    const datasets = new Int32Array(size);
    datasets.set(this.datasetOf);
    const labels = new Int32Array(size).fill(-1);
    labels.set(this.labelOf);
    this.datasetOf = datasets;
    this.labelOf = labels;
  }

  private labelCode(label: string | null): number {
    if (label === null) return -1;
    let code = this.labelCodes.get(label);
    if (code === undefined) {
      code = this.labelCodes.size;
      this.labelCodes.set(label, code);
    }
    return code;
  }

  private remember(ids: Int32Array, datasetIds: Int32Array, labels: readonly (string | null)[]): void {
    this.ensureCapacity(ids.reduce((max, id) => Math.max(max, id), 0));
    ids.forEach((id, i) => {
      this.datasetOf[id] = datasetIds[i]!;
      this.cellsPerDataset.set(datasetIds[i]!, (this.cellsPerDataset.get(datasetIds[i]!) ?? 0) + 1);
      this.labelOf[id] = this.labelCode(labels[i] ?? null);
    });
  }

  /** Dataset and label of the cells in a loaded index (the file holds vectors only); returns the ids the database no longer has. */
  private async loadAttributes(): Promise<number[]> {
    const ids = this.index.ids();
    const gone: number[] = [];
    for (let start = 0; start < ids.length; start += 50_000) {
      const batch = ids.slice(start, start + 50_000);
      const rows = await cellAttributes(this.db, batch);
      if (rows.length < batch.length) {
        const found = new Set(rows.map((r) => r.id));
        for (const id of batch) if (!found.has(id)) gone.push(id);
      }
      this.remember(
        Int32Array.from(rows, (r) => r.id),
        Int32Array.from(rows, (r) => r.datasetId),
        rows.map((r) => r.label),
      );
    }
    return gone;
  }

  async add(cells: IndexedCellBatch): Promise<void> {
    this.remember(cells.ids, cells.datasetIds, cells.labels);
    this.index.add(cells.ids, cells.embeddings);
    this.dirty = true;
  }

  async remove(cellIds: readonly number[]): Promise<void> {
    if (cellIds.length === 0) return;
    this.index.remove(cellIds);
    for (const id of cellIds) {
      const dataset = this.datasetOf[id] ?? 0;
      const left = (this.cellsPerDataset.get(dataset) ?? 0) - 1;
      if (left > 0) this.cellsPerDataset.set(dataset, left);
      else this.cellsPerDataset.delete(dataset);
      this.datasetOf[id] = 0;
    }
    this.dirty = true;
  }

  /** Brings the index up to date with the database; concurrent calls coalesce. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.runExclusive(() => this.syncOnce());
        } while (this.syncAgain);
        this.failure = null;
      } catch (error) {
        this.failure = `index sync failed: ${(error as Error).message}`;
        throw error;
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const datasets = await indexableDatasets(this.db);
    const alive = new Set(datasets.map((d) => d.id));
    this.ready = new Set(datasets.filter((d) => d.state === 'READY').map((d) => d.id));

    // Cells of datasets that are gone (deleted, failed, cancelled) leave the results at once.
    const gone: number[] = [];
    for (const id of this.index.ids()) {
      const dataset = this.datasetOf[id] ?? 0;
      if (!alive.has(dataset)) gone.push(id);
    }
    if (gone.length > 0) {
      await this.remove(gone);
      for (const key of [...this.chunks]) if (!alive.has(Number(key.split(':')[0]))) this.chunks.delete(key);
    }

    for (const chunk of await doneChunks(this.db)) {
      const key = chunkKey(chunk.datasetId, chunk.start, chunk.end);
      if (this.chunks.has(key)) continue;
      for await (const batch of streamCellEmbeddings(this.db, { datasetId: chunk.datasetId, rowStart: chunk.start, rowEnd: chunk.end }, this.options.dim)) {
        await this.add(batch);
      }
      this.chunks.add(key);
      this.dirty = true;
    }
  }

  private runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(work);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  /**
   * Re-syncs whenever a chunk, job or dataset changes anywhere (any process on this database), and
   * saves the index in the background every `checkpointSeconds` when it changed.
   */
  async listen(): Promise<void> {
    if (this.unlisten) return;
    const every = this.options.checkpointSeconds ?? 0;
    if (every > 0 && this.options.persist) {
      this.checkpointTimer = setInterval(() => {
        this.checkpoint(true).catch((error: Error) => this.options.log(`index checkpoint failed (next try in ${every} s): ${error.message}`));
      }, every * 1000);
      this.checkpointTimer.unref();
    }
    this.unlisten = await this.db.listen(
      ATLAS_CHANNEL,
      () => this.syncInBackground(),
      (state) => {
        if (state.connected) {
          this.disconnected = null;
          this.options.log('index: database notifications reconnected; catching up');
        } else {
          this.disconnected = `index not following the database (notifications lost: ${state.error}); reconnecting`;
          this.options.log(this.disconnected);
        }
      },
    );
  }

  /** A sync nobody awaits: a failure is logged, reported by `problem()` and retried until it succeeds. */
  private syncInBackground(): void {
    this.sync().catch((error: Error) => {
      this.options.log(`index sync failed (retrying in ${RETRY_SECONDS} s): ${error.message}`);
      if (this.retry || !this.unlisten) return;
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.syncInBackground();
      }, RETRY_SECONDS * 1000);
      this.retry.unref();
    });
  }

  problem(): string | null {
    return this.failure ?? this.disconnected;
  }

  async search(query: Float32Array, k: number, filter: IndexFilter = {}): Promise<IndexHit[]> {
    const labelCodes = filter.labels ? new Set([...filter.labels].map((l) => this.labelCodes.get(l) ?? -2)) : undefined;
    const accept = (cellId: number): boolean => {
      const dataset = this.datasetOf[cellId] ?? 0;
      if (!this.ready.has(dataset)) return false;
      if (filter.datasetIds && !filter.datasetIds.has(dataset)) return false;
      if (labelCodes && !labelCodes.has(this.labelOf[cellId]!)) return false;
      if (filter.cellIds && !filter.cellIds.has(cellId)) return false;
      return true;
    };
    return this.index.search(query, k, accept);
  }

  /**
   * Writes the index file if it changed since the last save (atomic; see cell-index.ts). In the
   * background the graph is written from hnswlib's thread while queries go on; changes wait.
   */
  async checkpoint(background = false): Promise<void> {
    await this.runExclusive(async () => {
      if (!this.dirty || !this.options.persist) return;
      const extra: SidecarExtra = { chunks: [...this.chunks].sort() };
      this.dirty = false;
      try {
        await this.index.save(this.options.dir, { modelId: this.options.modelId, extra, background });
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = undefined;
    clearTimeout(this.retry);
    clearInterval(this.checkpointTimer);
    await this.syncing?.catch(() => undefined);
    await this.checkpoint();
  }
}
