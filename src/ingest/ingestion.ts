/**
 * Ingestion of a reference file: validation up front (so bad input is refused before anything is
 * written), then chunk jobs on the queue, each read → tokenized → encoded → stored in one
 * transaction with its checkpoint. The dataset becomes visible to queries only when its last chunk
 * commits; a failed or cancelled job leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { AtlasError, isAtlasError } from '../errors.ts';
import { processGone } from '../process-liveness.ts';
import type { CellChunk } from '../model/cells.ts';
import { statedKind, ValueKindGuard, type StatedValueType, type ValueKind } from '../model/expression-values.ts';
import { bundleVocabulary } from '../model/gene-vocabulary.ts';
import { resolveGenes } from '../model/genes.ts';
import type { LangCellModel } from '../model/langcell.ts';
import type { Database } from '../store/database.ts';
import { deleteDataset, getDataset } from '../store/datasets.ts';
import { fetchSharedSource, shareSource } from '../store/shared-sources.ts';
import {
  activeJobsOfDataset,
  chunkIndexes,
  claimChunk,
  createIngestionUnlessNamed,
  releaseChunkClaims,
  unclaimedOrHostChunks,
  endJob,
  getJob,
  latestJobOfDataset,
  markJobStarted,
  notify,
  pendingChunks,
  unfinishedJobs,
  type IngestionJobDetail,
} from '../store/jobs.ts';
import type { DatasetRecord } from '../store/records.ts';
import type { ChunkMessage, IngestQueue } from './queue.ts';
import { openExpressionFile, type ExpressionSource, type OpenOptions } from './readers/index.ts';
import { readLabelMapFile } from './label-map-file.ts';
import { interrupted } from './readers/text-stream.ts';
import { ingestRequestSchema, type IngestRequest } from './request.ts';
import { stageTimer, storeChunk, type ChunkTarget } from './store-chunk.ts';
import { sourceValueGuard } from './tokenize-source.ts';

export interface IngestionContext {
  readonly db: Database;
  readonly model: LangCellModel;
  readonly queue: IngestQueue;
  /** Cells per chunk: the unit of work, of commit and of resume. */
  readonly chunkSize: number;
  /** Copy each source into the database so that workers on other machines can read it (store/shared-sources.ts). */
  readonly shareSources?: boolean;
  /** Where a worker keeps the sources it fetched from the database while their ingestions run. */
  readonly sourceCacheDir?: string;
  readonly log: (message: string) => void;
}

/** obs columns taken as the cell-type label when none is named, in this order (case-insensitive). */
export const LABEL_COLUMN_CANDIDATES = [
  'cell_type',
  'celltype',
  'cell_type_name',
  'cell_ontology_class',
  'cell_type_original',
  'cell_label',
  'label',
  'labels',
  'annotation',
  'bulk_labels',
] as const;

export function detectLabelColumn(columns: readonly string[]): string | null {
  const byLower = new Map(columns.map((column) => [column.toLowerCase(), column]));
  for (const candidate of LABEL_COLUMN_CANDIDATES) {
    const column = byLower.get(candidate);
    if (column !== undefined) return column;
  }
  return null;
}

/** sha256 of a file, or of a directory's files (name and content, in name order). */
export async function sourceDigest(path: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number }> {
  const info = await stat(path);
  const hash = createHash('sha256');
  let bytes = 0;
  const files = info.isDirectory() ? (await readdir(path)).sort().map((name) => join(path, name)) : [path];
  for (const file of files) {
    const fileInfo = await stat(file);
    if (!fileInfo.isFile()) continue;
    if (info.isDirectory()) hash.update(`${file.slice(path.length + 1)}\n`);
    for await (const chunk of createReadStream(file)) {
      if (signal?.aborted) throw interrupted(path);
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}

function openOptions(request: IngestRequest): OpenOptions {
  return {
    ...(request.format ? { format: request.format } : {}),
    ...(request.layer && request.layer !== 'auto' ? { matrix: request.layer } : {}),
    ...(request.genesAsRows !== undefined ? { genesAsRows: request.genesAsRows } : {}),
  };
}

function checkDuplicateIds(path: string, ids: readonly string[]): void {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) duplicates.push(id);
    else seen.add(id);
  }
  if (duplicates.length > 0) {
    throw new AtlasError(
      'DUPLICATE_CELL_IDS',
      `${path}: ${duplicates.length} cell ids occur more than once (e.g. ${[...new Set(duplicates)].slice(0, 3).join(', ')}). ` +
        'Make them unique first, e.g. `adata.obs_names_make_unique()` in anndata.',
      { path, field: 'obs_names', examples: duplicates.slice(0, 3) },
    );
  }
}

