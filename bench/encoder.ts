// Cell encoder throughput on the bench bundle (LangCell's sizes, random weights), CPU:
// - LangCell's batching (dataset order, 32 cells padded to the longest) against ours (length
//   buckets under a token budget, src/model/batching.ts through the real CellEncoder);
// - PBMC-like lengths (pbmc68k tokenized with the bundle's vocabulary) and full-transcriptome
//   lengths (synthetic, 800–2,048 tokens);
// - intra-op threads 1, 2 and onnxruntime's default; other token budgets; peak RSS;
// - achieved GFLOP/s against the practical fp32 peak of a large MatMul through onnxruntime-node;
// - the PyTorch reference of the same weights with LangCell's batching (bench/pytorch_reference.py).
//
// The machine is shared, so its load changes while a benchmark runs. All configurations of a
// workload therefore run interleaved in one process, batch by batch (each with its own session),
// always advancing the one that is least far through its work: a change of load hits every
// configuration alike and the ratios stay fair. Peak RSS is measured apart, in a fresh process per
// configuration that runs only its heaviest batches.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_BATCHING, planFixedBatches, planLengthBuckets, type BatchingOptions } from '../src/model/batching.ts';
import { loadBundle } from '../src/model/bundle.ts';
import { CellEncoder } from '../src/model/encoders.ts';
import { bundleVocabulary } from '../src/model/gene-vocabulary.ts';
import { SessionFactory, ort } from '../src/model/sessions.ts';
import { encoderFlops, paddedBatchFlops, type EncoderDims } from './lib/flops.ts';
import { fixed, markdownTable, now, peakRssMiB, say } from './lib/measure.ts';
import { findTorchPython, runPython, runWorker } from './lib/processes.ts';
import { writeReport } from './lib/report.ts';
import { BENCH_BUNDLE_DIR, PBMC68K_H5AD, REPO_ROOT, cycle, lengthSummary, requireBenchBundle, requireFile, syntheticCells, tokenizeFile } from './lib/workloads.ts';

const SELF = fileURLToPath(import.meta.url);
const PYTORCH_SCRIPT = fileURLToPath(new URL('./pytorch_reference.py', import.meta.url));
const MATMUL_DIR = fileURLToPath(new URL('./bundles/', import.meta.url));

type Batching = 'langcell' | 'buckets';
type Workload = 'pbmc' | 'full';

interface Config {
  batching: Batching;
  /** Intra-op threads; 0 = onnxruntime's default. */
  threads: number;
  /** Token budget of the buckets (null for LangCell's batching). */
  budget: number | null;
}

interface Shared {
  bundle: string;
  cellsFile: string;
  batchSize: number;
  maxBatch: number;
  chunkSize: number;
}

interface InterleavedSpec extends Shared {
  kind: 'interleaved';
  configs: Config[];
}

