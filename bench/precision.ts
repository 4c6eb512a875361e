// int8 graphs and the [CLS]-only CTM last layer (issue 13) against today's graphs, at LangCell's
// size with random weights. Two bundles made from the same seed (same weights): --base, exported
// before issue 13 (CTM computes every row of its last layer), and --bundle, exported with
// `--precision int8` (int8 twins, CTM's last layer on [CLS] only).
//
// - Encoder: LangCell's batching (fp32), our length buckets fp32, our length buckets int8, on
//   PBMC-like cells (pbmc68k) and synthetic full-transcriptome cells; all interleaved batch by
//   batch in one process (always advancing the configuration least far through its work), so
//   machine load hits them alike. Cell-embedding cosine int8 vs fp32 on the same cells.
// - Annotation per cell with CTM rerank (LangCellModel.annotateCells, top 3): today (base bundle,
//   fp32), [CLS]-only CTM alone (new bundle, fp32), and int8 + [CLS]-only (new bundle, int8);
//   interleaved slice by slice.
// - Peak RSS: a fresh process per configuration runs its heaviest batch (encoder) or one slice
//   (annotation).
// The int8 graphs of a random-weight bundle are opened without a fidelity record (its agreement
// figures would mean nothing); the fidelity that matters is the demo bundle's (manifest).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CELL_TYPE_LABELS } from '../seed/labels.ts';
import { DEFAULT_BATCHING, planFixedBatches, planLengthBuckets } from '../src/model/batching.ts';
import { bundleVocabulary } from '../src/model/gene-vocabulary.ts';
import { rowCosineStats } from '../src/model/fidelity.ts';
import { DEFAULT_ANNOTATE_OPTIONS, LangCellModel, type LabelSet } from '../src/model/langcell.ts';
import type { Precision } from '../src/model/manifest.ts';
import { fixed, markdownTable, now, peakRssMiB, say } from './lib/measure.ts';
import { runWorker } from './lib/processes.ts';
import { writeReport } from './lib/report.ts';
import { BENCH_BUNDLE_DIR, PBMC68K_H5AD, cycle, lengthSummary, requireBenchBundle, requireFile, syntheticCells, tokenizeFile } from './lib/workloads.ts';

const SELF = fileURLToPath(import.meta.url);
const BASE_BUNDLE_DIR = fileURLToPath(new URL('./bundles/langcell-base/', import.meta.url));

interface Way {
  name: string;
  bundle: string;
  precision: Precision;
  /** Encoder only: LangCell's fixed batches of 32 in dataset order, or our length buckets. */
  batching?: 'langcell' | 'buckets';
}

interface WorkerSpec {
  kind: 'encoder' | 'annotate' | 'rss-encoder' | 'rss-annotate';
  ways: Way[];
  cellsFile: string;
  threads: number;
  slice: number;
  labels: number;
}

interface WayResult {
  name: string;
  cells: number;
  seconds: number;
  cpuSeconds: number;
  batches: number;
}

interface WorkerResult {
  ways: WayResult[];
  cosine?: { min: number; p01: number; mean: number; cells: number };
  top1SameAsFirst?: number[];
  peakRssMiB?: number;
}

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: BASE_BUNDLE_DIR },
    bundle: { type: 'string', default: BENCH_BUNDLE_DIR },
    'pbmc-cells': { type: 'string', default: '128' },
    'full-cells': { type: 'string', default: '16' },
    'annotate-cells': { type: 'string', default: '16' },
    labels: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    'no-rss': { type: 'boolean', default: false },
    worker: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const open = (way: Way, threads: number) =>
  LangCellModel.open({
    bundleDir: way.bundle,
    precision: way.precision,
    allowUnmeasuredInt8: true,
    session: { provider: 'cpu', cpuThreads: threads },
    batching: DEFAULT_BATCHING,
  });

