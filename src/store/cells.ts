/**
 * Cells: bulk writes in one statement per chunk (arrays unnested server-side), reads by id, and the
 * streams the HNSW index is built from. Only cells of READY datasets are "visible"; the index sync
 * reads cells of datasets still ingesting too (they are filtered out of results until complete).
 */
import type pg from 'pg';
import type { CellRecord } from './records.ts';
import { decodeEmbedding, decodeTokens, encodeEmbedding, encodeTokens } from './codec.ts';
import type { Database } from './database.ts';
import type { ObsValue } from '../model/cells.ts';
import { genesInTokens } from '../model/cell-tokenizer.ts';

export interface NewCell {
  readonly rowIndex: number;
  readonly externalId: string;
  readonly label: string | null;
  readonly metadata: Readonly<Record<string, ObsValue>>;
  readonly tokens: Int32Array;
  readonly embedding: Float32Array;
}

/** Inserts a chunk's cells; a row already stored (same dataset and row) is left as it is. */
export async function insertCells(client: pg.PoolClient, datasetId: number, cells: readonly NewCell[]): Promise<number> {
  if (cells.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO cell (dataset_id, row_index, external_id, label, metadata, gene_count, token_ids, embedding)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::bytea[], $8::bytea[])
     ON CONFLICT (dataset_id, row_index) DO NOTHING`,
    [
      datasetId,
      cells.map((c) => c.rowIndex),
      cells.map((c) => c.externalId),
      cells.map((c) => c.label),
      cells.map((c) => JSON.stringify(c.metadata)),
      cells.map((c) => genesInTokens(c.tokens)),
      cells.map((c) => encodeTokens(c.tokens)),
      cells.map((c) => encodeEmbedding(c.embedding)),
    ],
  );
  return result.rowCount ?? 0;
}

interface CellRow {
  id: number;
  external_id: string;
  dataset_id: number;
  dataset_name: string;
  label: string | null;
  metadata: Record<string, ObsValue>;
  gene_count: number;
}

const CELL_COLUMNS = `c.id, c.external_id, c.dataset_id, d.name AS dataset_name, c.label, c.metadata, c.gene_count`;

function toRecord(row: CellRow): CellRecord {
  return {
    id: row.id,
    externalId: row.external_id,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    label: row.label,
    metadata: row.metadata,
    geneCount: row.gene_count,
  };
}

/** Cells by id, in the order asked; ids of cells that are gone or not visible are skipped. */
export async function getCells(db: Database, ids: readonly number[]): Promise<CellRecord[]> {
  if (ids.length === 0) return [];
  const result = await db.pool.query<CellRow>(
    `SELECT ${CELL_COLUMNS} FROM cell c JOIN dataset d ON d.id = c.dataset_id
      WHERE c.id = ANY($1::int[]) AND d.state = 'READY'`,
    [ids],
  );
  const byId = new Map(result.rows.map((row) => [row.id, toRecord(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** External ids (barcodes) of cells by id; ids of cells that are gone are left out. */
export async function externalIds(db: Database, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.pool.query<{ id: number; external_id: string }>(`SELECT id, external_id FROM cell WHERE id = ANY($1::int[])`, [ids]);
  return new Map(rows.map((row) => [row.id, row.external_id]));
}

export interface StoredCellVectors {
  readonly tokens: Int32Array;
  readonly embedding: Float32Array;
}

/** Token ids and embedding of visible cells by id. */
export async function getCellVectors(db: Database, ids: readonly number[]): Promise<Map<number, StoredCellVectors>> {
  if (ids.length === 0) return new Map();
  const result = await db.pool.query<{ id: number; token_ids: Buffer; embedding: Buffer }>(
    `SELECT c.id, c.token_ids, c.embedding FROM cell c JOIN dataset d ON d.id = c.dataset_id
      WHERE c.id = ANY($1::int[]) AND d.state = 'READY'`,
    [ids],
  );
  return new Map(result.rows.map((row) => [row.id, { tokens: decodeTokens(row.token_ids), embedding: decodeEmbedding(row.embedding) }]));
}

/** Ids of visible cells whose metadata contains every given key/value (JSON containment). */
export async function cellIdsWithMetadata(db: Database, metadata: Readonly<Record<string, unknown>>, datasetIds?: readonly number[]): Promise<Set<number>> {
  // PostgreSQL text (and jsonb) cannot hold NUL, so no stored value matches one; asking would fail.
  if (JSON.stringify(metadata).includes('\\u0000')) return new Set();
  const result = await db.pool.query<{ id: number }>(
    `SELECT c.id FROM cell c JOIN dataset d ON d.id = c.dataset_id
      WHERE d.state = 'READY' AND c.metadata @> $1::jsonb AND ($2::int[] IS NULL OR c.dataset_id = ANY($2::int[]))`,
    [JSON.stringify(metadata), datasetIds ?? null],
  );
  return new Set(result.rows.map((row) => row.id));
}

export interface IndexedCellBatch {
  readonly ids: Int32Array;
  readonly datasetIds: Int32Array;
  readonly labels: readonly (string | null)[];
  /** ids.length × dim, row-major. */
  readonly embeddings: Float32Array;
}

/**
 * Streams the embeddings of the given rows of a dataset, ordered by id, in pages (keyset paging:
 * no cursor held open, bounded memory).
 */
export async function* streamCellEmbeddings(
  db: Database,
  where: { datasetId: number; rowStart?: number; rowEnd?: number },
  dim: number,
  pageSize = 4096,
): AsyncGenerator<IndexedCellBatch> {
  let after = 0;
  for (;;) {
    const result = await db.pool.query<{ id: number; dataset_id: number; label: string | null; embedding: Buffer }>(
      `SELECT id, dataset_id, label, embedding FROM cell
        WHERE dataset_id = $1 AND id > $2 AND row_index >= $3 AND row_index < $4
        ORDER BY id LIMIT $5`,
      [where.datasetId, after, where.rowStart ?? 0, where.rowEnd ?? 2 ** 31 - 1, pageSize],
    );
    if (result.rows.length === 0) return;
    const embeddings = new Float32Array(result.rows.length * dim);
    result.rows.forEach((row, i) => embeddings.set(decodeEmbedding(row.embedding), i * dim));
    yield {
      ids: Int32Array.from(result.rows, (row) => row.id),
      datasetIds: Int32Array.from(result.rows, (row) => row.dataset_id),
      labels: result.rows.map((row) => row.label),
      embeddings,
    };
    after = result.rows.at(-1)!.id;
    if (result.rows.length < pageSize) return;
  }
}

/** Dataset and label of indexed cells by id (the index file holds vectors only). */
export async function cellAttributes(db: Database, ids: readonly number[]): Promise<{ id: number; datasetId: number; label: string | null }[]> {
  if (ids.length === 0) return [];
  const result = await db.pool.query<{ id: number; dataset_id: number; label: string | null }>('SELECT id, dataset_id, label FROM cell WHERE id = ANY($1::int[])', [ids]);
  return result.rows.map((row) => ({ id: row.id, datasetId: row.dataset_id, label: row.label }));
}

/** How many cells the given row ranges of datasets hold, and the highest cell id among them (0 when none). */
export async function countCellsInRows(db: Database, ranges: readonly { datasetId: number; start: number; end: number }[]): Promise<{ count: number; maxId: number }> {
  const result = await db.pool.query<{ count: string; max: number | null }>(
    `SELECT count(*)::text AS count, max(c.id) AS max FROM cell c
       JOIN unnest($1::int[], $2::int[], $3::int[]) AS k(dataset_id, row_start, row_end)
         ON c.dataset_id = k.dataset_id AND c.row_index >= k.row_start AND c.row_index < k.row_end`,
    [ranges.map((r) => r.datasetId), ranges.map((r) => r.start), ranges.map((r) => r.end)],
  );
  return { count: Number(result.rows[0]!.count), maxId: result.rows[0]!.max ?? 0 };
}

export interface SampledCell {
  readonly id: number;
  readonly datasetId: number;
  readonly label: string | null;
  readonly tokens: Int32Array;
  readonly embedding: Float32Array;
}

/**
 * Up to `count` visible cells of the given datasets in a fixed pseudo-random order (the same seed
 * gives the same cells), e.g. validation cells for fitting the decision.
 */
export async function sampleCells(db: Database, datasetIds: readonly number[], count: number, seed: string): Promise<SampledCell[]> {
  if (datasetIds.length === 0 || count <= 0) return [];
  const result = await db.pool.query<{ id: number; dataset_id: number; label: string | null; token_ids: Buffer; embedding: Buffer }>(
    `SELECT c.id, c.dataset_id, c.label, c.token_ids, c.embedding FROM cell c JOIN dataset d ON d.id = c.dataset_id
      WHERE d.state = 'READY' AND c.dataset_id = ANY($1::int[])
      ORDER BY md5(c.id::text || $2) LIMIT $3`,
    [datasetIds, seed, count],
  );
  return result.rows.map((row) => ({
    id: row.id,
    datasetId: row.dataset_id,
    label: row.label,
    tokens: decodeTokens(row.token_ids),
    embedding: decodeEmbedding(row.embedding),
  }));
}

export interface LabelledCellTokens {
  readonly id: number;
  readonly datasetId: number;
  readonly label: string;
  readonly tokens: Int32Array;
}

/**
 * Up to `perLabel` cells of each (dataset, label) of the given datasets, in a fixed pseudo-random
 * order (the same seed gives the same cells): the cells a label's gene signature is built from.
 */
export async function sampleCellsPerLabel(db: Database, datasetIds: readonly number[], perLabel: number, seed: string): Promise<LabelledCellTokens[]> {
  if (datasetIds.length === 0 || perLabel <= 0) return [];
  const result = await db.pool.query<{ id: number; dataset_id: number; label: string; token_ids: Buffer }>(
    `WITH ranked AS (
       SELECT c.id, row_number() OVER (PARTITION BY c.dataset_id, c.label ORDER BY md5(c.id::text || $3)) AS draw
         FROM cell c JOIN dataset d ON d.id = c.dataset_id
        WHERE d.state = 'READY' AND c.dataset_id = ANY($1::int[]) AND c.label IS NOT NULL
     )
     SELECT c.id, c.dataset_id, c.label, c.token_ids FROM cell c JOIN ranked r ON r.id = c.id
      WHERE r.draw <= $2 ORDER BY c.id`,
    [datasetIds, perLabel, seed],
  );
  return result.rows.map((row) => ({ id: row.id, datasetId: row.dataset_id, label: row.label, tokens: decodeTokens(row.token_ids) }));
}
