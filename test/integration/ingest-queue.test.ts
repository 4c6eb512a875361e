/**
 * The ingestion queue under repeat requests, races and dead workers: one message per chunk however
 * often a job is requested or resumed, none left behind by a cancelled or deleted job, a dead
 * worker's chunk handed back at once on restart, and concurrent requests under one name answered
 * with DATASET_EXISTS (or the existing job), never an internal error. No worker runs here, so the
 * queue holds exactly what was put in it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAtlasError } from '../../src/errors.ts';
import { IngestWorker, cancelIngestion, removeDataset, resumeUnfinished, startIngestion } from '../../src/ingest/ingestion.ts';
import { CHUNK_QUEUE } from '../../src/ingest/queue.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { listDatasets } from '../../src/store/datasets.ts';
import { claimChunk, getJob } from '../../src/store/jobs.ts';
import { createTestDatabase, referenceCells, tempDir, testConfig, type TestDatabase } from '../helpers/atlas-db.ts';
import { writeMtxDir } from '../helpers/mtx-writer.ts';

const CELLS = 80;
const CHUNKS = 5; // 80 cells in chunks of 16
let database: TestDatabase;
let ctx: Runtime;
let dir: string;
const messages: string[] = [];

function mtxFile(name: string, seed: number): string {
  const cells = referenceCells(CELLS, seed);
  const path = join(dir, name);
  writeMtxDir(path, { matrix: cells.matrix, geneIds: cells.geneIds, geneSymbols: cells.geneSymbols, barcodes: cells.cellIds, version: 'v3' });
  return path;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDir('queue');
  ctx = await openRuntime(testConfig(database.url, join(dir, 'data'), { LANGCELL_INGEST_CHUNK_CELLS: '16' }), (m) => messages.push(m));
});

afterAll(async () => {
  await ctx?.close();
  await database?.drop();
});

describe('chunk messages', () => {
  it('one per chunk however often the same ingestion is requested or resumed', async () => {
    const path = mtxFile('repeat', 1);
    const first = await startIngestion(ctx, { path, name: 'repeat' });
    expect(first.created).toBe(true);
    for (let i = 0; i < 5; i += 1) expect((await startIngestion(ctx, { path, name: 'repeat' })).created).toBe(false);
    await resumeUnfinished(ctx);
    expect(await ctx.queue.waiting()).toBe(CHUNKS);

    // Cancelled: its messages go, not to be drained one poll at a time ahead of other jobs.
    await cancelIngestion(ctx, first.job.id);
    expect(await ctx.queue.waiting()).toBe(0);
  });

  it('none left by a deleted dataset', async () => {
    const started = await startIngestion(ctx, { path: mtxFile('deleted', 2), name: 'deleted' });
    expect(await ctx.queue.waiting()).toBe(CHUNKS);
    await removeDataset(ctx, started.job.datasetId);
    expect(await ctx.queue.waiting()).toBe(0);
  });

  it("a dead worker's chunk is queued afresh on restart, not left active until it expires", async () => {
    const started = await startIngestion(ctx, { path: mtxFile('dead', 3), name: 'dead' });
    // A worker takes one chunk (its message becomes active), claims it and dies.
    const boss = new PgBoss({ connectionString: database.url, max: 1 });
    await boss.start();
    const [taken] = await boss.fetch<{ jobId: number; index: number }>(CHUNK_QUEUE);
    await boss.stop({ graceful: false, close: true });
    expect(await ctx.queue.waiting()).toBe(CHUNKS - 1);
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    await claimChunk(ctx.db, started.job.id, taken!.data.index, `${hostname()}:${deadPid}`);

    await resumeUnfinished(ctx);
    expect(messages).toContain('reclaimed 1 chunks taken by a worker that is gone');
    expect(await ctx.queue.waiting()).toBe(CHUNKS);
    await removeDataset(ctx, started.job.datasetId);
  });
});

describe('concurrent ingestReference under one name', () => {
  it('answers DATASET_EXISTS or the existing job, never an internal error, and makes one dataset', async () => {
    const a = mtxFile('race-a', 4);
    const b = mtxFile('race-b', 5);
    const outcomes = await Promise.all(
      [a, b, a, b].map((path) =>
        startIngestion(ctx, { path, name: 'race' }).then(
          (started) => (started.created ? 'created' : 'existing'),
          (error: unknown) => (isAtlasError(error) ? error.code : `internal: ${(error as Error).message}`),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'created' && o !== 'existing' && o !== 'DATASET_EXISTS')).toEqual([]);
    expect((await listDatasets(ctx.db)).filter((d) => d.name === 'race')).toHaveLength(1);
  });
});

describe('a worker that cannot read the source', () => {
  it('releases the chunk for another worker; the job fails only when no attempt could read it', async () => {
    const path = mtxFile('elsewhere', 6);
    const started = await startIngestion(ctx, { path, name: 'elsewhere' });
    // As seen from a worker on another machine: the upload is not on its disk.
    renameSync(path, `${path}-moved`);
    const worker = new IngestWorker(ctx);
    const message = { jobId: started.job.id, index: 0, start: 0, end: 16 };
    await expect(worker.handle(message, 0)).rejects.toThrow(/cannot read the source of job .* released for another worker/);
    expect((await getJob(ctx.db, started.job.id))!.state).toBe('RUNNING');
    await worker.handle(message, 2);
    expect(await getJob(ctx.db, started.job.id)).toMatchObject({ state: 'FAILED', errorCode: 'FILE_NOT_FOUND' });
    await worker.close();
  });
});

describe('sources shared through the database (LANGCELL_SHARE_SOURCES=on)', () => {
  it('a worker on a machine without the file reads the shared copy, and the copy goes when the ingestion ends', async () => {
    const sharing = { ...ctx, shareSources: true, sourceCacheDir: join(dir, 'worker-cache') };
    // A single file (a 10x folder is not shared; see store/shared-sources.ts): the cells as a CSV.
    const csv = join(dir, 'shared.csv');
    const cells = referenceCells(CELLS, 7);
    writeFileSync(csv, [['cell', ...cells.geneIds].join(','), ...cells.matrix.map((row, i) => [cells.cellIds[i], ...row].join(','))].join('\n'));
    const started = await startIngestion(sharing, { path: csv, name: 'shared' });
    expect(messages.some((m) => m.includes('source shared with every worker through the database'))).toBe(true);
    // The worker is elsewhere: the file is not on its disk.
    renameSync(csv, `${csv}-elsewhere`);
    const worker = new IngestWorker(sharing);
    for (let index = 0; index < CHUNKS; index += 1) await worker.handle({ jobId: started.job.id, index, start: index * 16, end: (index + 1) * 16 }, 0);
    await worker.close();
    expect(await getJob(ctx.db, started.job.id)).toMatchObject({ state: 'SUCCEEDED', processedCells: CELLS });
    expect(messages.some((m) => m.includes('fetched the source of dataset "shared" from the database'))).toBe(true);
    const objects = await ctx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_largeobject_metadata');
    expect(objects.rows[0]!.n).toBe(0);
    expect(existsSync(join(dir, 'worker-cache', String(started.job.datasetId)))).toBe(false);
  });
});