/** Reads chunks from the start until one holds values, and decides from it how the values are read. */
async function firstValueKind(source: ExpressionSource, where: string, stated: StatedValueType | undefined, signal?: AbortSignal): Promise<ValueKind> {
  const values = sourceValueGuard(source, stated === undefined ? {} : { stated: statedKind(stated) });
  for await (const chunk of source.chunks(256)) {
    if (signal?.aborted) throw interrupted(source.path);
    const kind = values.read(chunk);
    if (kind !== undefined) return kind;
  }
  throw new AtlasError('EMPTY_MATRIX', `${where} holds no non-zero values; there is nothing to rank.`, { path: source.path });
}

export interface StartedIngestion {
  readonly job: IngestionJobDetail;
  /** false when the same file was already ingested (or is being ingested) under this name. */
  readonly created: boolean;
}

/**
 * Validates the request and the file, then creates the dataset and its job and queues every chunk.
 * The same file under the same name again returns the existing job (resuming it if unfinished).
 */
export async function startIngestion(ctx: IngestionContext, given: IngestRequest, signal?: AbortSignal): Promise<StartedIngestion> {
  const parsed = ingestRequestSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new AtlasError('INVALID_INPUT', `Ingestion request: ${field}: ${issue.message}`, { field });
  }
  const request = parsed.data;
  const { name } = request;
  const path = resolve(request.path);
  try {
    await stat(path);
  } catch {
    throw new AtlasError('FILE_NOT_FOUND', `${path} does not exist.`, { path, field: 'path' });
  }
  const digest = await sourceDigest(path, signal);
  const existing = await existingIngestion(ctx, name, digest.sha256);
  if (existing) return existing;

  const source = await openExpressionFile(path, { ...openOptions(request), ...(signal ? { signal } : {}) });
  try {
    const where = `${path} (${source.matrixLocation})`;
    if (source.nCells === 0 || source.genes.index.length === 0) {
      throw new AtlasError('EMPTY_MATRIX', `${where} has ${source.nCells} cells and ${source.genes.index.length} genes; nothing to ingest.`, { path });
    }
    const mapping = resolveGenes(source.genes, bundleVocabulary(ctx.model.bundle), path);
    if (request.labelColumn !== undefined && !source.obsColumns.includes(request.labelColumn)) {
      throw new AtlasError(
        'LABEL_COLUMN_MISSING',
        `${path} has no cell column "${request.labelColumn}". Columns present: ${source.obsColumns.join(', ') || 'none'}.`,
        { path, field: 'labelColumn' },
      );
    }
    checkDuplicateIds(path, await source.cellIds());
    const valueKind = await firstValueKind(source, where, request.valueType, signal);
    const labelColumn = request.labelColumn ?? detectLabelColumn(source.obsColumns);
    const labelMap = request.labelMapPath === undefined ? undefined : Object.fromEntries(await readLabelMapFile(request.labelMapPath));
    const inserted = await createIngestionUnlessNamed(ctx.db, {
      dataset: {
        name,
        sourcePath: path,
        sourceSha256: digest.sha256,
        sourceBytes: digest.bytes,
        format: source.format,
        matrixLocation: source.matrixLocation,
        valueKind,
        species: request.species ?? 'human',
        modelId: ctx.model.id,
        totalCells: source.nCells,
        genesMatched: mapping.matched,
        genesTotal: mapping.total,
        labelColumn,
        metadataColumns: source.obsColumns.filter((column) => column !== labelColumn),
      },
      options: { ...request, path, name, ...(labelMap ? { labelMap } : {}) },
      chunkSize: ctx.chunkSize,
    });
    if (inserted === null) {
      // Another request created the name since the check above: answer as if it had come first.
      const winner = await existingIngestion(ctx, name, digest.sha256);
      if (winner) return winner;
      throw new AtlasError('DATASET_EXISTS', `A dataset named "${name}" was being created by another request; retry.`, { field: 'name' });
    }
    const { jobId, datasetId } = inserted;
    if (ctx.shareSources && (await stat(path)).isFile()) {
      const shared = await shareSource(ctx.db, datasetId, path);
      ctx.log(`dataset "${name}": source shared with every worker through the database (${shared} bytes)`);
    }
    ctx.log(`dataset "${name}": ${source.nCells} cells, ${mapping.matched}/${mapping.total} genes matched (${mapping.source}), values ${valueKind}, label column ${labelColumn ?? 'none'}; job ${jobId}`);
    await requeuePending(ctx, jobId);
    return { job: (await getJob(ctx.db, jobId))!, created: true };
  } finally {
    await source.close();
  }
}

