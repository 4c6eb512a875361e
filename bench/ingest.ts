// Ingestion end to end, as `langcell-atlas ingest` runs it: validation, then chunk jobs through the
// pg-boss queue to an in-process IngestWorker (read → tokenize → encode → store, one transaction
// per chunk), then the HNSW index built from the stored embeddings. Each workload gets a scratch
// database on the PostgreSQL at --admin-url. Per workload: cells/s from `startIngestion` to
// SUCCEEDED, the worker's own stage timings summed over chunks (the job's `timings`), what is left
// (validation, queue, bookkeeping), and the index build from the database.
//
// Workloads: the demo bundle on the demo atlas written as an h5ad (6,000 cells) and on pbmc68k
// (700 real PBMCs from shared/data); the `langcell`-size bench bundle on pbmc68k, if it was made.

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.ts';
import { openVectorIndex } from '../src/index/index.ts';
import { indexOptions, openRuntime } from '../src/runtime.ts';
import type { Precision } from '../src/model/manifest.ts';
import { IngestWorker, startIngestion } from '../src/ingest/ingestion.ts';
import { getJob, type IngestionJobDetail } from '../src/store/jobs.ts';
import { generateDemoAtlas } from '../seed/atlas.ts';
// The project's one h5ad writer lives with the test helpers; here it writes the demo atlas as a user's file.
import { writeH5ad } from '../test/helpers/h5ad-writer.ts';
import { scratchDatabase } from './lib/database.ts';
import { fixed, markdownTable, peakRssMiB, sampleRss, say } from './lib/measure.ts';
import { writeReport } from './lib/report.ts';
import { BENCH_BUNDLE_DIR, PBMC68K_H5AD } from './lib/workloads.ts';

