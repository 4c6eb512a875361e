/**
 * The explorer's map: versions of the 2-D layout (`cell_layout`) and the column reads the map
 * needs (visible cell ids, embeddings by page, one category per cell). A version is written once,
 * whole, when its job finishes; readers only ever see READY versions, so a running job never
 * blocks or half-changes the map.
 */
import { decodeEmbedding } from './codec.ts';
import type { Database } from './database.ts';
import type { Prisma } from './generated/client.ts';

export type LayoutState = 'RUNNING' | 'READY' | 'FAILED';

/** Which READY datasets (id → cell count) a layout covers; compared with the atlas to decide a refresh. */
export type AtlasCensus = Readonly<Record<string, number>>;

export interface LayoutRecord {
  readonly version: number;
  readonly modelId: string;
  readonly state: LayoutState;
  readonly method: string;
  readonly basedOn: number | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly atlas: AtlasCensus;
  readonly stage: string;
  readonly processedCells: number;
  readonly totalCells: number;
  readonly sampleCells: number;
  readonly seconds: number | null;
  readonly errorMessage: string | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

export interface LayoutPoints {
  /** Cell ids, ascending. */
  readonly cellIds: Int32Array;
  /** x,y per cell, interleaved, in the order of `cellIds`. */
  readonly coords: Float32Array;
}

const RECORD_COLUMNS = {
  version: true,
  modelId: true,
  state: true,
  method: true,
  basedOn: true,
  params: true,
  atlas: true,
  stage: true,
  processedCells: true,
  totalCells: true,
  sampleCells: true,
  seconds: true,
  errorMessage: true,
  createdAt: true,
  finishedAt: true,
} as const satisfies Prisma.CellLayoutSelect;

type LayoutRow = Prisma.CellLayoutGetPayload<{ select: typeof RECORD_COLUMNS }>;

function asObject<T>(value: Prisma.JsonValue): Readonly<Record<string, T>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, T>) : {};
}

function toRecord(row: LayoutRow): LayoutRecord {
  return { ...row, params: asObject<unknown>(row.params), atlas: asObject<number>(row.atlas) };
}

/** The READY datasets of a model and their cell counts. */
export async function atlasCensus(db: Database, modelId: string): Promise<AtlasCensus> {
  const rows = await db.prisma.dataset.findMany({ where: { modelId, state: 'READY' }, select: { id: true, cellCount: true }, orderBy: { id: 'asc' } });
  return Object.fromEntries(rows.map((row) => [String(row.id), row.cellCount]));
}

export async function createLayoutRun(
  db: Database,
  run: { modelId: string; method: string; basedOn: number | null; params: Record<string, unknown>; atlas: AtlasCensus; totalCells: number },
): Promise<number> {
  const row = await db.prisma.cellLayout.create({
    data: { modelId: run.modelId, method: run.method, basedOn: run.basedOn, params: run.params as Prisma.InputJsonObject, atlas: run.atlas, totalCells: run.totalCells, stage: 'starting' },
    select: { version: true },
  });
  return row.version;
}

export async function updateLayoutProgress(db: Database, version: number, progress: { stage: string; processedCells: number; sampleCells?: number }): Promise<void> {
  await db.prisma.cellLayout.update({ where: { version }, data: progress });
}

/**
 * Stores the finished coordinates and makes the version READY; older versions of the model are
 * removed except the one before (a client still drawing it can finish its colour requests).
 */
export async function finishLayout(db: Database, version: number, points: LayoutPoints, seconds: number): Promise<void> {
  await db.transaction(async (client) => {
    const done = await client.query<{ model_id: string }>(
      `UPDATE cell_layout SET state = 'READY', stage = 'done', processed_cells = total_cells, seconds = $2,
              cell_ids = $3, coords = $4, finished_at = now()
        WHERE version = $1 RETURNING model_id`,
      [version, seconds, Buffer.from(points.cellIds.buffer, points.cellIds.byteOffset, points.cellIds.byteLength), Buffer.from(points.coords.buffer, points.coords.byteOffset, points.coords.byteLength)],
    );
    const modelId = done.rows[0]?.model_id;
    if (modelId === undefined) return;
    await client.query(
      `DELETE FROM cell_layout WHERE model_id = $1 AND version < $2 AND state <> 'RUNNING'
          AND version NOT IN (SELECT version FROM cell_layout WHERE model_id = $1 AND state = 'READY' AND version < $2 ORDER BY version DESC LIMIT 1)`,
      [modelId, version],
    );
  });
}