/**
 * What a request for `name` meets: the existing job when the same file is (being) ingested under
 * it; DATASET_EXISTS when another file is; null when the name is free (a failed or cancelled
 * attempt is deleted first).
 */
async function existingIngestion(ctx: IngestionContext, name: string, sha256: string): Promise<StartedIngestion | null> {
  const existing = await getDataset(ctx.db, { name });
  if (!existing) return null;
  if (existing.sourceSha256 === sha256 && (existing.state === 'READY' || existing.state === 'INGESTING')) {
    const job = (await latestJobOfDataset(ctx.db, existing.id))!;
    if (existing.state === 'INGESTING') await requeuePending(ctx, job.id);
    return { job, created: false };
  }
  if (existing.state === 'READY' || existing.state === 'INGESTING') {
    throw new AtlasError(
      'DATASET_EXISTS',
      `A dataset named "${name}" already exists from another file (sha256 ${existing.sourceSha256.slice(0, 12)}…). ` +
        'Choose another name, or delete it first (API deleteDataset, CLI `langcell-atlas datasets delete NAME`).',
      { field: 'name' },
    );
  }
  await deleteDataset(ctx.db, existing.id); // a FAILED or CANCELLED attempt: start again
  return null;
}

/** Queues every chunk of a job that is not stored yet (after a crash, chunks in flight died with it). */
export async function requeuePending(ctx: IngestionContext, jobId: number): Promise<number> {
  const pending = await pendingChunks(ctx.db, jobId);
  await ctx.queue.enqueue(pending.map((chunk) => ({ jobId, ...chunk })));
  return pending.length;
}

/** This process as a chunk's claimant: `host:pid`. */
export const WORKER_NAME = `${hostname()}:${process.pid}`;

/** A live worker claims a chunk within milliseconds of taking its message; one taken this long ago and unclaimed has no worker. */
const UNCLAIMED_GRACE_MS = 30_000;

/**
 * Chunks whose message a worker took but that no live worker holds are queued afresh at once,
 * instead of when their messages expire (LANGCELL_CHUNK_TIMEOUT_S): those claimed by a process on
 * this host that no longer exists (killed, crashed), and those whose worker died between taking the
 * message and claiming the chunk. A claim on another machine is left to expire: whether a process
 * there is alive cannot be told from here.
 */
export async function reclaimDeadChunks(ctx: IngestionContext): Promise<number> {
  const host = hostname();
  const dead = [];
  for (const chunk of await unclaimedOrHostChunks(ctx.db, host)) {
    const pid = chunk.claimedBy === null ? null : Number(chunk.claimedBy.slice(host.length + 1));
    if (pid === process.pid) continue;
    const takenAt = await ctx.queue.takenAt(chunk.jobId, chunk.index);
    if (takenAt === null) continue;
    const gone = pid === null ? Date.now() - takenAt.getTime() > UNCLAIMED_GRACE_MS : Number.isInteger(pid) && processGone(pid);
    if (gone) dead.push(chunk);
  }
  await ctx.queue.reclaim(dead.map(({ jobId, index, start, end }) => ({ jobId, index, start, end })));
  await releaseChunkClaims(ctx.db, dead);
  if (dead.length > 0) ctx.log(`reclaimed ${dead.length} chunks taken by a worker that is gone`);
  return dead.length;
}

