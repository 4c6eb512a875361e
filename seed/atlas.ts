// Deterministic generator of the synthetic PBMC-like demo atlas: the one source of truth for the
// demo model's training data (written to files by seed/write-atlas.ts) and for the database seeder
// (which imports generateDemoAtlas or iterateDemoAtlasCells).
//
// Model, per cell c of type t from donor d (batch b):
//   gene share     p[c,g] ∝ baseline[g] · 2^(type lfc + donor + batch + cell state effects)
//   library size   L[c] ~ LogNormal(median · type factor · donor depth · batch depth, σ), truncated
//   count          x[c,g] ~ NegativeBinomial(mean L·p[c,g], dispersion φ[g]),
//                  then set to 0 with a dropout probability that falls as the mean rises (logistic
//                  in log mean, as in Splatter), so lowly expressed genes are mostly zeros.
// Random streams are derived from (seed, purpose[, cell index]): the expression model does not
// depend on the number of cells, and cell i's counts do not depend on any other cell.

import { CELL_TYPES, type CellTypeKey, type CellTypeSpec, type ExpressionProgram } from './cell-types.ts';
import { GENES, type GeneEntry, type GeneRole } from './genes.ts';
import { Rng, mixSeed } from './random.ts';
import type { CellChunk } from '../src/model/cells.ts';

export { CELL_TYPES, GENES };
export type { CellTypeKey, CellTypeSpec, GeneEntry };

export const DEFAULT_SEED = 20240517;
export const DEFAULT_CELL_COUNT = 6000;
export const DEFAULT_TEST_FRACTION = 0.2;

export type Split = 'train' | 'test';

export interface Donor {
  readonly id: string;
  readonly batch: string;
  /** Share of the atlas's cells from this donor. */
  readonly weight: number;
  /** Sequencing depth of this donor's sample, relative. */
  readonly depthFactor: number;
}

// Two processing batches of two donors each (donor and batch confounded, as in most real studies).
export const DONORS: readonly Donor[] = [
  { id: 'donor1', batch: 'batch1', weight: 0.28, depthFactor: 1.0 },
  { id: 'donor2', batch: 'batch1', weight: 0.26, depthFactor: 0.9 },
  { id: 'donor3', batch: 'batch2', weight: 0.24, depthFactor: 1.1 },
  { id: 'donor4', batch: 'batch2', weight: 0.22, depthFactor: 1.0 },
];
const BATCHES: readonly string[] = [...new Set(DONORS.map((donor) => donor.batch))];

/** Baseline share of a gene's UMIs, by role: ln-mean and ln-sd of a log-normal across genes. */
const ROLE_BASELINES: Readonly<Record<GeneRole, { readonly logMean: number; readonly logSd: number }>> = {
  housekeeping: { logMean: Math.log(3e-3), logSd: 0.8 },
  ribosomal: { logMean: Math.log(2.8e-3), logSd: 0.5 },
  mitochondrial: { logMean: Math.log(4e-3), logSd: 0.5 },
  background: { logMean: Math.log(3.5e-4), logSd: 1.1 },
  // Genes of the cell-state programs: low everywhere, raised per cell (see CellStatePrograms).
  proliferation: { logMean: Math.log(6e-5), logSd: 0.5 },
  interferon: { logMean: Math.log(1.5e-4), logSd: 0.5 },
  stress: { logMean: Math.log(4e-4), logSd: 0.6 },
  // Lineage markers: near-off baseline; cell-type programs raise them by 2^lfc.
  t_lineage: { logMean: Math.log(3e-5), logSd: 0.5 },
  cd4: { logMean: Math.log(3e-5), logSd: 0.5 },
  cd8: { logMean: Math.log(3e-5), logSd: 0.5 },
  treg: { logMean: Math.log(3e-5), logSd: 0.5 },
  cytotoxic: { logMean: Math.log(3e-5), logSd: 0.5 },
  b_lineage: { logMean: Math.log(3e-5), logSd: 0.5 },
  plasma: { logMean: Math.log(3e-5), logSd: 0.5 },
  mhc2: { logMean: Math.log(3e-5), logSd: 0.5 },
  myeloid: { logMean: Math.log(3e-5), logSd: 0.5 },
  cd14_mono: { logMean: Math.log(3e-5), logSd: 0.5 },
  fcgr3a_mono: { logMean: Math.log(3e-5), logSd: 0.5 },
  cdc: { logMean: Math.log(3e-5), logSd: 0.5 },
  pdc: { logMean: Math.log(3e-5), logSd: 0.5 },
  megakaryocyte: { logMean: Math.log(3e-5), logSd: 0.5 },
  hspc: { logMean: Math.log(3e-5), logSd: 0.5 },
};

