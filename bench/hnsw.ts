// HNSW index on clustered 256-d unit vectors: build rate, bytes per vector, recall@10 against exact
// search, p50/p99 query latency and speed-up over exact search, for several (M, efConstruction)
// settings and query ef values. Targets (docs/DESIGN.md): recall@10 ≥ 0.99 at p50 < 1 ms and
// ≥ 100× exact on 1M vectors.
//
//   npx tsx bench/hnsw.ts [--n 1000000] [--queries 1000] [--settings 16:200,32:200] [--ef 16,32,64]
//
// The data: cell-embedding-like vectors from a deterministic generator (see CellLikeVectors). Each
// setting is built in a fresh child process, so its RSS delta is its own. Queries are held-out
// cells from the same generator (not in the index). Exact search is plain JavaScript over a
// Float32Array (src/index/exact.ts), timed on every query of the ground truth.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng, mixSeed } from '../seed/random.ts';
import { CellVectorIndex, DEFAULT_HNSW_PARAMS, type HnswParams } from '../src/index/cell-index.ts';
import { exactSearch, recallAtK, strictRecallAtK, type CellNeighbor } from '../src/index/exact.ts';
import { INDEX_FILE } from '../src/index/persistence.ts';
import { markdownTable, percentile, say } from './lib/measure.ts';
import { writeReport } from './lib/report.ts';

const DIM = 256;
const K = 10;

// ---------------------------------------------------------------------------------------------
// Data: a hierarchy like a cell atlas. Lineages (random directions) hold cell types whose centres
// lean towards their lineage (types of one lineage have cosine ≈ 0.55); type sizes are
// log-normal (a few huge types, many rare ones: at 100k the smallest hold ~100 cells). A cell is
// its type centre plus variation along the type's own 12 directions (decaying scales: low
// intrinsic dimension, as in real embeddings), a dataset (batch) shift shared by all types and a
// smaller per-type one, and isotropic noise over all 256 dimensions (--noise, norm 0.3); 10% of
// cells sit on a path towards a sibling type (differentiation). Then L2-normalized. At 100k the
// mean cosine to the type centre is 0.93 and a held-out cell's nearest neighbour has similarity
// 0.944 (p50), its 10th 0.932: neighbours are barely closer than the crowd of their type, which
// is what makes the search hard. Every value is a continuous draw, so no two vectors coincide and
// the 10th and 11th neighbours never tie (the report shows both); --duplicates adds exact copies
// to see what ties do to recall.
// ---------------------------------------------------------------------------------------------

interface GeneratorShape {
  lineages: number;
  types: number;
  datasets: number;
  rank: number;
}

function shapeFor(n: number): GeneratorShape {
  return { lineages: 24, types: Math.min(2500, Math.max(50, Math.round(n / 400))), datasets: 8, rank: 12 };
}

function randomUnit(rng: Rng, dim: number): Float64Array {
  const v = new Float64Array(dim);
  let norm = 0;
  for (let d = 0; d < dim; d += 1) {
    v[d] = rng.normal();
    norm += v[d]! * v[d]!;
  }
  norm = Math.sqrt(norm);
  for (let d = 0; d < dim; d += 1) v[d]! /= norm;
  return v;
}

export class CellLikeVectors {
  private readonly centres: Float64Array[] = [];
  private readonly sibling: number[] = [];
  private readonly axes: Float64Array[][] = [];
  private readonly axisScales: Float64Array[] = [];
  private readonly datasetShift: Float64Array[] = [];
  private readonly typeDatasetShift: Float64Array[][] = [];
  private readonly cumulative: Float64Array;

