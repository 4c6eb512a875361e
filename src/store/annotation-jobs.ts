/**
 * Annotation jobs and their per-cell results. Results are keyed by (job, row) and inserted with
 * ON CONFLICT DO NOTHING in the transaction that advances the job's progress, so a slice redone after
 * a crash or a retried queue message stores each cell once. Only a QUEUED or RUNNING job takes results.
 */
import { toErrorCode } from '../errors.ts';
import type { Database } from './database.ts';
import type { AnnotationJobRecord, AnnotationResultRecord, AnnotationStatus, JobState } from './records.ts';

export interface NewAnnotationJob {
  readonly fileName: string;
  readonly sourcePath: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly truthColumn: string | null;
  readonly valuesReadAs: string;
  readonly modelId: string;
  readonly totalCells: number;
}

interface JobRow {
  id: number;
  state: JobState;
  file_name: string;
  source_path: string;
  options: Record<string, unknown>;
  truth_column: string | null;
  values_read_as: string | null;
  model_id: string;
  total_cells: number;
  processed_cells: number;
  evaluation: unknown;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

function toJob(row: JobRow): AnnotationJobRecord {
  return {
    id: row.id,
    state: row.state,
    fileName: row.file_name,
    sourcePath: row.source_path,
    options: row.options,
    truthColumn: row.truth_column,
    valuesReadAs: row.values_read_as,
    modelId: row.model_id,
    processedCells: row.processed_cells,
    totalCells: row.total_cells,
    evaluation: row.evaluation,
    errorCode: row.error_code === null ? null : toErrorCode(row.error_code),
    errorMessage: row.error_message,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export async function createAnnotationJob(db: Database, job: NewAnnotationJob): Promise<AnnotationJobRecord> {
  const result = await db.pool.query<JobRow>(
    `INSERT INTO annotation_job (file_name, source_path, options, truth_column, values_read_as, model_id, total_cells)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [job.fileName, job.sourcePath, JSON.stringify(job.options), job.truthColumn, job.valuesReadAs, job.modelId, job.totalCells],
  );
  return toJob(result.rows[0]!);
}

export async function getAnnotationJob(db: Database, id: number): Promise<AnnotationJobRecord | null> {
  const result = await db.pool.query<JobRow>('SELECT * FROM annotation_job WHERE id = $1', [id]);
  return result.rows[0] ? toJob(result.rows[0]) : null;
}

/** Jobs that still have work (after a crash, RUNNING means "was running"). */
export async function unfinishedAnnotationJobs(db: Database): Promise<number[]> {
  const result = await db.pool.query<{ id: number }>(`SELECT id FROM annotation_job WHERE state IN ('QUEUED', 'RUNNING') ORDER BY id`);
  return result.rows.map((row) => row.id);
}

/** Source files unfinished jobs still read (kept by the upload sweep). */
export async function annotationSourcesInUse(db: Database): Promise<string[]> {
  const result = await db.pool.query<{ source_path: string }>(`SELECT DISTINCT source_path FROM annotation_job WHERE state IN ('QUEUED', 'RUNNING')`);
  return result.rows.map((row) => row.source_path);
}

/** Marks a job RUNNING; false when it has already ended. */
export async function markAnnotationJobStarted(db: Database, id: number): Promise<boolean> {
  const result = await db.pool.query(
    `UPDATE annotation_job SET state = 'RUNNING', started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1 AND state IN ('QUEUED', 'RUNNING')`,
    [id],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Rows of the file already stored for a job (a resumed job skips them). */
export async function storedAnnotationRows(db: Database, id: number): Promise<Set<number>> {
  const result = await db.pool.query<{ row: number }>('SELECT "row" FROM annotation_result WHERE job_id = $1', [id]);
  return new Set(result.rows.map((r) => r.row));
}

/** Stores a slice of results and advances the job's progress, once; false when the job is no longer active. */
export async function storeAnnotationResults(db: Database, id: number, rows: readonly AnnotationResultRecord[]): Promise<boolean> {
  return db.transaction(async (client) => {
    const job = await client.query<{ state: JobState }>('SELECT state FROM annotation_job WHERE id = $1 FOR UPDATE', [id]);
    const state = job.rows[0]?.state;
    if (state !== 'QUEUED' && state !== 'RUNNING') return false;
    if (rows.length > 0) {
      await client.query(
        `INSERT INTO annotation_result (job_id, "row", external_id, label, best_label, status, reason, confidence, novelty, truth, neighbor_cell_ids)
         SELECT $1, r."row", r.external_id, r.label, r.best_label, r.status, r.reason, r.confidence, r.novelty, r.truth,
                ARRAY(SELECT jsonb_array_elements_text(r.neighbors)::int)
           FROM jsonb_to_recordset($2::jsonb) AS r("row" int, external_id text, label text, best_label text, status text, reason text,
                                                  confidence float8, novelty float8, truth text, neighbors jsonb)
         ON CONFLICT (job_id, "row") DO NOTHING`,
        [
          id,
          JSON.stringify(
            rows.map((r) => ({
              row: r.row,
              external_id: r.externalId,
              label: r.label,
              best_label: r.bestLabel,
              status: r.status,
              reason: r.reason,
              confidence: r.confidence,
              novelty: r.novelty,
              truth: r.truth,
              neighbors: r.neighborCellIds,
            })),
          ),
        ],
      );
    }
    await client.query(
      `UPDATE annotation_job SET processed_cells = (SELECT count(*) FROM annotation_result WHERE job_id = $1), state = 'RUNNING',
              started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1`,
      [id],
    );
    return true;
  });
}

/** Stops a job that has not ended (its worker stops at its next slice); false when it had already ended. */
export async function cancelAnnotationJob(db: Database, id: number): Promise<boolean> {
  const result = await db.pool.query(
    `UPDATE annotation_job SET state = 'CANCELLED', finished_at = now(), updated_at = now() WHERE id = $1 AND state IN ('QUEUED', 'RUNNING')`,
    [id],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Ends a job: SUCCEEDED with its evaluation (or null), or FAILED with its error. False when it had already ended. */
export async function endAnnotationJob(
  db: Database,
  id: number,
  outcome: { state: 'SUCCEEDED'; evaluation: unknown } | { state: 'FAILED'; code: string; message: string },
): Promise<boolean> {
  const result = await db.pool.query(
    `UPDATE annotation_job SET state = $2, evaluation = $3, error_code = $4, error_message = $5, finished_at = now(), updated_at = now()
      WHERE id = $1 AND state IN ('QUEUED', 'RUNNING')`,
    outcome.state === 'SUCCEEDED'
      ? [id, 'SUCCEEDED', outcome.evaluation === null ? null : JSON.stringify(outcome.evaluation), null, null]
      : [id, 'FAILED', null, outcome.code, outcome.message],
  );
  return (result.rowCount ?? 0) > 0;
}

interface ResultRow {
  row: number;
  external_id: string;
  label: string | null;
  best_label: string;
  status: AnnotationStatus;
  reason: string | null;
  confidence: number;
  novelty: number | null;
  truth: string | null;
  neighbor_cell_ids: number[] | null;
}

function toResult(row: ResultRow): AnnotationResultRecord {
  return {
    row: row.row,
    externalId: row.external_id,
    label: row.label,
    bestLabel: row.best_label,
    status: row.status,
    reason: row.reason,
    confidence: row.confidence,
    novelty: row.novelty,
    truth: row.truth,
    neighborCellIds: row.neighbor_cell_ids ?? [],
  };
}

/** A page of a job's results in file order, optionally of one status, with the total of that selection. */
export async function annotationResultPage(
  db: Database,
  id: number,
  page: { offset: number; limit: number; status?: AnnotationStatus },
): Promise<{ total: number; rows: AnnotationResultRecord[] }> {
  const status = page.status ?? null;
  const total = await db.pool.query<{ total: number }>(
    'SELECT count(*)::int AS total FROM annotation_result WHERE job_id = $1 AND ($2::text IS NULL OR status = $2)',
    [id, status],
  );
  const rows = await db.pool.query<ResultRow>(
    'SELECT * FROM annotation_result WHERE job_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY "row" OFFSET $3 LIMIT $4',
    [id, status, page.offset, page.limit],
  );
  return { total: total.rows[0]!.total, rows: rows.rows.map(toResult) };
}

/** Every result of a job in file order, a page at a time (for downloads and evaluation). */
export async function* allAnnotationResults(db: Database, id: number, pageSize = 5000): AsyncIterable<AnnotationResultRecord[]> {
  for (let after = -1; ; ) {
    const rows = await db.pool.query<ResultRow>('SELECT * FROM annotation_result WHERE job_id = $1 AND "row" > $2 ORDER BY "row" LIMIT $3', [id, after, pageSize]);
    if (rows.rows.length === 0) return;
    yield rows.rows.map(toResult);
    after = rows.rows[rows.rows.length - 1]!.row;
  }
}

/** Cells per given label, the unassigned under null, most cells first. */
export async function annotationLabelCounts(db: Database, id: number): Promise<{ label: string | null; cells: number }[]> {
  const result = await db.pool.query<{ label: string | null; cells: number }>(
    'SELECT label, count(*)::int AS cells FROM annotation_result WHERE job_id = $1 GROUP BY label ORDER BY cells DESC, label NULLS LAST',
    [id],
  );
  return result.rows;
}
