/**
 * Ingestion against a real PostgreSQL: a reference file in, cells stored exactly once, visible
 * only when complete, idempotent, refusals that leave nothing, and a worker killed with SIGKILL
 * that resumes. Files are made here from the demo atlas generator.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestRequest } from '../../src/atlas/types.ts';
import { AtlasError } from '../../src/errors.ts';
import { IngestWorker, startIngestion } from '../../src/ingest/ingestion.ts';
import { openRuntime, type Runtime } from '../../src/runtime.ts';
import { getDataset, listDatasets } from '../../src/store/datasets.ts';
import { getJob } from '../../src/store/jobs.ts';
import { createTestDatabase, referenceCells, tempDir, testConfig, type TestDatabase } from '../helpers/atlas-db.ts';
import { withFilterReplaced, writeH5ad, type H5adSpec } from '../helpers/h5ad-writer.ts';
import { writeMtxDir } from '../helpers/mtx-writer.ts';

const CELLS = 300;
let database: TestDatabase;
let ctx: Runtime;
let worker: IngestWorker;
let dir: string;
const reference = referenceCells(CELLS);

function h5adSpec(overrides: Partial<H5adSpec> = {}): H5adSpec {
  return {
    X: reference.matrix,
    layout: 'csr',
    encoding: 'modern',
    obs: {
      index: reference.cellIds,
      columns: {
        cell_type: { kind: 'categorical', values: reference.labels },
        donor: { kind: 'categorical', values: reference.donors },
      },
    },
    var: { index: reference.geneIds },
    dtype: '<f',
    ...overrides,
  };
}

async function waitForJob(jobId: number, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = (await getJob(ctx.db, jobId))!;
    if (job.state !== 'QUEUED' && job.state !== 'RUNNING') return job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function refusal(request: IngestRequest): Promise<string> {
  try {
    await startIngestion(ctx, request);
  } catch (error) {
    if (error instanceof AtlasError) return error.code;
    throw error;
  }
  throw new Error(`${request.path} was accepted`);
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDir('ingest');
  ctx = await openRuntime(testConfig(database.url, join(dir, 'data')), () => undefined);
  worker = new IngestWorker(ctx);
  await worker.start();
});

afterAll(async () => {
  await ctx?.close();
  await worker?.close();
  await database?.drop();
});

describe('ingesting an h5ad reference', () => {
  it('stores every cell once with its label and metadata, and is READY only when complete', async () => {
    const path = join(dir, 'reference.h5ad');
    await writeH5ad(path, h5adSpec());
    const { job, created } = await startIngestion(ctx, { path, name: 'reference' });
    expect(created).toBe(true);
    expect(job.chunkCount).toBe(Math.ceil(CELLS / 64));
    const done = await waitForJob(job.id);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.processedCells).toBe(CELLS);
    // Where the time went, summed over chunks: every stage of the worker, the cell insert included.
    expect(Object.keys(done.timings).sort()).toEqual(['encode', 'read', 'store', 'tokenize']);
    for (const seconds of Object.values(done.timings)) expect(seconds).toBeGreaterThan(0);

    const dataset = (await getDataset(ctx.db, { name: 'reference' }))!;
    expect(dataset).toMatchObject({ state: 'READY', cellCount: CELLS, totalCells: CELLS, labelColumn: 'cell_type', genesTotal: reference.geneIds.length });
    expect(dataset.metadataColumns).toEqual(['donor']);
    const rows = await ctx.db.pool.query<{ external_id: string; label: string; metadata: { donor: string }; row_index: number; gene_count: number }>(
      'SELECT external_id, label, metadata, row_index, gene_count FROM cell WHERE dataset_id = $1 ORDER BY row_index',
      [dataset.id],
    );
    expect(rows.rows.map((r) => r.external_id)).toEqual(reference.cellIds);
    expect(rows.rows.map((r) => r.label)).toEqual(reference.labels);
    expect(rows.rows.map((r) => r.metadata.donor)).toEqual(reference.donors);
    // Every non-zero gene is in the demo vocabulary, so each cell's token count is its gene count.
    const nonZero = reference.matrix.map((row) => row.filter((v) => v > 0).length);
    expect(rows.rows.map((r) => r.gene_count)).toEqual(nonZero.map((n) => Math.min(n, 2047)));
  });

  it('does nothing when the same file is ingested again under the same name', async () => {
    const path = join(dir, 'reference.h5ad');
    const before = await listDatasets(ctx.db);
    const { job, created } = await startIngestion(ctx, { path, name: 'reference' });
    expect(created).toBe(false);
    expect(job.state).toBe('SUCCEEDED');
    expect(await listDatasets(ctx.db)).toEqual(before);
    const count = await ctx.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM cell');
    expect(Number(count.rows[0]!.n)).toBe(CELLS);
  });

  it('refuses another file under a name in use', async () => {
    const path = join(dir, 'other.h5ad');
    await writeH5ad(path, h5adSpec({ X: reference.matrix.map((row) => row.map((v) => v * 2)) }));
    expect(await refusal({ path, name: 'reference' })).toBe('DATASET_EXISTS');
  });

  it('reads a 10x MTX folder (symbols resolved, no obs) as well', async () => {
    const mtx = join(dir, 'mtx');
    writeMtxDir(mtx, { matrix: reference.matrix.slice(0, 100), geneIds: reference.geneIds, geneSymbols: reference.geneSymbols, barcodes: reference.cellIds.slice(0, 100), version: 'v3' });
    const { job } = await startIngestion(ctx, { path: mtx, name: 'mtx' });
    expect((await waitForJob(job.id)).state).toBe('SUCCEEDED');
    expect((await getDataset(ctx.db, { name: 'mtx' }))!).toMatchObject({ cellCount: 100, labelColumn: null });
  });
});

describe('bad input is refused with its code and leaves nothing visible', () => {
  const spec = (name: string, write: (path: string) => Promise<void> | void, code: string, request: Partial<IngestRequest> = {}) => ({ name, write, code, request });
  const scaled = reference.matrix.map((row) => row.map((v) => (v > 0 ? Math.log1p(v) - 0.7 : -0.7)));
  const cases = [
    spec('missing', () => undefined, 'FILE_NOT_FOUND'),
    spec('not-hdf5', (p) => writeFileSync(p, 'this is not an HDF5 file\n'.repeat(100)), 'FILE_CORRUPT'),
    spec('truncated', async (p) => {
      await writeH5ad(p, h5adSpec());
      truncateSync(p, Math.floor(statSync(p).size / 3));
    }, 'FILE_TRUNCATED'),
    spec('blosc', async (p) => {
      await writeH5ad(p, h5adSpec({ compress: true }));
      withFilterReplaced(p);
    }, 'HDF5_FILTER_UNSUPPORTED'),
    spec('scaled', (p) => writeH5ad(p, h5adSpec({ X: scaled, dtype: '<f' })), 'SCALED_VALUES'),
    spec('nan', (p) => writeH5ad(p, h5adSpec({ X: reference.matrix.map((row, i) => (i === 0 ? row.map((v) => (v > 0 ? Number.NaN : 0)) : row)), layout: 'dense' })), 'NON_FINITE_VALUES'),
    spec('unknown-genes', (p) => writeH5ad(p, h5adSpec({ var: { index: reference.geneIds.map((_, i) => `ENSG9${String(i).padStart(10, '0')}`) } })), 'NO_VOCABULARY_GENES'),
    spec('few-genes', (p) => writeH5ad(p, h5adSpec({ var: { index: reference.geneIds.map((g, i) => (i < 5 ? g : `ENSG9${String(i).padStart(10, '0')}`)) } })), 'TOO_FEW_GENES_MATCHED'),
    spec('duplicates', (p) => writeH5ad(p, h5adSpec({ obs: { index: reference.cellIds.map((id, i) => (i === 5 ? reference.cellIds[4]! : id)) } })), 'DUPLICATE_CELL_IDS'),
    spec('no-label-column', (p) => writeH5ad(p, h5adSpec()), 'LABEL_COLUMN_MISSING', { labelColumn: 'celltype_fine' }),
    spec('all-zero', (p) => writeH5ad(p, h5adSpec({ X: reference.matrix.map((row) => row.map(() => 0)) })), 'EMPTY_MATRIX'),
    spec('shape', (p) => writeH5ad(p, h5adSpec({ declaredShape: [CELLS + 3, reference.geneIds.length] })), 'DIMENSION_MISMATCH'),
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.code}`, async () => {
      const path = join(dir, `${c.name}.h5ad`);
      await c.write(path);
      expect(await refusal({ path, name: c.name, ...c.request })).toBe(c.code);
      expect(await getDataset(ctx.db, { name: c.name })).toBeNull();
    });
  }

  it('NaN in a later chunk fails the job and removes what was stored', async () => {
    const path = join(dir, 'late-nan.h5ad');
    const matrix = reference.matrix.map((row, i) => (i === CELLS - 1 ? row.map((v) => (v > 0 ? Number.POSITIVE_INFINITY : 0)) : row));
    await writeH5ad(path, h5adSpec({ X: matrix }));
    const { job } = await startIngestion(ctx, { path, name: 'late-nan' });
    const done = await waitForJob(job.id);
    expect(done).toMatchObject({ state: 'FAILED', errorCode: 'NON_FINITE_VALUES' });
    expect((await getDataset(ctx.db, { name: 'late-nan' }))!).toMatchObject({ state: 'FAILED', cellCount: 0 });
    const stored = await ctx.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM cell WHERE dataset_id = $1', [done.datasetId]);
    expect(stored.rows[0]!.n).toBe('0');
  });
});

describe('a worker killed mid-job', () => {
  it('resumes after restart and stores every cell exactly once', async () => {
    const big = referenceCells(800, 11);
    const mtx = join(dir, 'big-mtx');
    writeMtxDir(mtx, { matrix: big.matrix, geneIds: big.geneIds, geneSymbols: big.geneSymbols, barcodes: big.cellIds, version: 'v3' });
    const env = { ...process.env, DATABASE_URL: database.url, LANGCELL_DATA_DIR: join(dir, 'cli-data'), LANGCELL_INGEST_CHUNK_CELLS: '16', LANGCELL_CPU_THREADS: '1' };
    // Stop taking chunks in this process, so that only the child works on this job.
    await ctx.queue.stop();
    const cli = (args: string[]) => spawn(process.execPath, ['bin/langcell-atlas.js', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });

    const first = cli(['ingest', mtx, '--name', 'big']);
    let stderr = '';
    first.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let killedAt = -1;
    for (let i = 0; i < 1200 && killedAt < 0; i += 1) {
      const row = await ctx.db.pool.query<{ processed_cells: number }>(`SELECT j.processed_cells FROM ingestion_job j JOIN dataset d ON d.id = j.dataset_id WHERE d.name = 'big'`);
      const processed = row.rows[0]?.processed_cells ?? 0;
      if (processed > 0) {
        first.kill('SIGKILL');
        killedAt = processed;
      } else await new Promise((done) => setTimeout(done, 50));
    }
    await new Promise((done) => first.once('exit', done));
    expect(killedAt, stderr).toBeGreaterThan(0);
    const midway = (await getDataset(ctx.db, { name: 'big' }))!;
    expect(midway.state).toBe('INGESTING');
    expect(midway.cellCount).toBeLessThan(800);

    const second = cli(['ingest', mtx, '--name', 'big']);
    let secondErr = '';
    second.stderr.on('data', (chunk: Buffer) => (secondErr += chunk.toString()));
    const code = await new Promise((done) => second.once('exit', done));
    expect(code, secondErr).toBe(0);
    expect(secondErr).toContain('resuming ingestion job');

    const dataset = (await getDataset(ctx.db, { name: 'big' }))!;
    expect(dataset).toMatchObject({ state: 'READY', cellCount: 800 });
    const counts = await ctx.db.pool.query<{ n: string; ids: string; rows: string }>(
      'SELECT count(*)::text AS n, count(DISTINCT external_id)::text AS ids, count(DISTINCT row_index)::text AS rows FROM cell WHERE dataset_id = $1',
      [dataset.id],
    );
    expect(counts.rows[0]).toEqual({ n: '800', ids: '800', rows: '800' });
  });
});