  constructor(
    private readonly seed: number,
    readonly shape: GeneratorShape,
    /** Share of cells that are exact copies of an earlier cell (0 for the realistic data). */
    private readonly duplicateShare = 0,
    /** Norm of the isotropic noise over all dimensions (0.3: cosine ≈ 0.9 to the type centre). */
    private readonly noiseNorm = 0.3,
  ) {
    const rng = new Rng(mixSeed(seed, 1));
    const lineages = Array.from({ length: shape.lineages }, () => randomUnit(rng, DIM));
    const lineageOf: number[] = [];
    const weights = new Float64Array(shape.types);
    for (let t = 0; t < shape.types; t += 1) {
      const lineage = rng.below(shape.lineages);
      lineageOf.push(lineage);
      const own = randomUnit(rng, DIM);
      const centre = new Float64Array(DIM);
      for (let d = 0; d < DIM; d += 1) centre[d] = lineages[lineage]![d]! + 0.9 * own[d]!;
      this.centres.push(centre);
      this.axes.push(Array.from({ length: shape.rank }, () => randomUnit(rng, DIM)));
      const spread = 0.25 * Math.exp(0.3 * rng.normal());
      this.axisScales.push(Float64Array.from({ length: shape.rank }, (_, j) => spread * (j + 1) ** -0.7));
      weights[t] = Math.exp(rng.normal());
    }
    for (let t = 0; t < shape.types; t += 1) {
      const kin = lineageOf.map((l, other) => (l === lineageOf[t] && other !== t ? other : -1)).filter((o) => o >= 0);
      this.sibling.push(kin.length > 0 ? kin[rng.below(kin.length)]! : t);
    }
    for (let b = 0; b < shape.datasets; b += 1) this.datasetShift.push(randomUnit(rng, DIM).map((x) => 0.15 * x));
    for (let t = 0; t < shape.types; t += 1) {
      this.typeDatasetShift.push(Array.from({ length: shape.datasets }, () => randomUnit(rng, DIM).map((x) => 0.08 * x)));
    }
    this.cumulative = new Float64Array(shape.types);
    let total = 0;
    weights.forEach((w, t) => {
      total += w;
      this.cumulative[t] = total;
    });
    this.cumulative.forEach((c, t) => (this.cumulative[t] = c / total));
  }

