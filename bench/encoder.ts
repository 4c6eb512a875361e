// Cell encoder throughput on the bench bundle (LangCell's sizes, random weights), CPU:
// - LangCell's batching (dataset order, 32 cells padded to the longest) against ours (length
//   buckets under a token budget, src/model/batching.ts through the real CellEncoder), same run;
// - PBMC-like lengths (pbmc68k tokenized with the bundle's vocabulary) and full-transcriptome
//   lengths (synthetic, 800–2,048 tokens);
// - intra-op threads 1, 2 and onnxruntime's default; peak RSS per configuration;
// - achieved GFLOP/s against the practical fp32 peak of a large MatMul through onnxruntime-node;
// - the PyTorch reference of the same weights with LangCell's batching (bench/pytorch_reference.py).
// Every measured configuration runs in its own node process (see lib/processes.ts).

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { planFixedBatches, planLengthBuckets, type BatchingOptions } from '../src/model/batching.ts';
import { loadBundle } from '../src/model/bundle.ts';
import { CellEncoder } from '../src/model/encoders.ts';
import { bundleVocabulary } from '../src/model/gene-vocabulary.ts';
import { SessionFactory, ort } from '../src/model/sessions.ts';
import { encoderFlops, paddedBatchFlops, type EncoderDims } from './lib/flops.ts';
import { fixed, markdownTable, median, now, peakRssMiB, say } from './lib/measure.ts';
import { findTorchPython, runPython, runWorker } from './lib/processes.ts';
import { writeReport } from './lib/report.ts';
import { BENCH_BUNDLE_DIR, PBMC68K_H5AD, REPO_ROOT, cycle, lengthSummary, requireBenchBundle, requireFile, syntheticCells, tokenizeFile } from './lib/workloads.ts';

const SELF = fileURLToPath(import.meta.url);
const PYTORCH_SCRIPT = fileURLToPath(new URL('./pytorch_reference.py', import.meta.url));
const MATMUL_DIR = fileURLToPath(new URL('./bundles/', import.meta.url));

type Batching = 'langcell' | 'buckets';

interface EncodeSpec {
  kind: 'encode';
  bundle: string;
  cellsFile: string;
  batching: Batching;
  /** 0 = onnxruntime's default. */
  threads: number;
  batchSize: number;
  buckets: BatchingOptions;
  chunkSize: number;
}

interface MatmulSpec {
  kind: 'matmul';
  model: string;
  threads: number;
  m: number;
  k: number;
  n: number;
  repeats: number;
}

interface EncodeResult {
  cells: number;
  batches: number;
  seconds: number;
  tokens: number;
  paddedTokens: number;
  executedFlops: number;
  usefulFlops: number;
  rssAfterLoadMiB: number;
  peakRssMiB: number;
}

interface MatmulResult {
  threads: number;
  shape: string;
  medianSeconds: number;
  gflops: number;
}

interface PytorchResult {
  cells: number;
  batches: number;
  seconds: number;
  batchSeconds: number[];
  tokens: number;
  paddedTokens: number;
  threads: number;
  torch: string;
  blas: string;
  weights: { referenceCells: number; maxAbsDiff: number };
}

function dimsOf(manifest: { cell: { layers: number; hiddenSize: number; intermediateSize: number }; embeddingDim: number }): EncoderDims {
  return { layers: manifest.cell.layers, hidden: manifest.cell.hiddenSize, intermediate: manifest.cell.intermediateSize, projection: manifest.embeddingDim };
}

/** The batches a configuration runs, as index lists into the cells (the encoder plans buckets the same way). */
function plannedBatches(lengths: readonly number[], spec: EncodeSpec): number[][] {
  if (spec.batching === 'langcell') return planFixedBatches(lengths.length, spec.batchSize);
  const batches: number[][] = [];
  for (let start = 0; start < lengths.length; start += spec.chunkSize) {
    const chunk = lengths.slice(start, start + spec.chunkSize);
    batches.push(...planLengthBuckets(chunk, spec.buckets).map((batch) => batch.map((i) => i + start)));
  }
  return batches;
}