export async function failLayout(db: Database, version: number, message: string): Promise<void> {
  await db.prisma.cellLayout.update({ where: { version }, data: { state: 'FAILED', stage: 'failed', errorMessage: message, finishedAt: new Date() } });
}

/** A run left RUNNING by a process that died is not running any more. */
export async function failAbandonedLayouts(db: Database, modelId: string, olderThan: Date): Promise<number> {
  const result = await db.prisma.cellLayout.updateMany({
    where: { modelId, state: 'RUNNING', createdAt: { lt: olderThan } },
    data: { state: 'FAILED', stage: 'failed', errorMessage: 'abandoned: the process computing it stopped', finishedAt: new Date() },
  });
  return result.count;
}

/** The newest READY layout of a model, or null. */
export async function currentLayout(db: Database, modelId: string): Promise<LayoutRecord | null> {
  const row = await db.prisma.cellLayout.findFirst({ where: { modelId, state: 'READY' }, orderBy: { version: 'desc' }, select: RECORD_COLUMNS });
  return row ? toRecord(row) : null;
}

/** The newest run of a model in any state (to show progress or a failure), or null. */
export async function latestLayoutRun(db: Database, modelId: string): Promise<LayoutRecord | null> {
  const row = await db.prisma.cellLayout.findFirst({ where: { modelId }, orderBy: { version: 'desc' }, select: RECORD_COLUMNS });
  return row ? toRecord(row) : null;
}

export async function getLayout(db: Database, version: number): Promise<LayoutRecord | null> {
  const row = await db.prisma.cellLayout.findUnique({ where: { version }, select: RECORD_COLUMNS });
  return row ? toRecord(row) : null;
}

/** A READY version's coordinates, or null. */
export async function layoutPoints(db: Database, version: number): Promise<LayoutPoints | null> {
  const result = await db.pool.query<{ cell_ids: Buffer; coords: Buffer }>(`SELECT cell_ids, coords FROM cell_layout WHERE version = $1 AND state = 'READY'`, [version]);
  const row = result.rows[0];
  if (!row) return null;
  // Copies: a Buffer from pg may sit at an offset that is not a multiple of 4 in a shared pool.
  return {
    cellIds: new Int32Array(new Uint8Array(row.cell_ids).buffer),
    coords: new Float32Array(new Uint8Array(row.coords).buffer),
  };
}

/** Ids of the visible cells (READY datasets) of a model, ascending. */
export async function visibleCellIds(db: Database, modelId: string): Promise<Int32Array> {
  const result = await db.pool.query<{ ids: number[] }>(
    `SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}') AS ids FROM cell c JOIN dataset d ON d.id = c.dataset_id
      WHERE d.state = 'READY' AND d.model_id = $1`,
    [modelId],
  );
  return Int32Array.from(result.rows[0]!.ids);
}

/** Embeddings of visible cells by id, as rows in the order asked (ids that are not visible are left out). */
export async function cellEmbeddings(db: Database, ids: readonly number[] | Int32Array, dim: number): Promise<{ ids: Int32Array; embeddings: Float32Array }> {
  const result = await db.pool.query<{ id: number; embedding: Buffer }>(
    `SELECT c.id, c.embedding FROM cell c JOIN dataset d ON d.id = c.dataset_id
      WHERE c.id = ANY($1::int[]) AND d.state = 'READY'`,
    [Array.from(ids)],
  );
  const byId = new Map(result.rows.map((row) => [row.id, row.embedding]));
  const present = Array.from(ids).filter((id) => byId.has(id));
  const embeddings = new Float32Array(present.length * dim);
  present.forEach((id, i) => embeddings.set(decodeEmbedding(byId.get(id)!), i * dim));
  return { ids: Int32Array.from(present), embeddings };
}