  private pickType(u: number): number {
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Cell `index` (its own random stream), written L2-normalized into `out` at row `row`. */
  cell(index: number, out: Float32Array, row: number): number {
    if (this.duplicateShare > 0 && index > 0) {
      const pick = new Rng(mixSeed(this.seed, 3, index));
      if (pick.uniform() < this.duplicateShare) return this.cell(pick.below(index), out, row);
    }
    const rng = new Rng(mixSeed(this.seed, 2, index));
    const type = this.pickType(rng.uniform());
    const dataset = rng.below(this.shape.datasets);
    const x = new Float64Array(DIM);
    const centre = this.centres[type]!;
    if (rng.uniform() < 0.1) {
      const toward = this.centres[this.sibling[type]!]!;
      const a = 0.5 * rng.uniform();
      for (let d = 0; d < DIM; d += 1) x[d] = (1 - a) * centre[d]! + a * toward[d]!;
    } else {
      x.set(centre);
    }
    const axes = this.axes[type]!;
    const scales = this.axisScales[type]!;
    for (let j = 0; j < axes.length; j += 1) {
      const z = scales[j]! * rng.normal();
      const axis = axes[j]!;
      for (let d = 0; d < DIM; d += 1) x[d]! += z * axis[d]!;
    }
    const shift = this.datasetShift[dataset]!;
    const typeShift = this.typeDatasetShift[type]![dataset]!;
    const noise = this.noiseNorm / Math.sqrt(DIM);
    let norm = 0;
    for (let d = 0; d < DIM; d += 1) {
      x[d]! += shift[d]! + typeShift[d]! + noise * rng.normal();
      norm += x[d]! * x[d]!;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIM; d += 1) out[row * DIM + d] = x[d]! / norm;
    return type;
  }

  /** Cells `start` … `start + count − 1` as a row-major matrix. */
  matrix(start: number, count: number): Float32Array {
    const out = new Float32Array(count * DIM);
    for (let i = 0; i < count; i += 1) this.cell(start + i, out, i);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------

interface Options {
  n: number;
  queries: number;
  filteredQueries: number;
  exactQueries: number;
  seed: number;
  duplicates: number;
  noise: number;
  efs: number[];
  settings: Array<{ M: number; efConstruction: number }>;
  report: boolean;
}

interface ChildResult {
  M: number;
  efConstruction: number;
  buildSeconds: number;
  insertsPerSecond: number;
  indexFileBytes: number;
  /** Save (write, fsync, read-back check) and load (checksum, structure check, hnswlib read). */
  saveSeconds: number;
  loadSeconds: number;
  rssDeltaBytes: number;
  capacity: number;
  /** Exact search timed in this child on the first `exactQueries` queries (ms). */
  exactMs: number[];
  /** Per ef: latency samples (ms) and found neighbours per query. */
  runs: Array<{ ef: number; latenciesMs: number[]; found: CellNeighbor[][] }>;
  filtered?: Array<{ share: number; ef: number; latenciesMs: number[]; found: CellNeighbor[][] }>;
}

interface EfRow {
  ef: number;
  recall: number;
  strictRecall: number;
  minRecall: number;
  /** Queries that found fewer than half of their exact top 10 (the walk ended in the wrong place). */
  lostQueries: number;
  p50Ms: number;
  p99Ms: number;
  speedup: number;
}

function parseOptions(argv: string[]): Options & { child?: { M: number; efConstruction: number; out: string } } {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '1000' },
      'filtered-queries': { type: 'string', default: '200' },
      'exact-queries': { type: 'string', default: '100' },
      seed: { type: 'string', default: '20240517' },
      duplicates: { type: 'string', default: '0' },
      noise: { type: 'string', default: '0.3' },
      ef: { type: 'string', default: '16,32,64,128,256' },
      settings: { type: 'string', default: `16:200,${DEFAULT_HNSW_PARAMS.M}:${DEFAULT_HNSW_PARAMS.efConstruction},32:400` },
      'no-report': { type: 'boolean', default: false },
      child: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npx tsx bench/hnsw.ts [--n 100000] [--queries 1000] [--filtered-queries 200] [--exact-queries 100] [--seed N]\n' +
        '                      [--ef 16,32,64,128,256] [--settings M:efConstruction,...] [--no-report]\n' +
        '                      [--noise 0.3] [--duplicates SHARE]   (harder data; exact copies, for diagnosis)\n',
    );
    process.exit(0);
  }
  const settings = [...new Set(values.settings.split(','))].map((s) => {
    const [M, efConstruction] = s.split(':').map(Number);
    return { M: M!, efConstruction: efConstruction! };
  });
  const child = values.child ? (JSON.parse(values.child) as { M: number; efConstruction: number; out: string }) : undefined;
  return {
    n: Number(values.n),
    queries: Number(values.queries),
    filteredQueries: Number(values['filtered-queries']),
    exactQueries: Number(values['exact-queries']),
    seed: Number(values.seed),
    duplicates: Number(values.duplicates),
    noise: Number(values.noise),
    efs: values.ef.split(',').map(Number),
    settings,
    report: !values['no-report'],
    child,
  };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Cells kept by a filter that accepts `share` of them (by a hash of the id). */
function filterFor(share: number): (cellId: number) => boolean {
  const limit = Math.round(share * 0x1_0000_0000);
  return (cellId) => mixSeed(cellId, 77) < limit;
}

const FILTER_SHARES = [1, 0.1, 0.01];
/** A filtered walk stops once it holds ef accepted cells: its cost grows as ef / share. */
const FILTER_EFS = [16, 32, 64, DEFAULT_HNSW_PARAMS.efSearch];

function timeSearch(run: () => CellNeighbor[]): { ms: number; hits: CellNeighbor[] } {
  const start = process.hrtime.bigint();
  const hits = run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, hits };
}

// --- child: build and query one setting ---------------------------------------------------------