async function encodeWorker(spec: EncodeSpec): Promise<EncodeResult> {
  const bundle = await loadBundle(spec.bundle);
  const dims = dimsOf(bundle.manifest);
  const cells = (JSON.parse(await readFile(spec.cellsFile, 'utf8')) as number[][]).map((c) => Int32Array.from(c));
  const encoder = await CellEncoder.create(bundle, new SessionFactory({ provider: 'cpu', cpuThreads: spec.threads }));
  // First run allocates onnxruntime's buffers and prepacks weights; keep it out of the timing.
  await encoder.encode(cells.slice(0, 2));
  const rssAfterLoadMiB = process.memoryUsage.rss() / 2 ** 20;
  const batches = plannedBatches(
    cells.map((c) => c.length),
    spec,
  );
  const start = now();
  if (spec.batching === 'langcell') {
    // One padded batch per call, exactly as LangCell's loader yields them.
    const oneBatch: BatchingOptions = { tokenBudget: Number.POSITIVE_INFINITY, maxBatchSize: spec.batchSize };
    for (const batch of batches) await encoder.encode(batch.map((i) => cells[i]!), { batching: oneBatch });
  } else {
    // As `embed` does: chunks of cells, each planned into length buckets by the encoder.
    for (let first = 0; first < cells.length; first += spec.chunkSize) {
      await encoder.encode(cells.slice(first, first + spec.chunkSize), { batching: spec.buckets });
    }
  }
  const seconds = now() - start;
  let paddedTokens = 0;
  let executedFlops = 0;
  for (const batch of batches) {
    const length = Math.max(...batch.map((i) => cells[i]!.length));
    paddedTokens += batch.length * length;
    executedFlops += paddedBatchFlops(batch.length, length, dims);
  }
  return {
    cells: cells.length,
    batches: batches.length,
    seconds,
    tokens: cells.reduce((sum, c) => sum + c.length, 0),
    paddedTokens,
    executedFlops,
    usefulFlops: cells.reduce((sum, c) => sum + encoderFlops(c.length, dims), 0),
    rssAfterLoadMiB,
    peakRssMiB: peakRssMiB(),
  };
}

async function matmulWorker(spec: MatmulSpec): Promise<MatmulResult> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (spec.threads > 0) {
    options.intraOpNumThreads = spec.threads;
    options.interOpNumThreads = 1;
  }
  const session = await ort.InferenceSession.create(spec.model, options);
  const input = new Float32Array(spec.m * spec.k);
  for (let i = 0; i < input.length; i += 1) input[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  const feeds = { x: new ort.Tensor('float32', input, [spec.m, spec.k]) };
  for (let i = 0; i < 3; i += 1) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < spec.repeats; i += 1) {
    const start = now();
    await session.run(feeds);
    times.push(now() - start);
  }
  const seconds = median(times);
  return { threads: spec.threads, shape: `${spec.m}×${spec.k} · ${spec.k}×${spec.n}`, medianSeconds: seconds, gflops: (2 * spec.m * spec.k * spec.n) / seconds / 1e9 };
}

const threadName = (threads: number): string => (threads === 0 ? 'default' : String(threads));

type Workload = 'pbmc' | 'full';

interface RunKey {
  workload: Workload;
  batching: Batching;
  threads: number;
  /** Token budget of the buckets (LangCell's batching has none). */
  budget: number | null;
}

interface Measured extends RunKey {
  /** Passes summed (ABBA order runs each configuration twice). */
  passes: number;
  cells: number;
  batches: number;
  seconds: number;
  tokens: number;
  paddedTokens: number;
  executedFlops: number;
  usefulFlops: number;
  rssAfterLoadMiB: number;
  peakRssMiB: number;
}

const sameKey = (a: RunKey, b: RunKey): boolean => a.workload === b.workload && a.batching === b.batching && a.threads === b.threads && a.budget === b.budget;

/**
 * LangCell's batching first, then ours; with two rounds A, B, extras, B, A, so that a steady drift in
 * the machine's load cancels out of the A/B ratio and the extras (other budgets or threads) sit at
 * the same mean time.
 */
