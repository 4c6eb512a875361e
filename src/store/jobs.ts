/**
 * Ingestion jobs and their checkpoint. A job's rows [0, total) are cut into chunks; a chunk's cells
 * and its `done_at` are written in ONE transaction (the chunk row locked first), so a chunk is
 * stored exactly once however often it is delivered: after a crash, a retry or by two workers.
 * The transaction that stores the last chunk also makes the dataset READY. Every change is
 * announced on the `langcell_atlas` channel (LISTEN/NOTIFY) for the index and for subscribers.
 */
import type pg from 'pg';
import { toErrorCode } from '../errors.ts';
import type { IngestionJobRecord, JobState } from './records.ts';
import { insertCells, type NewCell } from './cells.ts';
import type { Database } from './database.ts';

export const ATLAS_CHANNEL = 'langcell_atlas';

export interface AtlasEvent {
  readonly kind: 'chunk' | 'job';
  readonly jobId: number;
  readonly datasetId: number;
}

export interface ChunkRange {
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

export interface NewIngestion {
  readonly dataset: {
    name: string;
    sourcePath: string;
    sourceSha256: string;
    sourceBytes: number;
    format: string;
    matrixLocation: string;
    valueKind: string;
    species: string;
    modelId: string;
    totalCells: number;
    genesMatched: number;
    genesTotal: number;
    labelColumn: string | null;
    metadataColumns: readonly string[];
  };
  readonly options: Readonly<Record<string, unknown>>;
  readonly chunkSize: number;
}

export function chunkRanges(totalCells: number, chunkSize: number): ChunkRange[] {
  const ranges: ChunkRange[] = [];
  for (let start = 0, index = 0; start < totalCells; start += chunkSize, index += 1) {
    ranges.push({ index, start, end: Math.min(totalCells, start + chunkSize) });
  }
  return ranges;
}

/** Tells every listening process (index sync, subscribers) that a job or dataset changed. */
export async function notify(client: pg.PoolClient | pg.Pool, event: AtlasEvent): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [ATLAS_CHANNEL, JSON.stringify(event)]);
}

/** Creates the dataset (INGESTING), its job (QUEUED) and every chunk row in one transaction. */
export async function createIngestion(db: Database, request: NewIngestion): Promise<{ datasetId: number; jobId: number }> {
  const created = await createIngestionUnlessNamed(db, request);
  if (created === null) throw new Error(`a dataset named "${request.dataset.name}" already exists`);
  return created;
}

/**
 * The same, or null when a dataset of that name exists: the unique name decides between
 * concurrent requests (a check before the insert cannot, two requests pass it together).
 */