/** Per-type log2 shifts of whole gene groups (platelets and their precursors are ribosome-poor). */
const ROLE_SHIFTS: Partial<Record<CellTypeKey, Partial<Record<GeneRole, number>>>> = {
  megakaryocyte: { ribosomal: -1.5 },
  plasma: { ribosomal: 0.5 },
  cd14_mono: { ribosomal: -0.5 },
  fcgr3a_mono: { ribosomal: -0.5 },
};

const LIBRARY_MEDIAN = 4000;
const LIBRARY_LOG_SD = 0.38;
const LIBRARY_MIN = 1200;
const LIBRARY_MAX = 14000;
/** Random log-scale jitter of every gene per lineage and per type: signal beyond the programs. */
const LINEAGE_JITTER_LOG_SD = 0.2;
const TYPE_JITTER_LOG_SD = 0.05;
/** Fraction of background genes differentially expressed per lineage / per type, and how much. */
const LINEAGE_DE_FRACTION = 0.05;
const TYPE_DE_FRACTION = 0.01;
const BACKGROUND_DE_LOG2_SD = 1.2;
/** Per-cell log2 scaling of the type program: 2^(s·lfc), s ~ N(0, sd) clamped. */
const IDENTITY_STRENGTH_SD = 0.25;
const IDENTITY_STRENGTH_MIN = -0.6;
const IDENTITY_STRENGTH_MAX = 0.25;
const DONOR_EFFECT_LOG_SD = 0.15;
const BATCH_EFFECT_LOG_SD = 0.1;
const BATCH_DEPTH_FACTORS: Readonly<Record<string, number>> = { batch1: 1.0, batch2: 1.15 };
/** Dropout: P(zero) = 1 / (1 + exp(shape · (ln mean − ln midpoint))). */
const DROPOUT_MIDPOINT = 0.1;
const DROPOUT_SHAPE = 1.2;
/** Dispersion φ: log-normal across genes, clamped. */
const DISPERSION_LOG_MEAN = Math.log(0.25);
const DISPERSION_LOG_SD = 0.5;

/** Purposes of the independent random streams. */
const STREAM = { expression: 1, cellPlan: 2, split: 3, counts: 4 } as const;

export interface DemoAtlasOptions {
  seed?: number;
  cells?: number;
  testFraction?: number;
}

/** A cell's identity and metadata, known before its counts are drawn. */
export interface DemoCellPlan {
  readonly index: number;
  readonly id: string;
  readonly cellType: CellTypeKey;
  /** Cell Ontology label of the type (what the atlas stores as the cell's label). */
  readonly label: string;
  readonly ontologyId: string;
  readonly split: Split;
  readonly donor: string;
  readonly batch: string;
}

export interface DemoCell extends DemoCellPlan {
  /** Total UMIs of the cell (row sum over all genes). */
  readonly nCounts: number;
  /** Number of genes with a non-zero count. */
  readonly nGenes: number;
}