function abba(workload: Workload, threads: number, budget: number, rounds: number, extras: readonly RunKey[]): RunKey[] {
  const a: RunKey = { workload, batching: 'langcell', threads, budget: null };
  const b: RunKey = { workload, batching: 'buckets', threads, budget };
  return rounds >= 2 ? [a, b, ...extras, b, a] : [a, b, ...extras];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bundle: { type: 'string', default: BENCH_BUNDLE_DIR },
      'pbmc-cells': { type: 'string', default: '128' },
      'full-cells': { type: 'string', default: '16' },
      'full-min': { type: 'string', default: '800' },
      'full-max': { type: 'string', default: '2048' },
      rounds: { type: 'string', default: '2' },
      'full-rounds': { type: 'string', default: '1' },
      threads: { type: 'string', default: '2' },
      'thread-sweep': { type: 'string', default: '1,0' },
      'batch-size': { type: 'string', default: '32' },
      'token-budget': { type: 'string', default: '16384' },
      'budget-sweep': { type: 'string', default: '4096' },
      'max-batch': { type: 'string', default: '64' },
      'chunk-size': { type: 'string', default: '512' },
      'torch-cells': { type: 'string', default: '4' },
      'torch-full-cells': { type: 'string', default: '0' },
      'torch-max-seconds': { type: 'string', default: '300' },
      'no-peak': { type: 'boolean', default: false },
      worker: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.worker) {
    const spec = JSON.parse(await readFile(values.worker, 'utf8')) as EncodeSpec | MatmulSpec;
    const result = spec.kind === 'encode' ? await encodeWorker(spec) : await matmulWorker(spec);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (values.help) {
    process.stdout.write(
      'npm run bench -- encoder [options]\n' +
        '  --pbmc-cells 128 --full-cells 16 --full-min 800 --full-max 2048   workload sizes\n' +
        '  --rounds 2 --full-rounds 1     1 = LangCell, buckets, extras; 2 = LangCell, buckets, extras, buckets, LangCell\n' +
        '  --threads 2                    intra-op threads of the main comparison (0 = onnxruntime default)\n' +
        '  --thread-sweep 1,0             further thread settings for our encoder on the PBMC-like cells\n' +
        '  --batch-size 32                LangCell batch size\n' +
        '  --token-budget 16384 --max-batch 64 --chunk-size 512   our buckets (src/model/batching.ts)\n' +
        '  --budget-sweep 4096            further token budgets for our encoder (both workloads; "" for none)\n' +
        '  --torch-cells 4 --torch-full-cells 0 --torch-max-seconds 300   PyTorch reference (0 skips)\n' +
        '  --no-peak                      skip the MatMul peak\n' +
        '  --bundle DIR                   default bench/bundles/langcell\n',
    );
    return;
  }
  const int = (name: keyof typeof values): number => Number.parseInt(String(values[name]), 10);
  const intList = (name: keyof typeof values): number[] => [...new Set(String(values[name]).split(',').filter(Boolean).map((t) => Number.parseInt(t, 10)))];
  const bundleDir = values.bundle!;
  requireBenchBundle(bundleDir);
  requireFile(PBMC68K_H5AD, 'the PBMC-like workload reads pbmc68k from shared/data (set LANGCELL_SHARED_DATA to its folder)');
  const mainThreads = int('threads');
  const mainBudget = int('token-budget');
  const batchSize = int('batch-size');
  const chunkSize = int('chunk-size');
  const maxBatch = int('max-batch');

  say(`loading ${bundleDir} ...`);
  const bundle = await loadBundle(bundleDir);
  const dims = dimsOf(bundle.manifest);
  const pbmcAll = await tokenizeFile(PBMC68K_H5AD, bundleVocabulary(bundle));
  const workloads: Record<Workload, Int32Array[]> = {
    pbmc: cycle(pbmcAll, int('pbmc-cells')),
    full: syntheticCells(int('full-cells'), int('full-min'), int('full-max'), bundle.manifest.cell.clsId, 7),
  };
  const temp = await mkdtemp(join(tmpdir(), 'bench-encoder-'));
  try {
    const cellsFiles: Record<Workload, string> = { pbmc: join(temp, 'pbmc.json'), full: join(temp, 'full.json') };
    for (const workload of ['pbmc', 'full'] as const) {
      await writeFile(cellsFiles[workload], JSON.stringify(workloads[workload].map((c) => Array.from(c))));
    }
    const budgets = intList('budget-sweep').filter((b) => b !== mainBudget);
    const extraBudgets = (workload: Workload): RunKey[] => budgets.map((budget) => ({ workload, batching: 'buckets', threads: mainThreads, budget }));
    const extraThreads = intList('thread-sweep')
      .filter((t) => t !== mainThreads)
      .map((threads): RunKey => ({ workload: 'pbmc', batching: 'buckets', threads, budget: mainBudget }));
    const plan: RunKey[] = [
      ...abba('pbmc', mainThreads, mainBudget, int('rounds'), [...extraBudgets('pbmc'), ...extraThreads]),
      ...abba('full', mainThreads, mainBudget, int('full-rounds'), extraBudgets('full')),
    ].filter((key) => workloads[key.workload].length > 0);

    const measured: Measured[] = [];
    let specIndex = 0;
    for (const key of plan) {
      const spec: EncodeSpec = {
        kind: 'encode',
        bundle: bundleDir,
        cellsFile: cellsFiles[key.workload],
        batching: key.batching,
        threads: key.threads,
        batchSize,
        buckets: { tokenBudget: key.budget ?? mainBudget, maxBatchSize: maxBatch },
        chunkSize,
      };
      const specFile = join(temp, `spec-${(specIndex += 1)}.json`);
      await writeFile(specFile, JSON.stringify(spec));
      const label = `${key.workload}, ${key.batching}${key.budget ? ` ${key.budget}` : ''}, threads ${threadName(key.threads)}`;
      say(`encoder: ${label}, ${workloads[key.workload].length} cells ...`);
      const r = await runWorker<EncodeResult>(SELF, ['--worker', specFile]);
      say(`  ${fixed(r.cells / r.seconds)} cells/s, ${fixed(r.executedFlops / r.seconds / 1e9, 1)} GFLOP/s, peak RSS ${fixed(r.peakRssMiB, 0)} MiB`);
      const existing = measured.find((m) => sameKey(m, key));
      if (existing) {
        existing.passes += 1;
        for (const field of ['cells', 'batches', 'seconds', 'tokens', 'paddedTokens', 'executedFlops', 'usefulFlops'] as const) existing[field] += r[field];
        existing.rssAfterLoadMiB = Math.max(existing.rssAfterLoadMiB, r.rssAfterLoadMiB);
        existing.peakRssMiB = Math.max(existing.peakRssMiB, r.peakRssMiB);
      } else {
        measured.push({ ...key, passes: 1, ...r });
      }
    }

    // Practical peak: a large MatMul through the same runtime, at every thread setting used.
    const matmuls: MatmulResult[] = [];
    const python = findTorchPython();
    if (!values['no-peak']) {
      if (!python) say('no python3 with torch: skipping the MatMul peak (tools/model/README.md)');
      const threadSettings = [mainThreads, ...intList('thread-sweep').filter((t) => t !== mainThreads)];
      const shapes: Array<[number, number, number[]]> = [
        [1024, 1024, threadSettings],
        [512, 1024, [mainThreads]],
      ];
      for (const [k, n, threadList] of python ? shapes : []) {
        const model = join(MATMUL_DIR, `matmul-${k}x${n}.onnx`);
        if (!existsSync(model)) await runPython(python!, PYTORCH_SCRIPT, ['matmul-model', '--out', model, '--k', String(k), '--n', String(n)], REPO_ROOT);
        for (const threads of threadList) {
          const spec: MatmulSpec = { kind: 'matmul', model, threads, m: 4096, k, n, repeats: 10 };
          const specFile = join(temp, `spec-${(specIndex += 1)}.json`);
          await writeFile(specFile, JSON.stringify(spec));
          const result = await runWorker<MatmulResult>(SELF, ['--worker', specFile]);
          say(`matmul ${result.shape}, threads ${threadName(threads)}: ${fixed(result.gflops, 1)} GFLOP/s`);
          matmuls.push(result);
        }
      }
    }

    // PyTorch reference, LangCell's batching, same threads.
    const pytorch: Partial<Record<Workload, PytorchResult>> = {};
    const torchCells: Record<Workload, number> = { pbmc: int('torch-cells'), full: int('torch-full-cells') };
    for (const workload of ['pbmc', 'full'] as const) {
      if (torchCells[workload] <= 0) continue;
      if (!python) {
        say('no python3 with torch: skipping the PyTorch reference');
        break;
      }
      const file = join(temp, `torch-${workload}.json`);
      await writeFile(file, JSON.stringify(workloads[workload].slice(0, torchCells[workload]).map((c) => Array.from(c))));
      const threads = mainThreads === 0 ? cpus().length : mainThreads;
      say(`pytorch: ${workload}, LangCell batching, threads ${threads}, ${torchCells[workload]} cells ...`);
      pytorch[workload] = await runPython<PytorchResult>(
        python,
        PYTORCH_SCRIPT,
        ['encoder', '--bundle', bundleDir, '--cells', file, '--batch-size', String(batchSize), '--threads', String(threads), '--max-seconds', String(values['torch-max-seconds'])],
        REPO_ROOT,
      );
    }

    await report({
      bundleId: bundle.manifest.id,
      dims,
      workloads,
      measured,
      matmuls,
      pytorch,
      mainThreads,
      mainBudget,
      batchSize,
      maxBatch,
      chunkSize,
      pbmcFileCells: pbmcAll.length,
      rounds: { pbmc: int('rounds'), full: int('full-rounds') },
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

interface ReportInput {
  bundleId: string;
  dims: EncoderDims;
  workloads: Record<Workload, Int32Array[]>;
  measured: Measured[];
  matmuls: MatmulResult[];
  pytorch: Partial<Record<Workload, PytorchResult>>;
  mainThreads: number;
  mainBudget: number;
  batchSize: number;
  maxBatch: number;
  chunkSize: number;
  pbmcFileCells: number;
  rounds: Record<Workload, number>;
}

const WORKLOAD_NAME: Record<Workload, string> = { pbmc: 'PBMC-like (pbmc68k)', full: 'full-transcriptome (synthetic)' };

async function report(input: ReportInput): Promise<void> {
  const { measured, matmuls, pytorch, mainThreads, mainBudget } = input;
  const rate = (m: Measured | undefined) => (m ? m.cells / m.seconds : undefined);
  const gflops = (m: Measured | undefined) => (m ? m.executedFlops / m.seconds / 1e9 : Number.NaN);
  const find = (workload: Workload, batching: Batching, threads = mainThreads, budget: number | null = batching === 'buckets' ? mainBudget : null) =>
    measured.find((m) => sameKey(m, { workload, batching, threads, budget }));
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : Number.NaN);
  const peakAt = (threads: number) => {
    const values = matmuls.filter((m) => m.threads === threads).map((m) => m.gflops);
    return values.length > 0 ? Math.max(...values) : Number.NaN;
  };
  const torchRate = (workload: Workload) => {
    const t = pytorch[workload];
    return t ? t.cells / t.seconds : undefined;
  };
  const mainPeak = peakAt(mainThreads);
  const targets = [
    { what: 'PBMC-like: buckets ÷ LangCell batching (cells/s)', target: '≥ 1.4×', value: ratio(rate(find('pbmc', 'buckets')), rate(find('pbmc', 'langcell'))), min: 1.4, unit: '×' },
    { what: 'full-transcriptome: buckets ÷ LangCell batching (cells/s)', target: '≥ 2.5×', value: ratio(rate(find('full', 'buckets')), rate(find('full', 'langcell'))), min: 2.5, unit: '×' },
    { what: 'PBMC-like: ours (onnxruntime, buckets) ÷ PyTorch (LangCell batching)', target: '≥ 5×', value: ratio(rate(find('pbmc', 'buckets')), torchRate('pbmc')), min: 5, unit: '×' },
    { what: 'PBMC-like: onnxruntime ÷ PyTorch, both LangCell batching (runtime alone)', target: '', value: ratio(rate(find('pbmc', 'langcell')), torchRate('pbmc')), min: undefined, unit: '×' },
    { what: 'full: ours ÷ PyTorch (LangCell batching)', target: '≥ 5×', value: ratio(rate(find('full', 'buckets')), torchRate('full')), min: 5, unit: '×' },
    { what: 'PBMC-like, buckets: executed GFLOP/s ÷ MatMul peak', target: '≥ 0.5 (within 2×)', value: gflops(find('pbmc', 'buckets')) / mainPeak, min: 0.5, unit: '' },
    { what: 'full, buckets: executed GFLOP/s ÷ MatMul peak', target: '≥ 0.5 (within 2×)', value: gflops(find('full', 'buckets')) / mainPeak, min: 0.5, unit: '' },
  ].filter((t) => Number.isFinite(t.value));
  const batchingName = (m: Measured) => (m.batching === 'langcell' ? `LangCell (${input.batchSize}, dataset order)` : `buckets (${m.budget} tokens)`);
  const mainRows = measured
    .filter((m) => m.threads === mainThreads && (m.batching === 'langcell' || m.budget === mainBudget))
    .map((m) => [
      WORKLOAD_NAME[m.workload],
      batchingName(m),
      threadName(m.threads),
      String(m.passes),
      String(m.cells),
      String(m.batches),
      fixed(m.paddedTokens / m.tokens, 2),
      fixed(m.seconds, 1),
      fixed(rate(m), 2),
      fixed(gflops(m), 1),
      fixed(m.usefulFlops / m.seconds / 1e9, 1),
      fixed(m.rssAfterLoadMiB, 0),
      fixed(m.peakRssMiB, 0),
    ]);
  const threadRows = measured
    .filter((m) => m.workload === 'pbmc' && m.batching === 'buckets' && m.budget === mainBudget)
    .sort((a, b) => a.threads - b.threads)
    .map((m) => [threadName(m.threads), fixed(rate(m), 2), fixed(gflops(m), 1), fixed(peakAt(m.threads), 1), fixed(gflops(m) / peakAt(m.threads), 2), fixed(m.peakRssMiB, 0)]);
  const budgetRows = measured
    .filter((m) => m.batching === 'buckets' && m.threads === mainThreads)
    .sort((a, b) => a.workload.localeCompare(b.workload) || (a.budget ?? 0) - (b.budget ?? 0))
    .map((m) => {
      const langcell = rate(find(m.workload, 'langcell'));
      return [WORKLOAD_NAME[m.workload], String(m.budget), String(m.batches), fixed(m.paddedTokens / m.tokens, 3), fixed(rate(m), 2), fixed(gflops(m), 1), fixed(ratio(rate(m), langcell)), fixed(m.peakRssMiB, 0)];
    });
  const pbmc = lengthSummary(input.workloads.pbmc);
  const full = lengthSummary(input.workloads.full);
  const markdown = [
    '## Targets',
    '',
    markdownTable(
      ['measure', 'target', 'measured', 'met'],
      targets.map((t) => [t.what, t.target, `${fixed(t.value)}${t.unit}`, t.min === undefined ? '' : t.value >= t.min ? 'yes' : '**no**']),
    ),
    '',
    '## Throughput',
    '',
    `PBMC-like = ${input.workloads.pbmc.length} cells of pbmc68k_reduced (${input.pbmcFileCells} in the file, repeated in file order), ` +
      `${pbmc.min}–${pbmc.max} tokens (median ${pbmc.median}); full-transcriptome = ${input.workloads.full.length} synthetic cells, ` +
      `${full.min}–${full.max} tokens (median ${full.median}). Passes: each configuration runs in a fresh process; with 2 rounds in the order ` +
      `LangCell, buckets, buckets, LangCell (PBMC ${input.rounds.pbmc} round(s), full ${input.rounds.full}), figures are summed over passes. ` +
      'Padding = padded ÷ real tokens. GFLOP/s counts matrix products ' +
      `(${input.dims.layers} layers, hidden ${input.dims.hidden}, intermediate ${input.dims.intermediate}, attention ∝ L²): "executed" at padded lengths, "useful" at real lengths.`,
    '',
    markdownTable(
      ['workload', 'batching', 'threads', 'passes', 'cells', 'batches', 'padding', 's', 'cells/s', 'GFLOP/s executed', 'GFLOP/s useful', 'RSS after load MiB', 'peak RSS MiB'],
      mainRows,
    ),
    '',
    '## Threads (our encoder, PBMC-like)',
    '',
    markdownTable(['intra-op threads', 'cells/s', 'GFLOP/s', 'MatMul peak GFLOP/s', 'of peak', 'peak RSS MiB'], threadRows),
    '',
    '## Token budget (our encoder)',
    '',
    markdownTable(['workload', 'token budget', 'batches', 'padding', 'cells/s', 'GFLOP/s', '÷ LangCell', 'peak RSS MiB'], budgetRows),
    '',
    '## Practical fp32 peak (one MatMul through onnxruntime-node)',
    '',
    matmuls.length > 0
      ? markdownTable(['shape', 'threads', 'median s', 'GFLOP/s'], matmuls.map((m) => [m.shape, threadName(m.threads), fixed(m.medianSeconds, 4), fixed(m.gflops, 1)]))
      : 'not measured',
    '',
    '## PyTorch reference (same weights, LangCell batching)',
    '',
    Object.keys(pytorch).length > 0
      ? markdownTable(
          ['workload', 'cells', 'batches', 'padding', 's', 'cells/s', 'GFLOP/s executed', 'threads', 'torch', 'BLAS', 'weights check'],
          (Object.entries(pytorch) as [Workload, PytorchResult][]).map(([workload, t]) => [
            WORKLOAD_NAME[workload],
            String(t.cells),
            String(t.batches),
            fixed(t.paddedTokens / t.tokens),
            fixed(t.seconds, 1),
            fixed(t.cells / t.seconds, 3),
            fixed(executedFixedBatchFlops(input.workloads[workload].slice(0, t.cells), input.batchSize, input.dims) / t.seconds / 1e9, 1),
            String(t.threads),
            t.torch,
            t.blas,
            `max abs diff ${t.weights.maxAbsDiff.toExponential(1)} on ${t.weights.referenceCells} reference cells`,
          ]),
        ) +
        '\n\nThe PyTorch side is Debian\'s python3-torch, whose BLAS is the reference implementation ("generic"): the ratio to it ' +
        'mostly measures the BLAS. A PyTorch built with MKL or OpenBLAS runs the same matrix products near the MatMul peak above.'
      : 'not measured',
  ].join('\n');
  const { mdPath } = await writeReport({
    name: 'encoder',
    title: 'Cell encoder throughput (bench bundle, CPU)',
    parameters: {
      bundle: input.bundleId,
      'pbmc-like cells': input.workloads.pbmc.length,
      'full-transcriptome cells': input.workloads.full.length,
      rounds: `PBMC ${input.rounds.pbmc}, full ${input.rounds.full}`,
      'main threads': threadName(mainThreads),
      'LangCell batch size': input.batchSize,
      buckets: `token budget ${mainBudget}, max batch ${input.maxBatch}, chunks of ${input.chunkSize} cells`,
    },
    results: { measured, matmuls, pytorch, targets },
    markdown,
  });
  process.stdout.write(`${markdown}\n\nreport: ${mdPath}\n`);
}

function executedFixedBatchFlops(cells: readonly Int32Array[], batchSize: number, dims: EncoderDims): number {
  let flops = 0;
  for (const batch of planFixedBatches(cells.length, batchSize)) {
    flops += paddedBatchFlops(batch.length, Math.max(...batch.map((i) => cells[i]!.length)), dims);
  }
  return flops;
}

await main();