/** On start: hand back what dead workers on this host held, then queue what unfinished jobs still need. */
export async function resumeUnfinished(ctx: IngestionContext): Promise<IngestionJobDetail[]> {
  await reclaimDeadChunks(ctx);
  const jobs = await unfinishedJobs(ctx.db);
  for (const job of jobs) {
    const count = await requeuePending(ctx, job.id);
    ctx.log(`resuming ingestion job ${job.id} ("${job.datasetName}"): ${count} chunks left`);
  }
  return jobs;
}

export async function cancelIngestion(ctx: IngestionContext, jobId: number): Promise<IngestionJobDetail> {
  const job = await getJob(ctx.db, jobId);
  if (!job) throw new AtlasError('NOT_FOUND', `No ingestion job with id ${jobId}.`, { field: 'id' });
  if (!(await endJob(ctx.db, jobId, 'CANCELLED'))) {
    throw new AtlasError('JOB_NOT_CANCELLABLE', `Ingestion job ${jobId} has already ended (${job.state}).`, { field: 'id' });
  }
  // Its messages would otherwise be taken one poll at a time, each to be dropped, ahead of other jobs' chunks.
  await ctx.queue.discard(jobId, await chunkIndexes(ctx.db, jobId));
  return (await getJob(ctx.db, jobId))!;
}

/**
 * Deletes a dataset with its cells and jobs; a job still running is cancelled first so that its
 * workers stop, and its queue messages are removed. Every index listening drops the cells at once.
 * Returns null for an unknown id.
 */
export async function removeDataset(ctx: IngestionContext, id: number): Promise<DatasetRecord | null> {
  const active = await activeJobsOfDataset(ctx.db, id);
  const messages = await Promise.all(active.map(async (jobId) => ({ jobId, indexes: await chunkIndexes(ctx.db, jobId) })));
  for (const jobId of active) await endJob(ctx.db, jobId, 'CANCELLED');
  const deleted = await deleteDataset(ctx.db, id);
  for (const { jobId, indexes } of messages) await ctx.queue.discard(jobId, indexes);
  if (deleted) await notify(ctx.db.pool, { kind: 'job', jobId: 0, datasetId: id });
  return deleted;
}

/** What a worker keeps open per job: the file and how its cells are stored. */
interface OpenJob {
  readonly jobId: number;
  readonly source: ExpressionSource;
  readonly target: ChunkTarget;
}

const MAX_ATTEMPTS = 3;

/**
 * Takes chunk jobs from the queue and stores them. Deterministic refusals (an AtlasError, e.g. NaN
 * values in a later chunk) fail the whole job at once; other errors, and a source this worker
 * cannot see, are retried (by any worker), then fail it.
 */