/** One cell's sparse row: gene column indices ascending, integer counts as float32. */
export interface DemoCellRow {
  readonly cell: DemoCell;
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

/** Compressed sparse rows, cells × genes. */
export interface CsrMatrix {
  readonly rows: number;
  readonly columns: number;
  readonly indptr: Uint32Array;
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

export interface DemoAtlas {
  readonly seed: number;
  readonly genes: readonly GeneEntry[];
  readonly cellTypes: readonly CellTypeSpec[];
  readonly cells: readonly DemoCell[];
  readonly counts: CsrMatrix;
}

/** Gene indices and per-gene log2 effects of a program that is switched on cell by cell. */
interface CellStateProgram {
  readonly genes: Uint32Array;
  readonly log2Effects: Float64Array;
}

interface ExpressionModel {
  /** Normalized gene shares per (cell type, donor): profiles[typeIndex][donorIndex]. */
  readonly profiles: readonly (readonly Float64Array[])[];
  readonly dispersion: Float64Array;
  /** Each type's own expression program, for per-cell variation of its strength. */
  readonly typePrograms: readonly CellStateProgram[];
  readonly continua: readonly (CellStateProgram | undefined)[];
  readonly proliferation: CellStateProgram;
  readonly interferon: CellStateProgram;
  readonly stress: CellStateProgram;
}

const GENE_INDEX: ReadonlyMap<string, number> = new Map(GENES.map((gene, index) => [gene.symbol, index]));

function geneIndexOf(symbol: string, context: string): number {
  const index = GENE_INDEX.get(symbol);
  if (index === undefined) throw new Error(`${context}: gene ${symbol} is not in seed/genes.ts`);
  return index;
}

function programToState(program: ExpressionProgram, context: string): CellStateProgram {
  const entries = Object.entries(program);
  return {
    genes: Uint32Array.from(entries.map(([symbol]) => geneIndexOf(symbol, context))),
    log2Effects: Float64Array.from(entries.map(([, lfc]) => lfc)),
  };
}

function roleProgram(role: GeneRole, rng: Rng, meanLog2: number, sdLog2: number): CellStateProgram {
  const genes = GENES.flatMap((gene, index) => (gene.role === role ? [index] : []));
  return {
    genes: Uint32Array.from(genes),
    log2Effects: Float64Array.from(genes.map(() => meanLog2 + sdLog2 * rng.normal())),
  };
}

function buildExpressionModel(seed: number): ExpressionModel {
  const rng = new Rng(mixSeed(seed, STREAM.expression));
  const geneCount = GENES.length;
  const baselineLog = Float64Array.from(GENES, (gene) => {
    const { logMean, logSd } = ROLE_BASELINES[gene.role];
    return logMean + logSd * rng.normal();
  });
  const dispersion = Float64Array.from(GENES, () =>
    Math.min(3, Math.max(0.03, Math.exp(DISPERSION_LOG_MEAN + DISPERSION_LOG_SD * rng.normal()))),
  );
  const donorEffects = DONORS.map(() => Float64Array.from(GENES, () => DONOR_EFFECT_LOG_SD * rng.normal()));
  const batchEffects = new Map(
    BATCHES.map((batch) => [batch, Float64Array.from(GENES, () => BATCH_EFFECT_LOG_SD * rng.normal())]),
  );

  // Beyond the named programs, types differ by random log-scale shifts: mostly shared within a
  // lineage (CD4 T, CD8 T and Treg look alike), a little per type; a few background genes are
  // differentially expressed per lineage and fewer per type.
  const backgroundShift = (deFraction: number, jitterSd: number): Float64Array =>
    Float64Array.from(GENES, (gene) => {
      let shift = jitterSd * rng.normal();
      if (gene.role === 'background' && rng.uniform() < deFraction) {
        shift += BACKGROUND_DE_LOG2_SD * rng.normal() * Math.LN2;
      }
      return shift;
    });
  const lineageShifts = new Map(
    [...new Set(CELL_TYPES.map((spec) => spec.lineage))].map((lineage) => [
      lineage,
      backgroundShift(LINEAGE_DE_FRACTION, LINEAGE_JITTER_LOG_SD),
    ]),
  );

  const profiles = CELL_TYPES.map((spec) => {
    const typeLog = Float64Array.from(baselineLog);
    for (const [symbol, lfc] of Object.entries(spec.expression)) {
      const g = geneIndexOf(symbol, `cell type ${spec.key}`);
      typeLog[g] = (typeLog[g] ?? 0) + lfc * Math.LN2;
    }
    const roleShifts = ROLE_SHIFTS[spec.key] ?? {};
    const lineageShift = lineageShifts.get(spec.lineage) as Float64Array;
    const typeShift = backgroundShift(TYPE_DE_FRACTION, TYPE_JITTER_LOG_SD);
    for (let g = 0; g < geneCount; g += 1) {
      const role = (GENES[g] as GeneEntry).role;
      typeLog[g] =
        (typeLog[g] ?? 0) + (roleShifts[role] ?? 0) * Math.LN2 + (lineageShift[g] ?? 0) + (typeShift[g] ?? 0);
    }
    return DONORS.map((donor, d) => {
      const donorLog = donorEffects[d] as Float64Array;
      const batchLog = batchEffects.get(donor.batch) as Float64Array;
      const shares = Float64Array.from(typeLog, (value, g) =>
        Math.exp(value + (donorLog[g] ?? 0) + (batchLog[g] ?? 0)),
      );
      const total = shares.reduce((sum, share) => sum + share, 0);
      return shares.map((share) => share / total);
    });
  });

  return {
    profiles,
    dispersion,
    typePrograms: CELL_TYPES.map((spec) => programToState(spec.expression, `cell type ${spec.key}`)),
    continua: CELL_TYPES.map((spec) =>
      spec.continuum === undefined ? undefined : programToState(spec.continuum, `continuum of ${spec.key}`),
    ),
    proliferation: roleProgram('proliferation', rng, 4, 0.5),
    interferon: roleProgram('interferon', rng, 4, 0.7),
    stress: roleProgram('stress', rng, 1.5, 0.4),
  };
}

/** Exact per-type cell numbers summing to `total` (largest remainder of the proportions). */
export function cellTypeCounts(total: number): Map<CellTypeKey, number> {
  const proportionSum = CELL_TYPES.reduce((sum, spec) => sum + spec.proportion, 0);
  const exact = CELL_TYPES.map((spec) => (spec.proportion / proportionSum) * total);
  const counts = exact.map(Math.floor);
  let remaining = total - counts.reduce((sum, n) => sum + n, 0);
  const byRemainder = exact
    .map((value, t) => ({ t, remainder: value - Math.floor(value) }))
    .sort((x, y) => y.remainder - x.remainder || x.t - y.t);
  for (const { t } of byRemainder) {
    if (remaining === 0) break;
    counts[t] = (counts[t] ?? 0) + 1;
    remaining -= 1;
  }
  return new Map(CELL_TYPES.map((spec, t) => [spec.key, counts[t] ?? 0]));
}

function pickWeighted(rng: Rng, weights: readonly number[]): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < weights.length; i += 1) {
    u -= weights[i] ?? 0;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

interface ResolvedOptions {
  readonly seed: number;
  readonly cells: number;
  readonly testFraction: number;
}

function resolveOptions(options: DemoAtlasOptions): ResolvedOptions {
  const seed = options.seed ?? DEFAULT_SEED;
  const cells = options.cells ?? DEFAULT_CELL_COUNT;
  const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  if (!Number.isInteger(cells) || cells < 1) throw new RangeError(`cells must be a positive integer, got ${cells}`);
  if (!(testFraction >= 0 && testFraction < 1)) throw new RangeError(`testFraction must be in [0, 1), got ${testFraction}`);
  return { seed, cells, testFraction };
}

/** Identity and metadata of every cell: types in exact proportions, shuffled; stratified split. */
export function planDemoCells(options: DemoAtlasOptions = {}): DemoCellPlan[] {
  const { seed, cells, testFraction } = resolveOptions(options);
  const rng = new Rng(mixSeed(seed, STREAM.cellPlan));
  const typeIndices: number[] = [];
  const counts = cellTypeCounts(cells);
  CELL_TYPES.forEach((spec, t) => {
    for (let i = 0; i < (counts.get(spec.key) ?? 0); i += 1) typeIndices.push(t);
  });
  rng.shuffle(typeIndices);
  const donorWeights = DONORS.map((donor) => donor.weight);
  const donorIndices = typeIndices.map(() => pickWeighted(rng, donorWeights));

  // Stratified split: within each type, a random round(n · testFraction) of its cells are test.
  const splitRng = new Rng(mixSeed(seed, STREAM.split));
  const isTest = new Uint8Array(cells);
  CELL_TYPES.forEach((_spec, t) => {
    const members = typeIndices.flatMap((typeIndex, cellIndex) => (typeIndex === t ? [cellIndex] : []));
    splitRng.shuffle(members);
    const testCount = Math.round(members.length * testFraction);
    for (const cellIndex of members.slice(0, testCount)) isTest[cellIndex] = 1;
  });

  const idWidth = Math.max(5, String(cells - 1).length);
  return typeIndices.map((t, index) => {
    const spec = CELL_TYPES[t] as CellTypeSpec;
    const donor = DONORS[donorIndices[index] ?? 0] as Donor;
    return {
      index,
      id: `demo-${String(index).padStart(idWidth, '0')}`,
      cellType: spec.key,
      label: spec.name,
      ontologyId: spec.ontologyId,
      split: isTest[index] === 1 ? 'test' : 'train',
      donor: donor.id,
      batch: donor.batch,
    };
  });
}

const TYPE_INDEX: ReadonlyMap<CellTypeKey, number> = new Map(CELL_TYPES.map((spec, t) => [spec.key, t]));
const DONOR_INDEX: ReadonlyMap<string, number> = new Map(DONORS.map((donor, d) => [donor.id, d]));

/** Multiplies the shares of a program's genes by 2^(activity · effect); returns the change of the total. */
function applyProgram(shares: Float64Array, program: CellStateProgram, activity: number): number {
  let delta = 0;
  for (let i = 0; i < program.genes.length; i += 1) {
    const g = program.genes[i] as number;
    const before = shares[g] as number;
    const after = before * Math.pow(2, activity * (program.log2Effects[i] as number));
    shares[g] = after;
    delta += after - before;
  }
  return delta;
}

function sampleLibrarySize(rng: Rng, median: number): number {
  // Truncated log-normal by rejection: keeps the documented range without piling cells on a bound.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const size = median * Math.exp(LIBRARY_LOG_SD * rng.normal());
    if (size >= LIBRARY_MIN && size <= LIBRARY_MAX) return size;
  }
  return Math.min(LIBRARY_MAX, Math.max(LIBRARY_MIN, median));
}

/** Draws one cell's counts. `shares` and the row buffers are scratch space reused across cells. */
function sampleCellRow(
  model: ExpressionModel,
  plan: DemoCellPlan,
  seed: number,
  shares: Float64Array,
  rowIndices: Uint32Array,
  rowValues: Float32Array,
): DemoCellRow {
  const rng = new Rng(mixSeed(seed, STREAM.counts, plan.index));
  const t = TYPE_INDEX.get(plan.cellType) as number;
  const d = DONOR_INDEX.get(plan.donor) as number;
  const spec = CELL_TYPES[t] as CellTypeSpec;
  const donor = DONORS[d] as Donor;

  const medianLibrary =
    LIBRARY_MEDIAN * spec.librarySizeFactor * donor.depthFactor * (BATCH_DEPTH_FACTORS[donor.batch] ?? 1);
  const librarySize = sampleLibrarySize(rng, medianLibrary);

  shares.set((model.profiles[t] as readonly Float64Array[])[d] as Float64Array);
  let total = 1;
  // Cells differ in how strongly they show their type's identity (maturation, RNA capture), which
  // blurs the boundaries between related types.
  const identityStrength = Math.min(IDENTITY_STRENGTH_MAX, Math.max(IDENTITY_STRENGTH_MIN, IDENTITY_STRENGTH_SD * rng.normal()));
  total += applyProgram(shares, model.typePrograms[t] as CellStateProgram, identityStrength);
  const continuum = model.continua[t];
  if (continuum !== undefined) total += applyProgram(shares, continuum, 2 * rng.uniform() - 1);
  if (rng.uniform() < spec.cyclingFraction) total += applyProgram(shares, model.proliferation, 0.7 + 0.3 * rng.uniform());
  if (rng.uniform() < spec.interferonFraction) total += applyProgram(shares, model.interferon, 0.5 + 0.5 * rng.uniform());
  total += applyProgram(shares, model.stress, Math.abs(rng.normal()));

  const scale = librarySize / total;
  const dropoutMidLog = Math.log(DROPOUT_MIDPOINT);
  let nonZero = 0;
  let nCounts = 0;
  for (let g = 0; g < shares.length; g += 1) {
    const mean = (shares[g] as number) * scale;
    let count = rng.negativeBinomial(mean, model.dispersion[g] as number);
    if (count > 0) {
      const dropout = 1 / (1 + Math.exp(DROPOUT_SHAPE * (Math.log(mean) - dropoutMidLog)));
      if (rng.uniform() < dropout) count = 0;
    }
    if (count > 0) {
      rowIndices[nonZero] = g;
      rowValues[nonZero] = count;
      nonZero += 1;
      nCounts += count;
    }
  }
  return {
    cell: { ...plan, nCounts, nGenes: nonZero },
    indices: rowIndices.slice(0, nonZero),
    values: rowValues.slice(0, nonZero),
  };
}

/** Streams the atlas one cell at a time (constant memory); same rows as generateDemoAtlas. */
export function* iterateDemoAtlasCells(options: DemoAtlasOptions = {}): Generator<DemoCellRow> {
  const resolved = resolveOptions(options);
  const model = buildExpressionModel(resolved.seed);
  const shares = new Float64Array(GENES.length);
  const rowIndices = new Uint32Array(GENES.length);
  const rowValues = new Float32Array(GENES.length);
  for (const plan of planDemoCells(resolved)) {
    yield sampleCellRow(model, plan, resolved.seed, shares, rowIndices, rowValues);
  }
}

/** The whole atlas in memory, counts as CSR (about 3 M non-zeros, ~25 MB, for 6,000 cells). */
export function generateDemoAtlas(options: DemoAtlasOptions = {}): DemoAtlas {
  const resolved = resolveOptions(options);
  const cells: DemoCell[] = [];
  const rows: DemoCellRow[] = [];
  for (const row of iterateDemoAtlasCells(resolved)) {
    cells.push(row.cell);
    rows.push(row);
  }
  const indptr = new Uint32Array(cells.length + 1);
  rows.forEach((row, i) => {
    indptr[i + 1] = (indptr[i] ?? 0) + row.indices.length;
  });
  const nonZeros = indptr[cells.length] ?? 0;
  const indices = new Uint32Array(nonZeros);
  const values = new Float32Array(nonZeros);
  rows.forEach((row, i) => {
    indices.set(row.indices, indptr[i]);
    values.set(row.values, indptr[i]);
  });
  return {
    seed: resolved.seed,
    genes: GENES,
    cellTypes: CELL_TYPES,
    cells,
    counts: { rows: cells.length, columns: GENES.length, indptr, indices, values },
  };
}

export interface DistributionSummary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export interface DemoAtlasSummary {
  readonly cells: number;
  readonly genes: number;
  readonly nonZeros: number;
  readonly cellsPerType: Readonly<Record<string, { readonly train: number; readonly test: number }>>;
  readonly librarySize: DistributionSummary;
  readonly genesPerCell: DistributionSummary;
}

function summarize(values: readonly number[]): DistributionSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return { min: sorted[0] ?? 0, median, max: sorted[sorted.length - 1] ?? 0 };
}

