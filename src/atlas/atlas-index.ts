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
import type pg from 'pg';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { CellVectorIndex, DEFAULT_HNSW_PARAMS, type HnswParams } from '../index/index.ts';
import { streamCellEmbeddings } from '../store/cells.ts';
import type { Database } from '../store/database.ts';
import { indexableDatasets } from '../store/datasets.ts';
import { ATLAS_CHANNEL, doneChunks } from '../store/jobs.ts';

export interface AtlasIndexOptions {
  readonly modelId: string;
  readonly dim: number;
  /** Directory of the index file and its sidecar. */
  readonly dir: string;
  readonly params: HnswParams;
  /** false: never write the index file (a CLI reading beside a running server). */
  readonly persist: boolean;
  /** Ignore any saved index and build from the database. */
  readonly rebuild?: boolean;
  readonly log: (message: string) => void;
}

/** Index options as configured: `<LANGCELL_DATA_DIR>/index/<model id>`, HNSW parameters with tuned defaults. */
export function configuredIndexOptions(
  config: Config,
  model: { readonly id: string; readonly embeddingDim: number },
  use: Pick<AtlasIndexOptions, 'persist' | 'rebuild' | 'log'>,
): AtlasIndexOptions {
  return {
    modelId: model.id,
    dim: model.embeddingDim,
    dir: join(resolve(config.LANGCELL_DATA_DIR), 'index', model.id),
    params: {
      M: config.LANGCELL_HNSW_M ?? DEFAULT_HNSW_PARAMS.M,
      efConstruction: config.LANGCELL_HNSW_EF_CONSTRUCTION ?? DEFAULT_HNSW_PARAMS.efConstruction,
      efSearch: config.LANGCELL_HNSW_EF_SEARCH ?? DEFAULT_HNSW_PARAMS.efSearch,
    },
    ...use,
  };
}

interface SidecarExtra {
  /** `datasetId:start:end` of every chunk in the index. */
  readonly chunks: string[];
}

type ChunkKey = string;
const chunkKey = (datasetId: number, start: number, end: number): ChunkKey => `${datasetId}:${start}:${end}`;

export interface IndexFilter {
  readonly datasetIds?: ReadonlySet<number>;
  readonly labels?: ReadonlySet<string>;
  /** Only these cells (from a metadata query). */
  readonly cellIds?: ReadonlySet<number>;
}

export class AtlasIndex {
  private index: CellVectorIndex;
  /** Per cell id: its dataset (0 = not in the index) and its label code (−1 = none). */
  private datasetOf = new Int32Array(1024);
  private labelOf = new Int32Array(1024);
  private readonly labelCodes = new Map<string, number>();
  private readonly chunks = new Set<ChunkKey>();
  private readonly cellsPerDataset = new Map<number, number>();
  private ready = new Set<number>();
  private listener: pg.PoolClient | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private dirty = false;

  private constructor(
    private readonly db: Database,
    private readonly options: AtlasIndexOptions,
  ) {
    this.index = CellVectorIndex.create({ dim: options.dim, params: options.params, initialCapacity: 1024 });
  }

  /** Loads the persisted index if it agrees with the database, else rebuilds it; then syncs. */
  static async open(db: Database, options: AtlasIndexOptions): Promise<AtlasIndex> {
    const atlasIndex = new AtlasIndex(db, options);
    const loaded = options.rebuild
      ? { problem: 'rebuild requested' }
      : await CellVectorIndex.load(options.dir, { modelId: options.modelId, dim: options.dim });
    if ('problem' in loaded) {
      options.log(`index: ${loaded.problem}; building it from the database`);
    } else {
      const extra = loaded.sidecar.extra as unknown as SidecarExtra | undefined;
      const problem = await atlasIndex.disagreement(extra?.chunks ?? [], loaded.sidecar.elementCount, loaded.sidecar.maxCellId);
      if (problem) {
        options.log(`index: ${problem}; rebuilding it from the database`);
      } else {
        atlasIndex.index = loaded.index;
        for (const key of extra?.chunks ?? []) atlasIndex.chunks.add(key);
        await atlasIndex.loadAttributes();
        options.log(`index: loaded ${loaded.index.size} cells from ${options.dir}`);
      }
    }
    await atlasIndex.sync();
    return atlasIndex;
  }

  /** Cells in the graph, including those of datasets still ingesting. */
  get size(): number {
    return this.index.size;
  }