function batchesOf(way: Way, cells: readonly Int32Array[]): number[][] {
  const lengths = cells.map((c) => c.length);
  return way.batching === 'langcell' ? planFixedBatches(lengths.length, 32) : planLengthBuckets(lengths, DEFAULT_BATCHING);
}

async function encoderWorker(spec: WorkerSpec, cells: Int32Array[]): Promise<WorkerResult> {
  const runs = [];
  for (const way of spec.ways) {
    const model = await open(way, spec.threads);
    await model.embedCells(cells.slice(0, 2)); // prepacking and buffers out of the timing
    const batches = batchesOf(way, cells);
    const work = batches.map((b) => b.length * Math.max(...b.map((i) => cells[i]!.length)));
    runs.push({ way, model, batches, work, total: work.reduce((a, b) => a + b, 0), next: 0, done: 0, seconds: 0, cpu: 0, embeddings: new Float32Array(cells.length * model.embeddingDim) });
  }
  for (;;) {
    let pick = -1;
    let best = Number.POSITIVE_INFINITY;
    runs.forEach((run, i) => {
      if (run.next >= run.batches.length) return;
      const progress = (run.done + run.work[run.next]! / 2) / run.total;
      if (progress < best) [best, pick] = [progress, i];
    });
    if (pick < 0) break;
    const run = runs[pick]!;
    const batch = run.batches[run.next]!;
    const cpuStart = process.cpuUsage();
    const start = now();
    // One planned batch as one encoder call: the plan above is the batching under test.
    const { embeddings } = await run.model.embedCells(
      batch.map((i) => cells[i]!),
      { batching: { tokenBudget: Number.POSITIVE_INFINITY, maxBatchSize: batch.length } },
    );
    run.seconds += now() - start;
    const cpu = process.cpuUsage(cpuStart);
    run.cpu += (cpu.user + cpu.system) / 1e6;
    const dim = run.model.embeddingDim;
    batch.forEach((cell, row) => run.embeddings.set(embeddings.subarray(row * dim, (row + 1) * dim), cell * dim));
    run.done += run.work[run.next]!;
    run.next += 1;
  }
  const fp32 = runs.find((r) => r.way.precision === 'fp32' && r.way.batching === 'buckets')!;
  const int8 = runs.find((r) => r.way.precision === 'int8')!;
  return {
    ways: runs.map((r) => ({ name: r.way.name, cells: cells.length, seconds: r.seconds, cpuSeconds: r.cpu, batches: r.batches.length })),
    cosine: rowCosineStats(fp32.embeddings, int8.embeddings, fp32.model.embeddingDim),
  };
}

async function annotateWorker(spec: WorkerSpec, cells: Int32Array[]): Promise<WorkerResult> {
  const prompts = CELL_TYPE_LABELS.slice(0, spec.labels).map((l) => l.prompt);
  const runs: Array<{ way: Way; model: LangCellModel; labels: LabelSet; seconds: number; cpu: number; best: number[] }> = [];
  for (const way of spec.ways) {
    const model = await open(way, spec.threads);
    const labels = await model.labelSet(prompts);
    await model.annotateCells(cells.slice(0, 1), labels); // sessions created, weights prepacked
    runs.push({ way, model, labels, seconds: 0, cpu: 0, best: [] });
  }
  for (let start = 0; start < cells.length; start += spec.slice) {
    const slice = cells.slice(start, start + spec.slice);
    for (const run of runs) {
      const cpuStart = process.cpuUsage();
      const t = now();
      const decisions = await run.model.annotateCells(slice, run.labels, DEFAULT_ANNOTATE_OPTIONS);
      run.seconds += now() - t;
      const cpu = process.cpuUsage(cpuStart);
      run.cpu += (cpu.user + cpu.system) / 1e6;
      run.best.push(...decisions.map((d) => d.best));
    }
  }
  return {
    ways: runs.map((r) => ({ name: r.way.name, cells: cells.length, seconds: r.seconds, cpuSeconds: r.cpu, batches: Math.ceil(cells.length / spec.slice) })),
    top1SameAsFirst: runs.map((r) => r.best.filter((b, i) => b === runs[0]!.best[i]).length / cells.length),
  };
}