async function runChild(options: Options, setting: { M: number; efConstruction: number; out: string }): Promise<void> {
  const generator = new CellLikeVectors(options.seed, shapeFor(options.n), options.duplicates, options.noise);
  const base = generator.matrix(0, options.n);
  const queries = generator.matrix(options.n, options.queries);
  const params: HnswParams = { M: setting.M, efConstruction: setting.efConstruction, efSearch: DEFAULT_HNSW_PARAMS.efSearch };
  gc();
  const rssBefore = process.memoryUsage.rss();
  const index = CellVectorIndex.create({ dim: DIM, params, initialCapacity: options.n });
  const ids = new Uint32Array(options.n).map((_, i) => i + 1);
  const batch = 10_000;
  const started = process.hrtime.bigint();
  for (let start = 0; start < options.n; start += batch) {
    const end = Math.min(options.n, start + batch);
    index.add(ids.subarray(start, end), base.subarray(start * DIM, end * DIM));
    if ((end / batch) % 10 === 0) say(`  M ${setting.M} efC ${setting.efConstruction}: ${end} inserted`);
  }
  const buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  gc();
  const rssDeltaBytes = process.memoryUsage.rss() - rssBefore;

  const dir = await mkdtemp(join(tmpdir(), 'hnsw-bench-'));
  let indexFileBytes: number;
  let saveSeconds: number;
  let loadSeconds: number;
  try {
    let clock = process.hrtime.bigint();
    await index.save(dir, { modelId: 'bench' });
    saveSeconds = Number(process.hrtime.bigint() - clock) / 1e9;
    indexFileBytes = (await stat(join(dir, INDEX_FILE))).size;
    clock = process.hrtime.bigint();
    const reloaded = await CellVectorIndex.load(dir, { modelId: 'bench', dim: DIM });
    loadSeconds = Number(process.hrtime.bigint() - clock) / 1e9;
    if ('problem' in reloaded) throw new Error(`the saved index does not load: ${reloaded.problem}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const query = (q: number) => queries.subarray(q * DIM, (q + 1) * DIM);
  // Exact search timed here, between the build and the HNSW queries, so that both figures of the
  // speed-up come from the same process under the same machine load.
  const matrix = { dim: DIM, ids, vectors: base };
  const exactMs: number[] = [];
  for (let q = 0; q < Math.min(options.exactQueries, options.queries); q += 1) exactMs.push(timeSearch(() => exactSearch(matrix, query(q), K)).ms);
  const runs: ChildResult['runs'] = [];
  for (const ef of options.efs) {
    for (let q = 0; q < Math.min(50, options.queries); q += 1) index.search(query(q), K, undefined, ef);
    const latenciesMs: number[] = [];
    const found: CellNeighbor[][] = [];
    for (let q = 0; q < options.queries; q += 1) {
      const { ms, hits } = timeSearch(() => index.search(query(q), K, undefined, ef));
      latenciesMs.push(ms);
      found.push(hits);
    }
    runs.push({ ef, latenciesMs, found });
    say(`  M ${setting.M} efC ${setting.efConstruction}: ef ${ef} p50 ${percentile(latenciesMs, 50).toFixed(3)} ms`);
  }
  let filtered: ChildResult['filtered'];
  if (setting.M === DEFAULT_HNSW_PARAMS.M && setting.efConstruction === DEFAULT_HNSW_PARAMS.efConstruction) {
    filtered = [];
    for (const share of FILTER_SHARES) {
      const filter = filterFor(share);
      for (const ef of FILTER_EFS) {
        const latenciesMs: number[] = [];
        const found: CellNeighbor[][] = [];
        for (let q = 0; q < Math.min(options.filteredQueries, options.queries); q += 1) {
          const { ms, hits } = timeSearch(() => index.search(query(q), K, filter, ef));
          latenciesMs.push(ms);
          found.push(hits);
        }
        filtered.push({ share, ef, latenciesMs, found });
      }
    }
  }
  const result: ChildResult = {
    M: setting.M,
    efConstruction: setting.efConstruction,
    buildSeconds,
    insertsPerSecond: options.n / buildSeconds,
    indexFileBytes,
    saveSeconds,
    loadSeconds,
    rssDeltaBytes,
    capacity: index.capacity,
    exactMs,
    runs,
    filtered,
  };
  await writeFile(setting.out, JSON.stringify(result));
}

function runChildProcess(argv: string[], setting: { M: number; efConstruction: number; out: string }): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const execArgv = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, script, ...argv, '--child', JSON.stringify(setting)], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`setting M ${setting.M} efC ${setting.efConstruction}: child exited ${code ?? signal}`))));
  });
}

// --- parent: data summary, ground truth, settings, report ----------------------------------------

interface DataSummary {
  types: number;
  meanCosToTypeCentre: number;
  nearestSimilarityP50: number;
  tenthSimilarityP50: number;
  /** Similarity gap between the 10th and 11th exact neighbours (ties would make it 0). */
  gap10to11P50: number;
  gap10to11Zero: number;
  exactDuplicates: number;
}

function summarizeData(generator: CellLikeVectors, n: number, truth: CellNeighbor[][]): DataSummary {
  // Cosine to the type centre, on a sample: regenerate the cells to know their type.
  const sample = Math.min(n, 5000);
  const types = new Int32Array(sample);
  const rows = new Float32Array(sample * DIM);
  for (let i = 0; i < sample; i += 1) types[i] = generator.cell(i, rows, i);
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < sample; i += 1) {
    const sum = sums.get(types[i]!) ?? new Float64Array(DIM);
    for (let d = 0; d < DIM; d += 1) sum[d]! += rows[i * DIM + d]!;
    sums.set(types[i]!, sum);
  }
  let cosTotal = 0;
  for (let i = 0; i < sample; i += 1) {
    const sum = sums.get(types[i]!)!;
    let dot = 0;
    let norm = 0;
    for (let d = 0; d < DIM; d += 1) {
      dot += rows[i * DIM + d]! * sum[d]!;
      norm += sum[d]! * sum[d]!;
    }
    cosTotal += dot / Math.sqrt(norm);
  }
  const gaps = truth.map((t) => t[K - 1]!.similarity - t[K]!.similarity);
  const duplicates = truth.filter((t) => t[0]!.similarity - t[1]!.similarity === 0).length;
  return {
    types: generator.shape.types,
    meanCosToTypeCentre: cosTotal / sample,
    nearestSimilarityP50: percentile(truth.map((t) => t[0]!.similarity), 50),
    tenthSimilarityP50: percentile(truth.map((t) => t[K - 1]!.similarity), 50),
    gap10to11P50: percentile(gaps, 50),
    gap10to11Zero: gaps.filter((g) => g <= 0).length,
    exactDuplicates: duplicates,
  };
}

function commitOf(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options.child) {
    await runChild(options, options.child);
    return;
  }
  const passThrough = argv.filter((arg, i) => arg !== '--child' && argv[i - 1] !== '--child');
  say(`hnsw bench: n ${options.n}, ${options.queries} queries, settings ${options.settings.map((s) => `${s.M}:${s.efConstruction}`).join(' ')}, ef ${options.efs.join(' ')}`);

  const generator = new CellLikeVectors(options.seed, shapeFor(options.n), options.duplicates, options.noise);
  const started = process.hrtime.bigint();
  let base: Float32Array | undefined = generator.matrix(0, options.n);
  const queries = generator.matrix(options.n, options.queries);
  const generateSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  say(`generated ${options.n} + ${options.queries} vectors in ${generateSeconds.toFixed(1)} s`);

  const ids = new Uint32Array(options.n).map((_, i) => i + 1);
  const matrix = { dim: DIM, ids, vectors: base };
  const truth: CellNeighbor[][] = [];
  const exactMs: number[] = [];
  for (let q = 0; q < options.queries; q += 1) {
    const { ms, hits } = timeSearch(() => exactSearch(matrix, queries.subarray(q * DIM, (q + 1) * DIM), K + 1));
    exactMs.push(ms);
    truth.push(hits);
    if ((q + 1) % 200 === 0) say(`  exact ${q + 1}/${options.queries} (p50 ${percentile(exactMs, 50).toFixed(2)} ms)`);
  }
  const filteredTruth = new Map<number, CellNeighbor[][]>();
  for (const share of FILTER_SHARES) {
    const filter = filterFor(share);
    const count = Math.min(options.filteredQueries, options.queries);
    filteredTruth.set(
      share,
      share === 1
        ? truth.slice(0, count).map((hits) => hits.slice(0, K))
        : Array.from({ length: count }, (_, q) => exactSearch(matrix, queries.subarray(q * DIM, (q + 1) * DIM), K, filter)),
    );
  }
  const data = summarizeData(generator, options.n, truth);
  say(`data: ${JSON.stringify(data)}`);
  base = undefined;
  matrix.vectors = new Float32Array(0);
  const exactP50 = percentile(exactMs, 50);

  const work = await mkdtemp(join(tmpdir(), 'hnsw-bench-results-'));
  const settings: Array<Omit<ChildResult, 'runs' | 'filtered' | 'exactMs'> & { exactP50Ms: number; efs: EfRow[]; filtered?: Array<{ share: number; ef: number; recall: number; p50Ms: number; p99Ms: number }> }> = [];
  try {
    for (const [i, setting] of options.settings.entries()) {
      const out = join(work, `setting-${i}.json`);
      say(`setting M ${setting.M} efConstruction ${setting.efConstruction}`);
      await runChildProcess(passThrough, { ...setting, out });
      const result = JSON.parse(await readFile(out, 'utf8')) as ChildResult;
      const exactP50Ms = percentile(result.exactMs, 50);
      const efs = result.runs.map((run): EfRow => {
        const recalls = run.found.map((found, q) => recallAtK(found, truth[q]!, K));
        const p50Ms = percentile(run.latenciesMs, 50);
        return {
          ef: run.ef,
          recall: recalls.reduce((a, b) => a + b, 0) / recalls.length,
          strictRecall: run.found.reduce((sum, found, q) => sum + strictRecallAtK(found, truth[q]!, K), 0) / run.found.length,
          minRecall: Math.min(...recalls),
          lostQueries: recalls.filter((r) => r < 0.5).length,
          p50Ms,
          p99Ms: percentile(run.latenciesMs, 99),
          speedup: exactP50Ms / p50Ms,
        };
      });
      const filtered = result.filtered?.map((run) => {
        const expected = filteredTruth.get(run.share)!;
        const recall = run.found.reduce((sum, found, q) => sum + recallAtK(found, expected[q]!, K), 0) / run.found.length;
        return { share: run.share, ef: run.ef, recall, p50Ms: percentile(run.latenciesMs, 50), p99Ms: percentile(run.latenciesMs, 99) };
      });
      const { runs: _runs, filtered: _filtered, exactMs: _exactMs, ...rest } = result;
      settings.push({ ...rest, exactP50Ms, efs, filtered });
      for (const row of efs) say(`  ef ${row.ef}: recall ${row.recall.toFixed(4)} (strict ${row.strictRecall.toFixed(4)}), p50 ${row.p50Ms.toFixed(3)} ms, ${row.speedup.toFixed(0)}× exact`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const parameters = {
    n: options.n,
    dim: DIM,
    k: K,
    queries: options.queries,
    seed: options.seed,
    duplicates: options.duplicates,
    noise: options.noise,
    data: 'CellLikeVectors (bench/hnsw.ts): lineages → log-normal-sized cell types, 12-d type variation, dataset shifts, 10% trajectories, isotropic noise; held-out query cells',
    efSearchValues: options.efs,
    settings: options.settings.map((s) => `M ${s.M} / efConstruction ${s.efConstruction}`),
    defaults: DEFAULT_HNSW_PARAMS,
    commit: commitOf(),
  };
  const results = { data, generateSeconds, exact: { p50Ms: exactP50, p99Ms: percentile(exactMs, 99), queries: exactMs.length }, settings };
  const markdown = renderMarkdown(results, options);
  process.stdout.write(`${markdown}\n`);
  if (options.report) {
    const paths = await writeReport({ name: 'hnsw', variant: options.n === 100_000 ? undefined : `${options.n / 1000}k`, title: `HNSW index: ${options.n.toLocaleString('en-US')} clustered 256-d vectors`, parameters, results, markdown });
    say(`report: ${paths.jsonPath}, ${paths.mdPath}`);
  }
}

function renderMarkdown(results: { data: DataSummary; exact: { p50Ms: number; p99Ms: number }; settings: Array<{ M: number; efConstruction: number; insertsPerSecond: number; buildSeconds: number; indexFileBytes: number; saveSeconds: number; loadSeconds: number; rssDeltaBytes: number; exactP50Ms: number; efs: EfRow[]; filtered?: Array<{ share: number; ef: number; recall: number; p50Ms: number; p99Ms: number }> }> }, options: Options): string {
  const n = options.n;
  const lines: string[] = [];
  const d = results.data;
  lines.push(
    '## Data',
    '',
    `${d.types} cell types; mean cosine to type centre ${d.meanCosToTypeCentre.toFixed(3)}; nearest neighbour similarity p50 ${d.nearestSimilarityP50.toFixed(4)}, 10th ${d.tenthSimilarityP50.toFixed(4)}; ` +
      `gap 10th–11th p50 ${d.gap10to11P50.toExponential(2)} (${d.gap10to11Zero} exact ties at the 10th place, ${d.exactDuplicates} duplicate nearest neighbours).`,
    '',
    `Exact search (plain JS over a Float32Array) for the ground truth, ${options.queries} queries: p50 ${results.exact.p50Ms.toFixed(2)} ms, p99 ${results.exact.p99Ms.toFixed(2)} ms. ` +
      `Speed-ups below divide the exact p50 timed in the same child process as the setting (first ${Math.min(options.exactQueries, options.queries)} queries, right before its HNSW queries) by the HNSW p50.`,
    '',
    '## Build',
    '',
    markdownTable(
      ['M', 'efConstruction', 'build s', 'inserts/s', 'index file B/vector', 'RSS delta B/vector', 'save s', 'verified load s', 'exact p50 ms'],
      results.settings.map((s) => [
        `${s.M}`,
        `${s.efConstruction}`,
        s.buildSeconds.toFixed(1),
        s.insertsPerSecond.toFixed(0),
        (s.indexFileBytes / n).toFixed(0),
        (s.rssDeltaBytes / n).toFixed(0),
        s.saveSeconds.toFixed(2),
        s.loadSeconds.toFixed(2),
        s.exactP50Ms.toFixed(2),
      ]),
    ),
    '',
    '## Queries (k = 10)',
    '',
    'recall@10 counts a hit as correct when it is an exact top-10 cell or ties the exact 10th similarity within 1e-6; strict = exact id matches only; worst query = lowest recall of one query; lost queries = queries with recall < 0.5 (the walk ended in another cluster). × exact = exact p50 / HNSW p50, both timed in the same process.',
    '',
    markdownTable(
      ['M', 'efC', 'ef', 'recall@10', 'strict', 'worst query', 'lost queries', 'p50 ms', 'p99 ms', '× exact', 'targets'],
      results.settings.flatMap((s) =>
        s.efs.map((r) => [
          `${s.M}`,
          `${s.efConstruction}`,
          `${r.ef}`,
          r.recall.toFixed(4),
          r.strictRecall.toFixed(4),
          r.minRecall.toFixed(1),
          `${r.lostQueries}`,
          r.p50Ms.toFixed(3),
          r.p99Ms.toFixed(3),
          r.speedup.toFixed(0),
          r.recall >= 0.99 && r.p50Ms < 1 && r.speedup >= 100 ? 'met' : '',
        ]),
      ),
    ),
  );
  const withFilter = results.settings.find((s) => s.filtered);
  if (withFilter?.filtered) {
    lines.push(
      '',
      `## Filtered queries (M ${withFilter.M} / efConstruction ${withFilter.efConstruction}, filter inside the graph walk, ${Math.min(options.filteredQueries, options.queries)} queries)`,
      '',
      markdownTable(
        ['cells passing', 'ef', 'recall@10 vs exact filtered', 'p50 ms', 'p99 ms'],
        withFilter.filtered.map((f) => [`${(f.share * 100).toFixed(0)}%`, `${f.ef}`, f.recall.toFixed(4), f.p50Ms.toFixed(3), f.p99Ms.toFixed(3)]),
      ),
    );
  }
  return lines.join('\n');
}

// Run when executed (the generator can be imported without running the benchmark).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