export class IngestWorker {
  private open: OpenJob | undefined;
  private reclaimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: IngestionContext) {}

  /** Hands back what a dead worker on this host held (a restarted `ingest` or `worker`), then takes chunks. */
  async start(): Promise<void> {
    await reclaimDeadChunks(this.ctx);
    // Again while working: a worker killed between taking a message and claiming it is seen only later.
    this.reclaimer = setInterval(() => {
      reclaimDeadChunks(this.ctx).catch((error: Error) => this.ctx.log(`reclaiming dead chunks failed: ${error.message}`));
    }, UNCLAIMED_GRACE_MS);
    this.reclaimer.unref();
    await this.ctx.queue.work((chunk, attempt) => this.handle(chunk, attempt));
  }

  async close(): Promise<void> {
    clearInterval(this.reclaimer);
    await this.closeSource();
  }

  private async closeSource(): Promise<void> {
    await this.open?.source.close();
    this.open = undefined;
  }

  private async openJob(job: IngestionJobDetail): Promise<OpenJob> {
    if (this.open?.jobId === job.id) return this.open;
    await this.closeSource();
    const dataset = await getDataset(this.ctx.db, { id: job.datasetId });
    if (!dataset) throw new AtlasError('NOT_FOUND', `Dataset ${job.datasetId} of job ${job.id} is gone.`);
    const request = ingestRequestSchema.parse(job.options);
    const source = await openExpressionFile(await this.localSource(dataset), openOptions(request));
    this.open = {
      jobId: job.id,
      source,
      target: {
        jobId: job.id,
        datasetId: dataset.id,
        mapping: resolveGenes(source.genes, bundleVocabulary(this.ctx.model.bundle), dataset.sourcePath),
        values: new ValueKindGuard(`${source.path} (${source.matrixLocation})`, dataset.valueKind),
        valuePrecision: source.valuePrecision,
        labelColumn: dataset.labelColumn,
      },
    };
    return this.open;
  }

  /**
   * The source as a file this machine can read: where it was given when that exists here, else a
   * copy fetched once from the database (when the ingestion shared it) into the source cache and
   * checked against the dataset's sha256. FILE_NOT_FOUND when neither: another worker may see it.
   */
  private async localSource(dataset: DatasetRecord): Promise<string> {
    if (existsSync(dataset.sourcePath) || !this.ctx.sourceCacheDir) return dataset.sourcePath;
    const dir = join(this.ctx.sourceCacheDir, String(dataset.id));
    const cached = join(dir, basename(dataset.sourcePath));
    if (existsSync(cached)) return cached;
    await mkdir(dir, { recursive: true });
    const partial = `${cached}.${process.pid}.partial`;
    if (!(await fetchSharedSource(this.ctx.db, dataset.id, partial))) {
      await rm(dir, { recursive: true, force: true });
      throw new AtlasError('FILE_NOT_FOUND', `${dataset.sourcePath} is not on this machine and the ingestion did not share it (LANGCELL_SHARE_SOURCES=on).`, { path: dataset.sourcePath });
    }
    const digest = await sourceDigest(partial);
    if (digest.sha256 !== dataset.sourceSha256) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`the shared copy of ${dataset.sourcePath} has sha256 ${digest.sha256}, expected ${dataset.sourceSha256}`);
    }
    await rename(partial, cached);
    this.ctx.log(`fetched the source of dataset "${dataset.name}" from the database (${digest.bytes} bytes) into ${dir}`);
    return cached;
  }

  /** Processes one chunk message (the queue calls it; the ingest CLI runs the same worker in process). */
  async handle(message: ChunkMessage, attempt = 0): Promise<void> {
    const job = await getJob(this.ctx.db, message.jobId);
    if (!job || (job.state !== 'QUEUED' && job.state !== 'RUNNING')) return;
    try {
      await claimChunk(this.ctx.db, job.id, message.index, WORKER_NAME);
      await markJobStarted(this.ctx.db, job.id);
      const open = await this.openJob(job).catch((error: unknown) => {
        // This machine cannot see the file (a worker elsewhere than the upload): hand the chunk back
        // to the queue for another worker; the job fails only when no attempt could read it.
        if (isAtlasError(error) && error.code === 'FILE_NOT_FOUND' && attempt + 1 < MAX_ATTEMPTS) {
          throw new Error(`worker ${WORKER_NAME} cannot read the source of job ${job.id}; chunk ${message.index} released for another worker (${error.message})`);
        }
        throw error;
      });
      const timer = stageTimer();
      const chunks: CellChunk[] = [];
      for await (const chunk of open.source.chunks(message.end - message.start, { start: message.start, end: message.end })) chunks.push(chunk);
      timer.lap('read');
      const result = await storeChunk(this.ctx, open.target, message.index, chunks, timer);
      if (result.finished) {
        this.ctx.log(`ingestion job ${job.id} ("${job.datasetName}") finished`);
        await this.closeSource();
        if (this.ctx.sourceCacheDir) await rm(join(this.ctx.sourceCacheDir, String(job.datasetId)), { recursive: true, force: true });
      }
    } catch (error) {
      if (isAtlasError(error) || attempt + 1 >= MAX_ATTEMPTS) {
        const code = isAtlasError(error) ? error.code : 'INTERNAL';
        const text = error instanceof Error ? error.message : String(error);
        this.ctx.log(`ingestion job ${job.id} failed: ${code}: ${text}`);
        await endJob(this.ctx.db, job.id, 'FAILED', { code, message: text });
        await this.closeSource();
        return;
      }
      this.ctx.log(`ingestion job ${job.id}, chunk ${message.index}, attempt ${attempt + 1} of ${MAX_ATTEMPTS}: ${(error as Error).message}`);
      throw error;
    }
  }
}