export async function createIngestionUnlessNamed(db: Database, request: NewIngestion): Promise<{ datasetId: number; jobId: number } | null> {
  try {
    return await insertIngestion(db, request);
  } catch (error) {
    if ((error as { code?: string; constraint?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'dataset_name_key') return null;
    throw error;
  }
}

async function insertIngestion(db: Database, request: NewIngestion): Promise<{ datasetId: number; jobId: number }> {
  const d = request.dataset;
  return db.transaction(async (client) => {
    const dataset = await client.query<{ id: number }>(
      `INSERT INTO dataset (name, source_path, source_sha256, source_bytes, format, matrix_location, value_kind, species, model_id,
                            total_cells, genes_matched, genes_total, label_column, metadata_columns)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
      [d.name, d.sourcePath, d.sourceSha256, d.sourceBytes, d.format, d.matrixLocation, d.valueKind, d.species, d.modelId,
        d.totalCells, d.genesMatched, d.genesTotal, d.labelColumn, d.metadataColumns],
    );
    const datasetId = dataset.rows[0]!.id;
    const ranges = chunkRanges(d.totalCells, request.chunkSize);
    const job = await client.query<{ id: number }>(
      `INSERT INTO ingestion_job (dataset_id, options, chunk_size, chunk_count, total_cells) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [datasetId, JSON.stringify(request.options), request.chunkSize, ranges.length, d.totalCells],
    );
    const jobId = job.rows[0]!.id;
    await client.query(
      `INSERT INTO ingestion_chunk (job_id, index, start, "end") SELECT $1, * FROM unnest($2::int[], $3::int[], $4::int[])`,
      [jobId, ranges.map((r) => r.index), ranges.map((r) => r.start), ranges.map((r) => r.end)],
    );
    await notify(client, { kind: 'job', jobId, datasetId });
    return { datasetId, jobId };
  });
}

interface JobRow {
  id: number;
  dataset_id: number;
  dataset_name: string;
  state: JobState;
  options: Record<string, unknown>;
  chunk_size: number;
  chunk_count: number;
  chunks_done: number;
  processed_cells: number;
  total_cells: number;
  timings: Record<string, number>;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface IngestionJobDetail extends IngestionJobRecord {
  readonly options: Readonly<Record<string, unknown>>;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly chunksDone: number;
}

function toRecord(row: JobRow, now = Date.now()): IngestionJobDetail {
  const end = row.finished_at?.getTime() ?? (row.state === 'RUNNING' ? now : row.updated_at.getTime());
  const seconds = row.started_at ? (end - row.started_at.getTime()) / 1000 : 0;
  const rate = seconds > 0 && row.processed_cells > 0 ? row.processed_cells / seconds : null;
  const remaining = row.total_cells - row.processed_cells;
  return {
    id: row.id,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    state: row.state,
    processedCells: row.processed_cells,
    totalCells: row.total_cells,
    cellsPerSecond: rate,
    etaSeconds: row.state === 'RUNNING' || row.state === 'QUEUED' ? (rate ? remaining / rate : null) : row.state === 'SUCCEEDED' ? 0 : null,
    errorCode: row.error_code === null ? null : toErrorCode(row.error_code),
    errorMessage: row.error_message,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    options: row.options,
    chunkSize: row.chunk_size,
    chunkCount: row.chunk_count,
    chunksDone: row.chunks_done,
    timings: row.timings,
  };
}

const JOB_SELECT = 'SELECT j.*, d.name AS dataset_name FROM ingestion_job j JOIN dataset d ON d.id = j.dataset_id';

export async function getJob(db: Database, id: number): Promise<IngestionJobDetail | null> {
  const result = await db.pool.query<JobRow>(`${JOB_SELECT} WHERE j.id = $1`, [id]);
  return result.rows[0] ? toRecord(result.rows[0]) : null;
}

export async function latestJobOfDataset(db: Database, datasetId: number): Promise<IngestionJobDetail | null> {
  const result = await db.pool.query<JobRow>(`${JOB_SELECT} WHERE j.dataset_id = $1 ORDER BY j.id DESC LIMIT 1`, [datasetId]);
  return result.rows[0] ? toRecord(result.rows[0]) : null;
}

/** Jobs that still have work: queued or running (after a crash, running means "was running"). */
export async function unfinishedJobs(db: Database): Promise<IngestionJobDetail[]> {
  // Seeding runs in the process that seeds, not on the queue (its source is the generator, not a file).
  const result = await db.pool.query<JobRow>(`${JOB_SELECT} WHERE j.state IN ('QUEUED', 'RUNNING') AND d.source_path NOT LIKE 'seed:%' ORDER BY j.id`);
  return result.rows.map((row) => toRecord(row));
}

/** Ids of a dataset's jobs that are still queued or running. */
export async function activeJobsOfDataset(db: Database, datasetId: number): Promise<number[]> {
  const result = await db.pool.query<{ id: number }>(`SELECT id FROM ingestion_job WHERE dataset_id = $1 AND state IN ('QUEUED', 'RUNNING')`, [datasetId]);
  return result.rows.map((row) => row.id);
}

export async function pendingChunks(db: Database, jobId: number): Promise<ChunkRange[]> {
  const result = await db.pool.query<ChunkRange>(
    'SELECT index, start, "end" FROM ingestion_chunk WHERE job_id = $1 AND done_at IS NULL ORDER BY index',
    [jobId],
  );
  return result.rows;
}

/** Finished chunks of jobs whose dataset is READY or INGESTING: what the index should hold. */
export async function doneChunks(db: Database): Promise<{ datasetId: number; start: number; end: number }[]> {
  const result = await db.pool.query<{ dataset_id: number; start: number; end: number }>(
    `SELECT j.dataset_id, c.start, c."end" FROM ingestion_chunk c
       JOIN ingestion_job j ON j.id = c.job_id JOIN dataset d ON d.id = j.dataset_id
      WHERE c.done_at IS NOT NULL AND d.state IN ('READY', 'INGESTING') AND j.state IN ('RUNNING', 'SUCCEEDED')
      ORDER BY j.dataset_id, c.start`,
  );
  return result.rows.map((row) => ({ datasetId: row.dataset_id, start: row.start, end: row.end }));
}

export type ChunkOutcome = 'stored' | 'already-done' | 'job-inactive';

/**
 * Stores one chunk's cells and marks the chunk done, atomically. When it was the last chunk, the
 * dataset becomes READY and the job SUCCEEDED in the same transaction.
 */
export async function commitChunk(
  db: Database,
  chunk: { jobId: number; index: number; datasetId: number; cells: readonly NewCell[]; timings: Readonly<Record<string, number>> },
): Promise<{ outcome: ChunkOutcome; finished: boolean }> {
  return db.transaction(async (client) => {
    // Lock the job row first (shared with other chunk commits only via the row update below), then the chunk.
    const job = await client.query<{ state: JobState }>('SELECT state FROM ingestion_job WHERE id = $1 FOR UPDATE', [chunk.jobId]);
    const state = job.rows[0]?.state;
    if (state !== 'QUEUED' && state !== 'RUNNING') return { outcome: 'job-inactive' as const, finished: false };
    const row = await client.query<{ done_at: Date | null }>(
      'SELECT done_at FROM ingestion_chunk WHERE job_id = $1 AND index = $2 FOR UPDATE',
      [chunk.jobId, chunk.index],
    );
    if (!row.rows[0] || row.rows[0].done_at !== null) return { outcome: 'already-done' as const, finished: false };

    const insertStarted = performance.now();
    const stored = await insertCells(client, chunk.datasetId, chunk.cells);
    // The job's stage timings gain `store` here, where it is measured: the cell insert.
    const timingsJson = JSON.stringify({ ...chunk.timings, store: (performance.now() - insertStarted) / 1000 });
    await client.query('UPDATE ingestion_chunk SET done_at = now() WHERE job_id = $1 AND index = $2', [chunk.jobId, chunk.index]);
    const progress = await client.query<{ chunks_done: number; chunk_count: number }>(
      `UPDATE ingestion_job
          SET chunks_done = chunks_done + 1, processed_cells = processed_cells + $2, state = 'RUNNING',
              started_at = COALESCE(started_at, now()), updated_at = now(),
              timings = COALESCE((SELECT jsonb_object_agg(k, COALESCE((timings->>k)::float8, 0) + COALESCE((($3::jsonb)->>k)::float8, 0))
                                    FROM jsonb_object_keys(timings || $3::jsonb) AS k), '{}'::jsonb)
        WHERE id = $1 RETURNING chunks_done, chunk_count`,
      [chunk.jobId, chunk.cells.length, timingsJson],
    );
    await client.query('UPDATE dataset SET cell_count = cell_count + $2 WHERE id = $1', [chunk.datasetId, stored]);
    const { chunks_done, chunk_count } = progress.rows[0]!;
    const finished = chunks_done === chunk_count;
    if (finished) {
      await client.query(`UPDATE dataset SET state = 'READY', completed_at = now() WHERE id = $1`, [chunk.datasetId]);
      await client.query(`UPDATE ingestion_job SET state = 'SUCCEEDED', finished_at = now() WHERE id = $1`, [chunk.jobId]);
      // The shared copy of the source (store/shared-sources.ts) has served its purpose.
      await client.query('DELETE FROM shared_source WHERE dataset_id = $1', [chunk.datasetId]);
    }
    await notify(client, { kind: finished ? 'job' : 'chunk', jobId: chunk.jobId, datasetId: chunk.datasetId });
    return { outcome: 'stored' as const, finished };
  });
}

/** Records which worker process (host:pid) is working on a chunk. */
export async function claimChunk(db: Database, jobId: number, index: number, worker: string): Promise<void> {
  await db.pool.query('UPDATE ingestion_chunk SET claimed_by = $3, claimed_at = now() WHERE job_id = $1 AND index = $2 AND done_at IS NULL', [jobId, index, worker]);
}

/** Unfinished chunks of active jobs that no worker claimed, or that a worker on `host` claimed (claims read `host:pid`). */
export async function unclaimedOrHostChunks(db: Database, host: string): Promise<{ jobId: number; index: number; start: number; end: number; claimedBy: string | null }[]> {
  const result = await db.pool.query<{ job_id: number; index: number; start: number; end: number; claimed_by: string | null }>(
    `SELECT c.job_id, c.index, c.start, c."end", c.claimed_by FROM ingestion_chunk c JOIN ingestion_job j ON j.id = c.job_id
      WHERE c.done_at IS NULL AND j.state IN ('QUEUED', 'RUNNING') AND (c.claimed_by IS NULL OR starts_with(c.claimed_by, $1 || ':'))
      ORDER BY c.job_id, c.index`,
    [host],
  );
  return result.rows.map((row) => ({ jobId: row.job_id, index: row.index, start: row.start, end: row.end, claimedBy: row.claimed_by }));
}

/** Forgets the claims on these chunks (their dead worker's chunks were queued afresh). */
export async function releaseChunkClaims(db: Database, chunks: readonly { jobId: number; index: number }[]): Promise<void> {
  if (chunks.length === 0) return;
  await db.pool.query(
    'UPDATE ingestion_chunk c SET claimed_by = NULL, claimed_at = NULL FROM unnest($1::int[], $2::int[]) AS t(j, i) WHERE c.job_id = t.j AND c.index = t.i',
    [chunks.map((c) => c.jobId), chunks.map((c) => c.index)],
  );
}

/** Indexes of every chunk of a job (what its queue messages are named after). */
export async function chunkIndexes(db: Database, jobId: number): Promise<number[]> {
  const result = await db.pool.query<{ index: number }>('SELECT index FROM ingestion_chunk WHERE job_id = $1 ORDER BY index', [jobId]);
  return result.rows.map((row) => row.index);
}

export async function markJobStarted(db: Database, jobId: number): Promise<void> {
  await db.pool.query(
    `UPDATE ingestion_job SET state = 'RUNNING', started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1 AND state = 'QUEUED'`,
    [jobId],
  );
}

/**
 * Ends a job that will not finish (FAILED or CANCELLED): its stored cells are deleted in the same
 * transaction, so nothing of it is ever visible. Returns false when the job had already ended.
 */
export async function endJob(db: Database, jobId: number, state: 'FAILED' | 'CANCELLED', error?: { code: string; message: string }): Promise<boolean> {
  return db.transaction(async (client) => {
    const job = await client.query<{ dataset_id: number; state: JobState }>('SELECT dataset_id, state FROM ingestion_job WHERE id = $1 FOR UPDATE', [jobId]);
    const row = job.rows[0];
    if (!row || (row.state !== 'QUEUED' && row.state !== 'RUNNING')) return false;
    await client.query(
      `UPDATE ingestion_job SET state = $2, error_code = $3, error_message = $4, finished_at = now(), updated_at = now() WHERE id = $1`,
      [jobId, state, error?.code ?? null, error?.message ?? null],
    );
    await client.query('DELETE FROM cell WHERE dataset_id = $1', [row.dataset_id]);
    await client.query(`UPDATE dataset SET state = $2, cell_count = 0 WHERE id = $1`, [row.dataset_id, state]);
    await client.query('DELETE FROM shared_source WHERE dataset_id = $1', [row.dataset_id]);
    await notify(client, { kind: 'job', jobId, datasetId: row.dataset_id });
    return true;
  });
}