export function summarizeDemoAtlas(atlas: DemoAtlas): DemoAtlasSummary {
  const cellsPerType: Record<string, { train: number; test: number }> = {};
  for (const spec of atlas.cellTypes) cellsPerType[spec.key] = { train: 0, test: 0 };
  for (const cell of atlas.cells) {
    const entry = cellsPerType[cell.cellType];
    if (entry !== undefined) entry[cell.split] += 1;
  }
  return {
    cells: atlas.cells.length,
    genes: atlas.genes.length,
    nonZeros: atlas.counts.values.length,
    cellsPerType,
    librarySize: summarize(atlas.cells.map((cell) => cell.nCounts)),
    genesPerCell: summarize(atlas.cells.map((cell) => cell.nGenes)),
  };
}

/** Cells as a reader would yield them: one CSR chunk over the atlas's genes, no obs columns. */
export function demoChunk(rows: readonly DemoCellRow[], start = 0): CellChunk {
  const indptr = new Uint32Array(rows.length + 1);
  rows.forEach((row, i) => (indptr[i + 1] = indptr[i]! + row.indices.length));
  const indices = new Uint32Array(indptr[rows.length]!);
  const values = new Float32Array(indptr[rows.length]!);
  rows.forEach((row, i) => {
    indices.set(row.indices, indptr[i]!);
    values.set(row.values, indptr[i]!);
  });
  return { start, cellIds: rows.map((r) => r.cell.id), indptr, indices, values, obs: {} };
}

/** Rows of a generated atlas (by row index) as `DemoCellRow`s, sharing the atlas's arrays. */
export function demoRows(atlas: DemoAtlas, rowIndices: readonly number[]): DemoCellRow[] {
  const { indptr, indices, values } = atlas.counts;
  return rowIndices.map((row) => ({
    cell: atlas.cells[row]!,
    indices: indices.subarray(indptr[row]!, indptr[row + 1]!),
    values: values.subarray(indptr[row]!, indptr[row + 1]!),
  }));
}