async function rssWorker(spec: WorkerSpec, cells: Int32Array[]): Promise<WorkerResult> {
  const way = spec.ways[0]!;
  const model = await open(way, spec.threads);
  if (spec.kind === 'rss-encoder') {
    const batches = batchesOf(way, cells);
    const padded = (b: number[]) => b.length * Math.max(...b.map((i) => cells[i]!.length)) ** 2;
    const heaviest = [...batches].sort((a, b) => padded(b) - padded(a))[0]!;
    await model.embedCells(
      heaviest.map((i) => cells[i]!),
      { batching: { tokenBudget: Number.POSITIVE_INFINITY, maxBatchSize: heaviest.length } },
    );
  } else {
    const labels = await model.labelSet(CELL_TYPE_LABELS.slice(0, spec.labels).map((l) => l.prompt));
    await model.annotateCells(cells.slice(0, spec.slice), labels, DEFAULT_ANNOTATE_OPTIONS);
  }
  return { ways: [], peakRssMiB: peakRssMiB() };
}

async function main(): Promise<void> {
  if (values.worker) {
    const spec = JSON.parse(await readFile(values.worker, 'utf8')) as WorkerSpec;
    const cells = (JSON.parse(await readFile(spec.cellsFile, 'utf8')) as number[][]).map((c) => Int32Array.from(c));
    const run = { encoder: encoderWorker, annotate: annotateWorker, 'rss-encoder': rssWorker, 'rss-annotate': rssWorker }[spec.kind];
    process.stdout.write(`${JSON.stringify(await run(spec, cells))}\n`);
    return;
  }
  if (values.help) {
    process.stdout.write(
      'npm run bench -- precision [--base bench/bundles/langcell-base] [--bundle bench/bundles/langcell]\n' +
        '  [--pbmc-cells 128] [--full-cells 16] [--annotate-cells 16] [--labels 8] [--threads 2] [--no-rss]\n',
    );
    return;
  }
  const base = values.base!;
  const bundle = values.bundle!;
  requireBenchBundle(base);
  requireBenchBundle(bundle);
  requireFile(PBMC68K_H5AD, 'the PBMC-like cells come from shared/data (LANGCELL_SHARED_DATA)');
  const threads = Number(values.threads);
  const baseModel = await LangCellModel.open({ bundleDir: base });
  const newModel = await LangCellModel.open({ bundleDir: bundle, precision: 'int8', allowUnmeasuredInt8: true });
  const baseFiles = baseModel.bundle.storedManifest.files;
  const newFiles = newModel.bundle.storedManifest.files;
  if (baseFiles['cell_encoder.onnx']!.sha256 !== newFiles['cell_encoder.onnx']!.sha256) {
    throw new Error(`${base} and ${bundle} have different cell encoders: export both from the same seed`);
  }
  const pbmc = await tokenizeFile(PBMC68K_H5AD, bundleVocabulary(newModel.bundle));
  const workloads = {
    'PBMC-like (pbmc68k)': cycle(pbmc, Number(values['pbmc-cells'])),
    'full-transcriptome (synthetic)': syntheticCells(Number(values['full-cells']), 800, 2048, newModel.bundle.manifest.cell.clsId, 7),
  };
  const annotateCells = cycle(pbmc, Number(values['annotate-cells']));
  const temp = await mkdtemp(join(tmpdir(), 'bench-precision-'));
  const worker = async (spec: Omit<WorkerSpec, 'cellsFile' | 'threads' | 'labels' | 'slice'>, cells: Int32Array[]): Promise<WorkerResult> => {
    const cellsFile = join(temp, `cells-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(cellsFile, JSON.stringify(cells.map((c) => Array.from(c))));
    const specFile = join(temp, `spec-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(specFile, JSON.stringify({ ...spec, cellsFile, threads, labels: Number(values.labels), slice: 4 }));
    return runWorker<WorkerResult>(SELF, ['--worker', specFile]);
  };
  const encoderWays: Way[] = [
    { name: 'LangCell batching, fp32', bundle: base, precision: 'fp32', batching: 'langcell' },
    { name: 'buckets, fp32', bundle: base, precision: 'fp32', batching: 'buckets' },
    { name: 'buckets, int8', bundle, precision: 'int8', batching: 'buckets' },
  ];
  const annotateWays: Way[] = [
    { name: 'today: fp32, CTM every row', bundle: base, precision: 'fp32' },
    { name: 'fp32, CTM [CLS]-only last layer', bundle, precision: 'fp32' },
    { name: 'int8 + CTM [CLS]-only', bundle, precision: 'int8' },
  ];
  try {
    const encoder: Record<string, WorkerResult> = {};
    const encoderRss: Record<string, number[]> = {};
    for (const [workload, cells] of Object.entries(workloads)) {
      say(`encoder: ${workload}, ${cells.length} cells, interleaved: ${encoderWays.map((w) => w.name).join('; ')} ...`);
      encoder[workload] = await worker({ kind: 'encoder', ways: encoderWays }, cells);
      for (const w of encoder[workload].ways) say(`  ${w.name}: ${fixed(w.cells / w.seconds)} cells/s`);
      if (!values['no-rss']) {
        encoderRss[workload] = [];
        for (const way of encoderWays) encoderRss[workload].push((await worker({ kind: 'rss-encoder', ways: [way] }, cells)).peakRssMiB!);
      }
    }
    say(`annotation: ${annotateCells.length} cells, ${values.labels} labels, interleaved slices of 4: ${annotateWays.map((w) => w.name).join('; ')} ...`);
    const annotation = await worker({ kind: 'annotate', ways: annotateWays }, annotateCells);
    for (const w of annotation.ways) say(`  ${w.name}: ${fixed((1000 * w.seconds) / w.cells)} ms per cell`);
    const annotationRss: number[] = [];
    if (!values['no-rss']) for (const way of annotateWays) annotationRss.push((await worker({ kind: 'rss-annotate', ways: [way] }, annotateCells)).peakRssMiB!);

    const rate = (w: WayResult) => w.cells / w.seconds;
    const encoderRows = Object.entries(encoder).flatMap(([workload, result]) => {
      const [langcell, fp32] = result.ways;
      return result.ways.map((w, i) => [
        workload,
        w.name,
        String(w.cells),
        String(w.batches),
        fixed(w.seconds, 1),
        fixed(rate(w)),
        `${fixed(rate(w) / rate(fp32!))}×`,
        `${fixed(rate(w) / rate(langcell!))}×`,
        `${fixed(langcell!.cpuSeconds / w.cpuSeconds)}×`,
        encoderRss[workload] ? fixed(encoderRss[workload][i], 0) : '–',
      ]);
    });
    const [today] = annotation.ways;
    const annotationRows = annotation.ways.map((w, i) => [
      w.name,
      String(w.cells),
      fixed((1000 * w.seconds) / w.cells, 1),
      `${fixed(today!.seconds / w.seconds)}×`,
      `${fixed(today!.cpuSeconds / w.cpuSeconds)}×`,
      `${fixed(100 * annotation.top1SameAsFirst![i]!, 1)}%`,
      annotationRss[i] === undefined ? '–' : fixed(annotationRss[i], 0),
    ]);
    const pbmcRatio = (() => {
      const r = encoder['PBMC-like (pbmc68k)']!.ways;
      return rate(r[2]!) / rate(r[1]!);
    })();
    const fullWays = encoder['full-transcriptome (synthetic)']!.ways;
    const targets = [
      ['int8 encoder ÷ fp32 length-bucketed, PBMC-like', '≥ 1.8×', `${fixed(pbmcRatio)}×`, pbmcRatio >= 1.8 ? 'yes' : '**no**'],
      ['int8 encoder ÷ fp32 length-bucketed, full-transcriptome', '≥ 1.8×', `${fixed(rate(fullWays[2]!) / rate(fullWays[1]!))}×`, rate(fullWays[2]!) / rate(fullWays[1]!) >= 1.8 ? 'yes' : '**no**'],
      ['int8 buckets ÷ LangCell batching (fp32), full-transcriptome', '≥ 2.5×', `${fixed(rate(fullWays[2]!) / rate(fullWays[0]!))}×`, rate(fullWays[2]!) / rate(fullWays[0]!) >= 2.5 ? 'yes' : '**no**'],
      ['annotation per cell with rerank: int8 + [CLS]-only ÷ today', '≥ 1.5×', `${fixed(today!.seconds / annotation.ways[2]!.seconds)}×`, today!.seconds / annotation.ways[2]!.seconds >= 1.5 ? 'yes' : '**no**'],
    ];
    const cosines = Object.entries(encoder).map(([workload, r]) => [workload, String(r.cosine!.cells), fixed(r.cosine!.min, 5), fixed(r.cosine!.p01, 5), fixed(r.cosine!.mean, 6)]);
    const markdown = [
      '## Targets (issue 13)',
      '',
      markdownTable(['measure', 'target', 'measured', 'met'], targets),
      '',
      '## Cell encoder',
      '',
      `PBMC-like = pbmc68k_reduced cells tokenized with the bundle's vocabulary (${JSON.stringify(lengthSummary(workloads['PBMC-like (pbmc68k)']))} tokens), repeated in file order; full-transcriptome = synthetic cells of 800–2,048 tokens (${JSON.stringify(lengthSummary(workloads['full-transcriptome (synthetic)']))}). The three ran interleaved batch by batch in one process at ${threads} threads. LangCell batching = batches of 32 in dataset order, padded to the longest; buckets = src/model/batching.ts defaults (token budget ${DEFAULT_BATCHING.tokenBudget}, max batch ${DEFAULT_BATCHING.maxBatchSize}). Peak RSS: a fresh process running the configuration's heaviest batch.`,
      '',
      markdownTable(['workload', 'way', 'cells', 'batches', 's', 'cells/s', '÷ fp32 buckets', '÷ LangCell', '÷ LangCell (CPU s)', 'peak RSS MiB'], encoderRows),
      '',
      'Cell-embedding cosine, int8 vs fp32 (buckets), same cells (random weights: the size of the quantization error, not its effect on answers):',
      '',
      markdownTable(['workload', 'cells', 'min', '1st percentile', 'mean'], cosines),
      '',
      '## Annotation per cell with CTM rerank',
      '',
      `LangCellModel.annotateCells (zero-shot over ${values.labels} demo labels, CTM on the top 3 where it can change the answer), the same ${annotateCells.length} pbmc68k cells, the three ways interleaved slice of 4 cells by slice; time includes the cell encoder. Random weights settle few cells on their favourite, so CTM runs on about 3 labels per cell in every way. Peak RSS: a fresh process annotating one slice. "same top-1 as today" means nothing with random weights beyond showing the ways ran the same inputs.`,
      '',
      markdownTable(['way', 'cells', 'ms per cell', '÷ today', '÷ today (CPU s)', 'same top-1 as today', 'peak RSS MiB'], annotationRows),
      '',
    ].join('\n');
    process.stdout.write(`${markdown}\n`);
    await writeReport({
      name: 'precision',
      title: 'int8 graphs and the [CLS]-only CTM last layer vs today (LangCell size, random weights)',
      parameters: { base: baseModel.id, bundle: `${newModel.bundle.storedManifest.id} (int8 ${newModel.id})`, threads, 'pbmc cells': values['pbmc-cells'], 'full cells': values['full-cells'], 'annotate cells': values['annotate-cells'], labels: values.labels },
      results: { encoder, encoderRss, annotation, annotationRss },
      markdown,
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

await main();