/**
 * What a cell can be coloured by on the map: `label` is its cell type as the atlas reads it (the
 * catalogue label its reference label is harmonised to, else that label itself), so that
 * "Dendritic" of one reference and "dendritic cell" of another are one colour; `sourceLabel` is the
 * reference's own string.
 */
export type CategoryColumn = { kind: 'label' } | { kind: 'sourceLabel' } | { kind: 'dataset' } | { kind: 'metadata'; key: string };

/** One category per visible cell (null where the cell has none), by cell id. */
export async function cellCategories(db: Database, modelId: string, column: CategoryColumn): Promise<Map<number, string | null>> {
  const expression = { label: 'coalesce(l.name, c.label)', sourceLabel: 'c.label', dataset: 'd.name', metadata: 'c.metadata ->> $2' }[column.kind];
  const params: unknown[] = column.kind === 'metadata' ? [modelId, column.key] : [modelId];
  const harmonised =
    column.kind === 'label'
      ? `LEFT JOIN dataset_label_map m ON m.dataset_id = c.dataset_id AND m.source_label = c.label LEFT JOIN label l ON l.id = m.label_id`
      : '';
  // Two arrays, not a row per cell: a million row objects cost more than the query.
  const result = await db.pool.query<{ ids: number[]; values: (string | null)[] }>(
    `SELECT coalesce(array_agg(c.id), '{}') AS ids, coalesce(array_agg(${expression}), '{}') AS values
       FROM cell c JOIN dataset d ON d.id = c.dataset_id ${harmonised} WHERE d.state = 'READY' AND d.model_id = $1`,
    params,
  );
  const { ids, values } = result.rows[0]!;
  const byId = new Map<number, string | null>();
  for (let i = 0; i < ids.length; i++) byId.set(ids[i]!, values[i] ?? null);
  return byId;
}

/** The metadata keys of the visible datasets (what the map can be coloured by beyond label and dataset). */
export async function metadataColumns(db: Database, modelId: string): Promise<string[]> {
  const rows = await db.prisma.dataset.findMany({ where: { modelId, state: 'READY' }, select: { metadataColumns: true } });
  return [...new Set(rows.flatMap((row) => row.metadataColumns))].sort();
}

/**
 * Embeddings of the visible cells of a model in id order, by pages of at most `pageSize` (no cursor
 * held open, bounded memory). Each page is a window of ids, not "the next pageSize rows": a window
 * is read through the primary key (a MATERIALIZED window, so the planner cannot fold the dataset
 * filter into a bitmap over the dataset's whole index) whatever it believes of the join. (`c.id >
 * $after ORDER BY c.id LIMIT n`, with the statistics of a million freshly ingested cells, was
 * planned as a scan and sort of every remaining cell for each page: 1.3 s a page, quadratic in the
 * atlas; a window is 25 ms.) Cells stored after the first page are left to the next reader.
 */
export async function* streamVisibleEmbeddings(db: Database, modelId: string, dim: number, pageSize = 4096): AsyncGenerator<{ ids: Int32Array; embeddings: Float32Array }> {
  const bounds = await db.pool.query<{ last: number | null }>('SELECT max(id) AS last FROM cell');
  const last = bounds.rows[0]?.last ?? 0;
  for (let after = 0; after < last; after += pageSize) {
    const result = await db.pool.query<{ id: number; embedding: Buffer }>(
      `WITH window_cells AS MATERIALIZED (SELECT id, dataset_id, embedding FROM cell WHERE id > $2 AND id <= $3)
       SELECT c.id, c.embedding FROM window_cells c JOIN dataset d ON d.id = c.dataset_id
        WHERE d.state = 'READY' AND d.model_id = $1 ORDER BY c.id`,
      [modelId, after, after + pageSize],
    );
    if (result.rows.length === 0) continue;
    const embeddings = new Float32Array(result.rows.length * dim);
    result.rows.forEach((row, i) => embeddings.set(decodeEmbedding(row.embedding), i * dim));
    yield { ids: Int32Array.from(result.rows, (row) => row.id), embeddings };
  }
}