interface RssSpec extends Shared {
  kind: 'rss';
  config: Config;
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

interface Timed {
  cells: number;
  batches: number;
  seconds: number;
  /** CPU time of the process while this configuration's batches ran (all its threads). */
  cpuSeconds: number;
  tokens: number;
  paddedTokens: number;
  executedFlops: number;
  usefulFlops: number;
}

interface RssResult {
  rssAfterLoadMiB: number;
  peakRssMiB: number;
  batchesRun: number;
}

interface MatmulResult {
  threads: number;
  shape: string;
  bestSeconds: number;
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

interface Measured extends Config, Timed {
  workload: Workload;
  rss?: RssResult;
}

const threadName = (threads: number): string => (threads === 0 ? 'default' : String(threads));
const configName = (c: Config, batchSize: number): string =>
  `${c.batching === 'langcell' ? `LangCell (${batchSize}, dataset order)` : `buckets (${c.budget} tokens)`}, threads ${threadName(c.threads)}`;
const sameConfig = (a: Config, b: Config): boolean => a.batching === b.batching && a.threads === b.threads && a.budget === b.budget;

function dimsOf(manifest: { cell: { layers: number; hiddenSize: number; intermediateSize: number }; embeddingDim: number }): EncoderDims {
  return { layers: manifest.cell.layers, hidden: manifest.cell.hiddenSize, intermediate: manifest.cell.intermediateSize, projection: manifest.embeddingDim };
}

/**
 * The batches a configuration runs, as index lists into the cells. Ours: chunks of `chunkSize`
 * cells (as `embed` hands them to the encoder), each planned by planLengthBuckets exactly as
 * CellEncoder.encode plans it. LangCell's: dataset order, `batchSize` at a time.
 */
function plannedBatches(lengths: readonly number[], config: Config, shared: Shared): number[][] {
  if (config.batching === 'langcell') return planFixedBatches(lengths.length, shared.batchSize);
  const batches: number[][] = [];
  for (let start = 0; start < lengths.length; start += shared.chunkSize) {
    const chunk = lengths.slice(start, start + shared.chunkSize);
    const options: BatchingOptions = { tokenBudget: config.budget!, maxBatchSize: shared.maxBatch };
    batches.push(...planLengthBuckets(chunk, options).map((batch) => batch.map((i) => i + start)));
  }
  return batches;
}

async function readCells(file: string): Promise<Int32Array[]> {
  return (JSON.parse(await readFile(file, 'utf8')) as number[][]).map((c) => Int32Array.from(c));
}

/** Runs one planned batch through CellEncoder.encode (a budget that fits it whole, so it stays one batch). */
async function runBatch(encoder: CellEncoder, cells: readonly Int32Array[], batch: readonly number[]): Promise<void> {
  await encoder.encode(
    batch.map((i) => cells[i]!),
    { batching: { tokenBudget: Number.POSITIVE_INFINITY, maxBatchSize: batch.length } },
  );
}

async function interleavedWorker(spec: InterleavedSpec): Promise<Timed[]> {
  const bundle = await loadBundle(spec.bundle);
  const dims = dimsOf(bundle.manifest);
  const cells = await readCells(spec.cellsFile);
  const lengths = cells.map((c) => c.length);
  const runs = [];
  for (const config of spec.configs) {
    const encoder = await CellEncoder.create(bundle, new SessionFactory({ provider: 'cpu', cpuThreads: config.threads }));
    // The first run prepacks weights and sets up buffers; keep it out of the timing.
    await encoder.encode(cells.slice(0, 2));
    const batches = plannedBatches(lengths, config, spec);
    const flops = batches.map((batch) => paddedBatchFlops(batch.length, Math.max(...batch.map((i) => lengths[i]!)), dims));
    runs.push({ encoder, batches, flops, total: flops.reduce((a, b) => a + b, 0), next: 0, done: 0, seconds: 0, cpuSeconds: 0 });
  }
  // Advance the configuration whose work would be least far along at the middle of its next batch.
  for (;;) {
    let pick = -1;
    let best = Number.POSITIVE_INFINITY;
    runs.forEach((run, i) => {
      if (run.next >= run.batches.length) return;
      const progress = (run.done + run.flops[run.next]! / 2) / run.total;
      if (progress < best) {
        best = progress;
        pick = i;
      }
    });
    if (pick < 0) break;
    const run = runs[pick]!;
    const cpuStart = process.cpuUsage();
    const start = now();
    await runBatch(run.encoder, cells, run.batches[run.next]!);
    run.seconds += now() - start;
    const cpu = process.cpuUsage(cpuStart);
    run.cpuSeconds += (cpu.user + cpu.system) / 1e6;
    run.done += run.flops[run.next]!;
    run.next += 1;
  }
  return runs.map((run) => ({
    cells: cells.length,
    batches: run.batches.length,
    seconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    tokens: lengths.reduce((a, b) => a + b, 0),
    paddedTokens: run.batches.reduce((sum, batch) => sum + batch.length * Math.max(...batch.map((i) => lengths[i]!)), 0),
    executedFlops: run.total,
    usefulFlops: lengths.reduce((sum, length) => sum + encoderFlops(length, dims), 0),
  }));
}

/** Peak RSS of a configuration: a fresh process runs its heaviest batches (most tokens, largest attention). */
async function rssWorker(spec: RssSpec): Promise<RssResult> {
  const bundle = await loadBundle(spec.bundle);
  const cells = await readCells(spec.cellsFile);
  const lengths = cells.map((c) => c.length);
  const encoder = await CellEncoder.create(bundle, new SessionFactory({ provider: 'cpu', cpuThreads: spec.config.threads }));
  await encoder.encode(cells.slice(0, 2));
  const rssAfterLoadMiB = process.memoryUsage.rss() / 2 ** 20;
  const batches = plannedBatches(lengths, spec.config, spec);
  const padded = (batch: number[]) => Math.max(...batch.map((i) => lengths[i]!));
  const byTokens = [...batches].sort((a, b) => b.length * padded(b) - a.length * padded(a))[0]!;
  const byAttention = [...batches].sort((a, b) => b.length * padded(b) ** 2 - a.length * padded(a) ** 2)[0]!;
  const heaviest = byTokens === byAttention ? [byTokens] : [byTokens, byAttention];
  for (const batch of heaviest) await runBatch(encoder, cells, batch);
  return { rssAfterLoadMiB, peakRssMiB: peakRssMiB(), batchesRun: heaviest.length };
}

/** Best of `repeats` runs of one large MatMul: what the runtime can do at best on this machine. */
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
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < spec.repeats; i += 1) {
    const start = now();
    await session.run(feeds);
    best = Math.min(best, now() - start);
  }
  return { threads: spec.threads, shape: `${spec.m}×${spec.k} · ${spec.k}×${spec.n}`, bestSeconds: best, gflops: (2 * spec.m * spec.k * spec.n) / best / 1e9 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bundle: { type: 'string', default: BENCH_BUNDLE_DIR },
      'pbmc-cells': { type: 'string', default: '256' },
      'full-cells': { type: 'string', default: '32' },
      'full-min': { type: 'string', default: '800' },
      'full-max': { type: 'string', default: '2048' },
      threads: { type: 'string', default: '2' },
      'thread-sweep': { type: 'string', default: '1,0' },
      'batch-size': { type: 'string', default: '32' },
      'token-budget': { type: 'string', default: String(DEFAULT_BATCHING.tokenBudget) },
      'budget-sweep': { type: 'string', default: '2048,4096,16384' },
      'max-batch': { type: 'string', default: String(DEFAULT_BATCHING.maxBatchSize) },
      'chunk-size': { type: 'string', default: '512' },
      'torch-cells': { type: 'string', default: '64' },
      'no-rss': { type: 'boolean', default: false },
      'no-peak': { type: 'boolean', default: false },
      worker: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.worker) {
    const spec = JSON.parse(await readFile(values.worker, 'utf8')) as InterleavedSpec | RssSpec | MatmulSpec;
    const result = spec.kind === 'interleaved' ? await interleavedWorker(spec) : spec.kind === 'rss' ? await rssWorker(spec) : await matmulWorker(spec);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (values.help) {
    process.stdout.write(
      'npm run bench -- encoder [options]\n' +
        '  --pbmc-cells 256 --full-cells 32 --full-min 800 --full-max 2048   workload sizes\n' +
        '  --threads 2                    intra-op threads of the main comparison (0 = onnxruntime default)\n' +
        '  --thread-sweep 1,0             further thread settings for our encoder on the PBMC-like cells ("" for none)\n' +
        '  --batch-size 32                LangCell batch size\n' +
        `  --token-budget ${DEFAULT_BATCHING.tokenBudget} --max-batch ${DEFAULT_BATCHING.maxBatchSize} --chunk-size 512   our buckets (defaults: src/model/batching.ts)\n` +
        '  --budget-sweep 2048,4096,16384 further token budgets for our encoder, both workloads, other than --token-budget ("" for none)\n' +
        '  --torch-cells 64               PyTorch reference on the first N PBMC-like cells, stopping after the batch that passes 120 s (0 skips)\n' +
        '  --no-rss --no-peak             skip the peak-RSS processes / the MatMul peak\n' +
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

  say(`loading ${bundleDir} ...`);
  const bundle = await loadBundle(bundleDir);
  const dims = dimsOf(bundle.manifest);
  const pbmcAll = await tokenizeFile(PBMC68K_H5AD, bundleVocabulary(bundle));
  const workloads: Record<Workload, Int32Array[]> = {
    pbmc: cycle(pbmcAll, int('pbmc-cells')),
    full: syntheticCells(int('full-cells'), int('full-min'), int('full-max'), bundle.manifest.cell.clsId, 7),
  };
  const temp = await mkdtemp(join(tmpdir(), 'bench-encoder-'));
  let specIndex = 0;
  const specFile = async (spec: object): Promise<string> => {
    const path = join(temp, `spec-${(specIndex += 1)}.json`);
    await writeFile(path, JSON.stringify(spec));
    return path;
  };
  try {
    // Practical peak first, while nothing else of ours runs.
    const matmuls: MatmulResult[] = [];
    const python = findTorchPython();
    if (!values['no-peak']) {
      if (!python) say('no python3 with torch: skipping the MatMul peak (tools/model/README.md)');
      const threadSettings = [mainThreads, ...intList('thread-sweep').filter((t) => t !== mainThreads)];
      for (const [k, n] of python ? [[1024, 1024], [512, 1024]] : []) {
        const model = join(MATMUL_DIR, `matmul-${k}x${n}.onnx`);
        if (!existsSync(model)) await runPython(python!, PYTORCH_SCRIPT, ['matmul-model', '--out', model, '--k', String(k), '--n', String(n)], REPO_ROOT);
        for (const threads of threadSettings) {
          const spec: MatmulSpec = { kind: 'matmul', model, threads, m: 4096, k: k!, n: n!, repeats: 20 };
          const result = await runWorker<MatmulResult>(SELF, ['--worker', await specFile(spec)]);
          say(`matmul ${result.shape}, threads ${threadName(threads)}: ${fixed(result.gflops, 1)} GFLOP/s (best of 20)`);
          matmuls.push(result);
        }
      }
    }

    const shared = (cellsFile: string): Shared => ({ bundle: bundleDir, cellsFile, batchSize, maxBatch: int('max-batch'), chunkSize: int('chunk-size') });
    const budgets = intList('budget-sweep').filter((b) => b !== mainBudget);
    const configsOf = (workload: Workload): Config[] => [
      { batching: 'langcell', threads: mainThreads, budget: null },
      { batching: 'buckets', threads: mainThreads, budget: mainBudget },
      ...budgets.map((budget): Config => ({ batching: 'buckets', threads: mainThreads, budget })),
      ...(workload === 'pbmc'
        ? intList('thread-sweep')
            .filter((t) => t !== mainThreads)
            .map((threads): Config => ({ batching: 'buckets', threads, budget: mainBudget }))
        : []),
    ];
    const measured: Measured[] = [];
    for (const workload of ['pbmc', 'full'] as const) {
      if (workloads[workload].length === 0) continue;
      const cellsFile = join(temp, `${workload}.json`);
      await writeFile(cellsFile, JSON.stringify(workloads[workload].map((c) => Array.from(c))));
      const configs = configsOf(workload);
      say(`encoder: ${workload}, ${workloads[workload].length} cells, interleaved: ${configs.map((c) => configName(c, batchSize)).join('; ')} ...`);
      const spec: InterleavedSpec = { kind: 'interleaved', ...shared(cellsFile), configs };
      const timed = await runWorker<Timed[]>(SELF, ['--worker', await specFile(spec)]);
      configs.forEach((config, i) => {
        const t = timed[i]!;
        say(`  ${configName(config, batchSize)}: ${fixed(t.cells / t.seconds)} cells/s, ${fixed(t.executedFlops / t.seconds / 1e9, 1)} GFLOP/s`);
        measured.push({ workload, ...config, ...t });
      });
      if (!values['no-rss']) {
        for (const config of configs.filter((c) => c.threads === mainThreads)) {
          const rssSpec: RssSpec = { kind: 'rss', ...shared(cellsFile), config };
          const rss = await runWorker<RssResult>(SELF, ['--worker', await specFile(rssSpec)]);
          say(`  peak RSS ${configName(config, batchSize)}: ${fixed(rss.peakRssMiB, 0)} MiB`);
          measured.find((m) => m.workload === workload && sameConfig(m, config))!.rss = rss;
        }
      }
    }

    // PyTorch reference, LangCell's batching, same threads.
    let pytorch: PytorchResult | undefined;
    const torchCells = int('torch-cells');
    if (torchCells > 0 && !python) say('no python3 with torch: skipping the PyTorch reference');
    if (torchCells > 0 && python) {
      const file = join(temp, 'torch-pbmc.json');
      await writeFile(file, JSON.stringify(workloads.pbmc.slice(0, torchCells).map((c) => Array.from(c))));
      const threads = mainThreads === 0 ? cpus().length : mainThreads;
      say(`pytorch: PBMC-like, LangCell batching, threads ${threads}, ${torchCells} cells ...`);
      pytorch = await runPython<PytorchResult>(
        python,
        PYTORCH_SCRIPT,
        // Time-bounded: with Debian's reference BLAS a batch of 32 takes minutes, with OpenBLAS seconds.
        ['encoder', '--bundle', bundleDir, '--cells', file, '--batch-size', String(batchSize), '--threads', String(threads), '--max-seconds', '120'],
        REPO_ROOT,
      );
    }

    await report({ bundleId: bundle.manifest.id, dims, workloads, measured, matmuls, pytorch, mainThreads, mainBudget, batchSize, maxBatch: int('max-batch'), chunkSize: int('chunk-size'), pbmcFileCells: pbmcAll.length });
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
  pytorch: PytorchResult | undefined;
  mainThreads: number;
  mainBudget: number;
  batchSize: number;
  maxBatch: number;
  chunkSize: number;
  pbmcFileCells: number;
}

const WORKLOAD_NAME: Record<Workload, string> = { pbmc: 'PBMC-like (pbmc68k)', full: 'full-transcriptome (synthetic)' };

function executedFixedBatchFlops(cells: readonly Int32Array[], batchSize: number, dims: EncoderDims): number {
  let flops = 0;
  for (const batch of planFixedBatches(cells.length, batchSize)) flops += paddedBatchFlops(batch.length, Math.max(...batch.map((i) => cells[i]!.length)), dims);
  return flops;
}

async function report(input: ReportInput): Promise<void> {
  const { measured, matmuls, pytorch, mainThreads, mainBudget, batchSize } = input;
  const rate = (m: Measured | undefined) => (m ? m.cells / m.seconds : undefined);
  const gflops = (m: Measured | undefined) => (m ? m.executedFlops / m.seconds / 1e9 : Number.NaN);
  const find = (workload: Workload, batching: Batching, threads = mainThreads, budget: number | null = batching === 'buckets' ? mainBudget : null) =>
    measured.find((m) => m.workload === workload && sameConfig(m, { batching, threads, budget }));
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : Number.NaN);
  // The machine's practical peak: the best MatMul measured at any thread setting.
  const peak = matmuls.length > 0 ? Math.max(...matmuls.map((m) => m.gflops)) : Number.NaN;
  const torchRate = pytorch ? pytorch.cells / pytorch.seconds : undefined;
  const cpuRatio = (a: Measured | undefined, b: Measured | undefined) => (a && b ? b.cpuSeconds / a.cpuSeconds : Number.NaN);
  const targets = [
    { what: 'PBMC-like: buckets ÷ LangCell batching (cells/s)', target: '≥ 1.4×', value: ratio(rate(find('pbmc', 'buckets')), rate(find('pbmc', 'langcell'))), min: 1.4, unit: '×' },
    { what: 'full-transcriptome: buckets ÷ LangCell batching (cells/s)', target: '≥ 2.5×', value: ratio(rate(find('full', 'buckets')), rate(find('full', 'langcell'))), min: 2.5, unit: '×' },
    ...budgetsOf(measured, mainBudget).flatMap((budget) => [
      { what: `PBMC-like: buckets at ${budget} tokens ÷ LangCell batching`, target: '(src/model change)', value: ratio(rate(find('pbmc', 'buckets', mainThreads, budget)), rate(find('pbmc', 'langcell'))), min: undefined, unit: '×' },
      { what: `full-transcriptome: buckets at ${budget} tokens ÷ LangCell batching`, target: '(src/model change)', value: ratio(rate(find('full', 'buckets', mainThreads, budget)), rate(find('full', 'langcell'))), min: undefined, unit: '×' },
    ]),
    // The most any batching could gain: LangCell's measured time ÷ the time of the real (unpadded)
    // work at the MatMul peak. A target above this ceiling needs less arithmetic, not better batching.
    ...(['pbmc', 'full'] as const).map((workload) => ({
      what: `${workload === 'pbmc' ? 'PBMC-like' : 'full-transcriptome'}: ceiling = LangCell batching s ÷ (useful FLOPs at the MatMul peak)`,
      target: '(bound)',
      value: ratio(find(workload, 'langcell')?.seconds, (find(workload, 'buckets')?.usefulFlops ?? Number.NaN) / (peak * 1e9)),
      min: undefined,
      unit: '×',
    })),
    { what: 'PBMC-like: ours (onnxruntime, buckets) ÷ PyTorch (LangCell batching)', target: '≥ 5×', value: ratio(rate(find('pbmc', 'buckets')), torchRate), min: 5, unit: '×' },
    { what: 'PBMC-like: onnxruntime ÷ PyTorch, both LangCell batching (runtime alone)', target: '', value: ratio(rate(find('pbmc', 'langcell')), torchRate), min: undefined, unit: '×' },
    { what: 'PBMC-like, buckets: executed GFLOP/s ÷ MatMul peak', target: '≥ 0.5 (within 2×)', value: gflops(find('pbmc', 'buckets')) / peak, min: 0.5, unit: '' },
    { what: 'full, buckets: executed GFLOP/s ÷ MatMul peak', target: '≥ 0.5 (within 2×)', value: gflops(find('full', 'buckets')) / peak, min: 0.5, unit: '' },
  ].filter((t) => Number.isFinite(t.value));
  const rows = measured.map((m) => {
    const langcell = find(m.workload, 'langcell', m.threads) ?? find(m.workload, 'langcell');
    return [
      WORKLOAD_NAME[m.workload],
      m.batching === 'langcell' ? `LangCell (${batchSize}, dataset order)` : `buckets (${m.budget} tokens)`,
      threadName(m.threads),
      String(m.cells),
      String(m.batches),
      fixed(m.paddedTokens / m.tokens, 2),
      fixed(m.seconds, 1),
      fixed(rate(m), 2),
      m.batching === 'langcell' ? '1.00' : fixed(ratio(rate(m), rate(langcell))),
      fixed(cpuRatio(m, langcell)),
      fixed(gflops(m), 1),
      fixed(m.usefulFlops / m.seconds / 1e9, 1),
      fixed(gflops(m) / peak, 2),
      fixed(m.rss?.peakRssMiB, 0),
    ];
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
      `${full.min}–${full.max} tokens (median ${full.median}). The configurations of a workload ran interleaved batch by batch in one process ` +
      '(each with its own session), so changes in machine load hit them alike. Ours: chunks of ' +
      `${input.chunkSize} cells planned by planLengthBuckets (max batch ${input.maxBatch}). Padding = padded ÷ real tokens. ` +
      '"÷ LangCell (CPU)" = LangCell\'s CPU seconds ÷ this one\'s (a second view, less sensitive to other processes). GFLOP/s counts matrix products ' +
      `(${input.dims.layers} layers, hidden ${input.dims.hidden}, intermediate ${input.dims.intermediate}, attention ∝ L²): "executed" at padded lengths, "useful" at real ones; ` +
      `"of peak" = executed ÷ the best MatMul below (${fixed(peak, 1)} GFLOP/s). Peak RSS: a fresh process running the configuration's heaviest batches.`,
    '',
    markdownTable(
      ['workload', 'batching', 'threads', 'cells', 'batches', 'padding', 's', 'cells/s', '÷ LangCell', '÷ LangCell (CPU)', 'GFLOP/s executed', 'GFLOP/s useful', 'of peak', 'peak RSS MiB'],
      rows,
    ),
    '',
    '## Practical fp32 peak (one MatMul through onnxruntime-node, best of 20)',
    '',
    matmuls.length > 0 ? markdownTable(['shape', 'threads', 'best s', 'GFLOP/s'], matmuls.map((m) => [m.shape, threadName(m.threads), fixed(m.bestSeconds, 4), fixed(m.gflops, 1)])) : 'not measured',
    '',
    '## PyTorch reference (same weights, LangCell batching)',
    '',
    pytorch
      ? markdownTable(
          ['workload', 'cells', 'padding', 's', 'cells/s', 'GFLOP/s executed', 'threads', 'torch', 'BLAS', 'weights check'],
          [
            [
              WORKLOAD_NAME.pbmc,
              String(pytorch.cells),
              fixed(pytorch.paddedTokens / pytorch.tokens),
              fixed(pytorch.seconds, 1),
              fixed(pytorch.cells / pytorch.seconds, 3),
              fixed(executedFixedBatchFlops(input.workloads.pbmc.slice(0, pytorch.cells), batchSize, input.dims) / pytorch.seconds / 1e9, 1),
              String(pytorch.threads),
              pytorch.torch,
              pytorch.blas,
              `max abs diff ${pytorch.weights.maxAbsDiff.toExponential(1)} on ${pytorch.weights.referenceCells} reference cells`,
            ],
          ],
        ) +
        '\n\nDebian\'s python3-torch calls whatever libblas.so.3 the system provides: the reference BLAS by default (about 2 GFLOP/s, ' +
        'which made the ratio mostly a BLAS comparison), OpenBLAS once `libopenblas0-pthread` is installed (the BLAS column says which ran). ' +
        'Against an OpenBLAS PyTorch the gain is onnxruntime\'s own (fused kernels, no Python per op) times the batching\'s.'
      : 'not measured',
  ].join('\n');
  const { mdPath } = await writeReport({
    name: 'encoder',
    title: 'Cell encoder throughput (bench bundle, CPU)',
    parameters: {
      bundle: input.bundleId,
      'pbmc-like cells': input.workloads.pbmc.length,
      'full-transcriptome cells': input.workloads.full.length,
      'main threads': threadName(mainThreads),
      'LangCell batch size': batchSize,
      buckets: `token budget ${mainBudget}, max batch ${input.maxBatch}, chunks of ${input.chunkSize} cells`,
    },
    results: { measured, matmuls, pytorch, targets, peakGflops: peak },
    markdown,
  });
  process.stdout.write(`${markdown}\n\nreport: ${mdPath}\n`);
}

function budgetsOf(measured: readonly Measured[], mainBudget: number): number[] {
  return [...new Set(measured.filter((m) => m.batching === 'buckets' && m.budget !== mainBudget).map((m) => m.budget!))];
}

await main();