const { values: options } = parseArgs({
  options: {
    'admin-url': { type: 'string', default: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    'demo-cells': { type: 'string', default: '6000' },
    'chunk-cells': { type: 'string', default: '' },
    'no-bench-bundle': { type: 'boolean', default: false },
    'no-demo': { type: 'boolean', default: false },
    'no-int8': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (options.help) {
  process.stdout.write(`npm run bench -- ingest [options]
  --admin-url URL      PostgreSQL where scratch databases are created and dropped (${options['admin-url']})
  --demo-cells N       cells of the demo atlas written as an h5ad (6000)
  --chunk-cells N      LANGCELL_INGEST_CHUNK_CELLS (default: the configured default)
  --no-bench-bundle    skip the langcell-size bundle even if bench/bundles/langcell exists
  --no-demo            skip the demo-bundle workloads
  --no-int8            skip the bench bundle's int8 graphs (run when its manifest has them)
`);
  process.exit(0);
}

interface Workload {
  readonly name: string;
  readonly bundle: string | undefined;
  readonly bundleName: string;
  readonly file: string;
  readonly precision?: Precision;
}

/**
 * openIngestionContext with the bundle's int8 graphs: src/ingest/context.ts does not pass a
 * precision yet (the start-up refactor will thread LANGCELL_PRECISION through), so the bench puts
 * the same pieces together. The random-weight bench bundle has no fidelity record to require.
 */

interface WorkloadResult {
  workload: string;
  bundle: string;
  cells: number;
  chunks: number;
  seconds: number;
  cellsPerSecond: number;
  stages: Record<string, number>;
  otherSeconds: number;
  indexSeconds: number;
  indexCellsPerSecond: number;
  endToEndWithIndexCellsPerSecond: number;
  /** Highest RSS sampled while the workload ran (includes whatever earlier workloads left behind). */
  peakRssMiB: number;
}


async function waitForJob(read: () => Promise<IngestionJobDetail | null>): Promise<IngestionJobDetail> {
  let lastReport = 0;
  for (;;) {
    const job = (await read())!;
    if (job.state === 'SUCCEEDED') return job;
    if (job.state === 'FAILED' || job.state === 'CANCELLED') throw new Error(`job ${job.state}: ${job.errorCode} ${job.errorMessage}`);
    if (Date.now() - lastReport > 10_000) {
      say(`  ${job.processedCells}/${job.totalCells} cells`);
      lastReport = Date.now();
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
  }
}

async function runWorkload(workload: Workload, scratch: string): Promise<WorkloadResult> {
  const database = await scratchDatabase(options['admin-url'], 'ingest');
  const log = () => undefined;
  const config = parseConfig({
    DATABASE_URL: database.url,
    LANGCELL_DATA_DIR: join(scratch, workload.name),
    ...(workload.bundle ? { LANGCELL_BUNDLE: workload.bundle } : {}),
    ...(options['chunk-cells'] ? { LANGCELL_INGEST_CHUNK_CELLS: options['chunk-cells'] } : {}),
  });
  const rss = sampleRss();
  const int8 = workload.precision === 'int8';
  // The bench bundle's int8 graphs have no fidelity record (random weights): measured as they are.
  const ctx = await openRuntime(int8 ? { ...config, LANGCELL_PRECISION: 'int8' } : config, log, { allowUnmeasuredInt8: int8 });
  const worker = new IngestWorker(ctx);
  try {
    await worker.start();
    say(`${workload.name}: ingesting ${workload.file} with the ${workload.bundleName} bundle`);
    const started = performance.now();
    const { job } = await startIngestion(ctx, { path: workload.file, name: workload.name, layer: 'auto', species: 'human' });
    const done = await waitForJob(() => getJob(ctx.db, job.id));
    const seconds = (performance.now() - started) / 1000;
    const indexStarted = performance.now();
    const index = await openVectorIndex(ctx.db, indexOptions(config, ctx.model, { persist: false, follow: false, rebuild: true, log }));
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    const indexed = index.count();
    await index.close();
    if (indexed !== done.processedCells) throw new Error(`index holds ${indexed} cells, the job stored ${done.processedCells}`);
    const stages = Object.fromEntries(['read', 'tokenize', 'encode', 'store'].map((stage) => [stage, done.timings[stage] ?? 0]));
    const stageSum = Object.values(stages).reduce((a, b) => a + b, 0);
    const result: WorkloadResult = {
      workload: workload.name,
      bundle: workload.bundleName,
      cells: done.processedCells,
      chunks: done.chunkCount,
      seconds,
      cellsPerSecond: done.processedCells / seconds,
      stages,
      otherSeconds: seconds - stageSum,
      indexSeconds,
      indexCellsPerSecond: indexed / indexSeconds,
      endToEndWithIndexCellsPerSecond: done.processedCells / (seconds + indexSeconds),
      peakRssMiB: rss.stop(),
    };
    say(`  ${result.cells} cells in ${fixed(seconds, 1)} s (${fixed(result.cellsPerSecond, 1)} cells/s); index ${fixed(indexSeconds, 2)} s`);
    return result;
  } finally {
    await worker.close();
    await ctx.close();
    await database.drop();
  }
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'langcell-bench-ingest-'));
  try {
    const demoCells = Number(options['demo-cells']);
    const demoFile = join(scratch, 'demo-atlas.h5ad');
    const atlas = generateDemoAtlas({ cells: demoCells });
    const dense = Array.from({ length: atlas.cells.length }, (_, row) => {
      const values = new Array<number>(atlas.genes.length).fill(0);
      for (let k = atlas.counts.indptr[row]!; k < atlas.counts.indptr[row + 1]!; k += 1) values[atlas.counts.indices[k]!] = atlas.counts.values[k]!;
      return values;
    });
    await writeH5ad(demoFile, {
      X: dense,
      layout: 'csr',
      encoding: 'modern',
      obs: { index: atlas.cells.map((c) => c.id), columns: { cell_type: { kind: 'categorical', values: atlas.cells.map((c) => c.label) }, donor: { kind: 'categorical', values: atlas.cells.map((c) => c.donor) } } },
      var: { index: atlas.genes.map((g) => g.ensemblId) },
    });
    const benchBundle = existsSync(PBMC68K_H5AD) && !options['no-bench-bundle'] && existsSync(join(BENCH_BUNDLE_DIR, 'manifest.json'));
    const benchInt8 = benchBundle && !options['no-int8'] && 'int8' in JSON.parse(readFileSync(join(BENCH_BUNDLE_DIR, 'manifest.json'), 'utf8'));
    const workloads: Workload[] = [
      ...(options['no-demo'] ? [] : [{ name: 'demo-atlas', bundle: undefined, bundleName: 'demo', file: demoFile }]),
      ...(existsSync(PBMC68K_H5AD) && !options['no-demo'] ? [{ name: 'pbmc68k', bundle: undefined, bundleName: 'demo', file: PBMC68K_H5AD }] : []),
      ...(benchBundle ? [{ name: 'pbmc68k-langcell', bundle: BENCH_BUNDLE_DIR, bundleName: 'langcell-size (random weights)', file: PBMC68K_H5AD }] : []),
      ...(benchInt8
        ? [{ name: 'pbmc68k-langcell-int8', bundle: BENCH_BUNDLE_DIR, bundleName: 'langcell-size (random weights), int8', file: PBMC68K_H5AD, precision: 'int8' as const }]
        : []),
    ];
    const results: WorkloadResult[] = [];
    for (const workload of workloads) results.push(await runWorkload(workload, scratch));

    const share = (r: WorkloadResult, seconds: number) => `${fixed(seconds, 2)} (${fixed((100 * seconds) / (r.seconds + r.indexSeconds), 0)}%)`;
    const markdown = [
      '## End to end',
      '',
      'Seconds from `startIngestion` (validation included) to SUCCEEDED, through the pg-boss queue and an in-process worker; then the HNSW index built from the database (`AtlasIndex.open` with rebuild). Stage seconds are the worker\'s, summed over chunks; "other" is validation, queueing and bookkeeping. Percentages are of ingestion plus index. Peak RSS: the highest resident set sampled (every 25 ms) while the workload ran, in this one process, so it includes what earlier workloads left behind.',
      '',
      markdownTable(
        ['workload', 'bundle', 'cells', 'chunks', 'cells/s', 'read s', 'tokenize s', 'encode s', 'store s', 'other s', 'index s', 'index cells/s', 'cells/s incl. index', 'peak RSS MiB'],
        results.map((r) => [
          r.workload,
          r.bundle,
          String(r.cells),
          String(r.chunks),
          fixed(r.cellsPerSecond, 1),
          share(r, r.stages.read!),
          share(r, r.stages.tokenize!),
          share(r, r.stages.encode!),
          share(r, r.stages.store!),
          share(r, r.otherSeconds),
          share(r, r.indexSeconds),
          fixed(r.indexCellsPerSecond, 0),
          fixed(r.endToEndWithIndexCellsPerSecond, 1),
          fixed(r.peakRssMiB, 0),
        ]),
      ),
      '',
      ...(() => {
        const fp32 = results.find((r) => r.workload === 'pbmc68k-langcell');
        const int8 = results.find((r) => r.workload === 'pbmc68k-langcell-int8');
        if (!fp32 || !int8) return [];
        const ratio = int8.cellsPerSecond / fp32.cellsPerSecond;
        return [
          `LangCell size, int8 ÷ fp32 in this run: ${fixed(ratio)}× cells/s (${fixed(int8.cellsPerSecond, 1)} vs ${fixed(fp32.cellsPerSecond, 1)}); ` +
            `target ≥ 1.8× today's 4.1 cells/s (bench/results/ingest-2026-11-30.md), i.e. ≥ 7.4 cells/s: ${int8.cellsPerSecond >= 1.8 * 4.1 ? 'met' : '**not met**'}; ` +
            `the same ratio against this run's fp32 (same machine load): ${ratio >= 1.8 ? 'met' : '**not met**'}. Peak RSS of this process over every workload: ${fixed(peakRssMiB(), 0)} MiB.`,
          '',
        ];
      })(),
    ].join('\n');
    process.stdout.write(`${markdown}\n`);
    const { mdPath } = await writeReport({
      name: 'ingest',
      title: 'Ingestion end to end',
      parameters: {
        demoCells,
        chunkCells: options['chunk-cells'] || 'configured default',
        workloads: workloads.map((w) => `${w.name}: ${w.bundleName} bundle`),
        database: 'scratch database on the local PostgreSQL',
      },
      results,
      markdown,
    });
    say(`report: ${mdPath}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