  /** Cells queries can return: those of READY datasets. */
  get visibleCount(): number {
    let count = 0;
    for (const [dataset, cells] of this.cellsPerDataset) if (this.ready.has(dataset)) count += cells;
    return count;
  }

  /** Why the saved index cannot be used as it is, or null when it agrees with the database. */
  private async disagreement(chunks: readonly string[], elementCount: number, maxCellId: number): Promise<string | null> {
    const stored = new Set((await doneChunks(this.db)).map((c) => chunkKey(c.datasetId, c.start, c.end)));
    const missing = chunks.filter((key) => !stored.has(key));
    if (missing.length > 0) return `${missing.length} chunks in the index are no longer stored (deleted or failed datasets)`;
    const parts = chunks.map((key) => key.split(':').map(Number));
    const result = await this.db.pool.query<{ count: string; max: number | null }>(
      `SELECT count(*)::text AS count, max(c.id) AS max FROM cell c
         JOIN unnest($1::int[], $2::int[], $3::int[]) AS k(dataset_id, row_start, row_end)
           ON c.dataset_id = k.dataset_id AND c.row_index >= k.row_start AND c.row_index < k.row_end`,
      [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2])],
    );
    const count = Number(result.rows[0]!.count);
    const max = result.rows[0]!.max ?? 0;
    if (count !== elementCount || max !== maxCellId) {
      return `the index holds ${elementCount} cells (highest id ${maxCellId}) but the database has ${count} (highest id ${max}) in those chunks`;
    }
    return null;
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

  /** Dataset and label of the cells in a loaded index (the file holds vectors only). */
  private async loadAttributes(): Promise<void> {
    const ids = this.index.ids();
    for (let start = 0; start < ids.length; start += 50_000) {
      const slice = ids.slice(start, start + 50_000);
      const result = await this.db.pool.query<{ id: number; dataset_id: number; label: string | null }>(
        'SELECT id, dataset_id, label FROM cell WHERE id = ANY($1::int[])',
        [slice],
      );
      this.remember(
        Int32Array.from(result.rows, (r) => r.id),
        Int32Array.from(result.rows, (r) => r.dataset_id),
        result.rows.map((r) => r.label),
      );
    }
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
          await this.syncOnce();
        } while (this.syncAgain);
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
      this.index.remove(gone);
      for (const id of gone) {
        this.cellsPerDataset.delete(this.datasetOf[id]!);
        this.datasetOf[id] = 0;
      }
      for (const key of [...this.chunks]) if (!alive.has(Number(key.split(':')[0]))) this.chunks.delete(key);
      this.dirty = true;
    }

    for (const chunk of await doneChunks(this.db)) {
      const key = chunkKey(chunk.datasetId, chunk.start, chunk.end);
      if (this.chunks.has(key)) continue;
      for await (const batch of streamCellEmbeddings(this.db, { datasetId: chunk.datasetId, rowStart: chunk.start, rowEnd: chunk.end }, this.options.dim)) {
        this.remember(batch.ids, batch.datasetIds, batch.labels);
        this.index.add(batch.ids, batch.embeddings);
      }
      this.chunks.add(key);
      this.dirty = true;
    }
  }

  /** Re-syncs whenever a chunk, job or dataset changes anywhere (any process on this database). */
  async listen(): Promise<void> {
    if (this.listener) return;
    const client = await this.db.pool.connect();
    client.on('notification', () => {
      this.sync().catch((error: Error) => this.options.log(`index sync failed: ${error.message}`));
    });
    await client.query(`LISTEN ${ATLAS_CHANNEL}`);
    this.listener = client;
  }

  isVisible(cellId: number): boolean {
    return this.ready.has(this.datasetOf[cellId] ?? 0);
  }

  search(query: Float32Array, k: number, filter: IndexFilter = {}): { cellId: number; similarity: number }[] {
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

  /** Writes the index if it changed since the last save (atomic; see src/index). */
  async persist(): Promise<void> {
    if (!this.dirty || !this.options.persist) return;
    const extra: SidecarExtra = { chunks: [...this.chunks].sort() };
    await this.index.save(this.options.dir, { modelId: this.options.modelId, extra });
    this.dirty = false;
  }

  async close(): Promise<void> {
    if (this.listener) {
      await this.listener.query(`UNLISTEN ${ATLAS_CHANNEL}`).catch(() => undefined);
      this.listener.release();
      this.listener = undefined;
    }
    await this.syncing?.catch(() => undefined);
    await this.persist();
  }
}
