import { AtlasError } from '../errors.ts';

/**
 * What kind of numbers an expression matrix holds. The cell tokenizer needs counts (or anything
 * proportional to counts within a cell, since it normalizes by the cell's total):
 * - `counts`: non-negative integers (UMI or read counts) — used as is;
 * - `normalized`: per-cell-normalized values on the linear scale (CP10k, CPM, TPM) — used as is;
 * - `log1p`: natural log1p of normalized values (scanpy's `normalize_total` + `log1p`) — inverted
 *   with expm1, which restores values proportional to counts, so ranks are exact;
 * - `log2(x+1)`, `log10(x+1)`, `logB(x+1)`: the same with another base (e.g. log2(TPM/10+1)).
 * Negative values mean a scaled/centered matrix whose ranks carry no expression order: refused.
 * Stored as text (`dataset.value_kind`); `parseValueKind` reads it back.
 */
export type LogKind = 'log1p' | `log${number}(x+1)`;
export type ValueKind = 'counts' | 'normalized' | LogKind;

/** How a caller states the values (CLI `--values`, API `valueType`), when it knows. */
export const STATED_VALUE_TYPES = ['counts', 'normalized', 'log1p', 'log2p', 'log10p'] as const;
export type StatedValueType = (typeof STATED_VALUE_TYPES)[number];

export function statedKind(stated: StatedValueType): ValueKind {
  return stated === 'log2p' ? 'log2(x+1)' : stated === 'log10p' ? 'log10(x+1)' : stated;
}

/** The kind of a log with this base: `log1p` for e, `log2(x+1)` for 2, … */
export function logKind(base: number): LogKind {
  return Math.abs(base - Math.E) < 1e-9 ? 'log1p' : `log${base}(x+1)`;
}

/** The base of a log kind (e for log1p), or null for linear kinds. */
export function logBase(kind: ValueKind): number | null {
  if (kind === 'log1p') return Math.E;
  if (kind === 'counts' || kind === 'normalized') return null;
  return Number(/^log(.+)\(x\+1\)$/.exec(kind)![1]);
}

/** A stored kind read back, or null when the text is none of ours. */
export function parseValueKind(text: string): ValueKind | null {
  if (text === 'counts' || text === 'normalized' || text === 'log1p') return text;
  const match = /^log([0-9.]+)\(x\+1\)$/.exec(text);
  const base = match ? Number(match[1]) : NaN;
  return Number.isFinite(base) && base > 1 ? logKind(base) : null;
}

/** No gene of one cell holds more than a million (normalized) counts: a log value above log_b(1e6+1) is not a log. */
const MAX_LINEAR_VALUE = 1e6;

/** The largest value a log kind can hold: log_b(1e6 + 1). */
export function logMax(base: number): number {
  return Math.log1p(MAX_LINEAR_VALUE) / Math.log(base);
}

/** log1p(1e6): a log1p-normalized value above this would mean a cell with more than a million counts per gene. */
export const LOG1P_MAX = logMax(Math.E);

/** Bases tried when the data must tell (other bases only come from a file's notes or the caller). */
const DETECTABLE_BASES = [Math.E, 2, 10] as const;

export interface ValueSummary {
  readonly min: number;
  readonly max: number;
  readonly allIntegers: boolean;
}

export function summarizeValues(values: Float32Array, where: string): ValueSummary {
  let min = Infinity;
  let max = -Infinity;
  let allIntegers = true;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i]!;
    if (!Number.isFinite(value)) {
      throw new AtlasError('NON_FINITE_VALUES', `${where} holds a non-finite value (${value}) at stored entry ${i}; remove or impute NaN/Inf before ingesting.`, {
        where,
      });
    }
    if (value < min) min = value;
    if (value > max) max = value;
    if (allIntegers && value !== Math.round(value)) allIntegers = false;
  }
  return { min, max, allIntegers };
}

/** What a file says about its values, e.g. an h5ad's `uns/log1p/base` written by scanpy's `log1p`. */
export interface ValueNotes {
  /** The log base the file records (e for scanpy's default), and where it says so. */
  readonly logBase?: number;
  readonly source?: string;
}

/** Stored values of some cells as CSR rows (a reader chunk or one cell given by value). */
export interface ValueSample {
  readonly values: Float32Array;
  /** Row pointers (cells + 1); a single row when absent. */
  readonly indptr?: Uint32Array;
}

/** How a matrix's values were read, and what decided it: said in every answer that reads values. */
export interface ValueReading {
  readonly kind: ValueKind;
  readonly decidedBy: 'integers' | 'stated' | 'file note' | 'count lattice' | 'constant totals' | 'range' | 'stored';
}

export function describeReading(reading: ValueReading): string {
  return `${reading.kind} (${reading.decidedBy})`;
}

/** Turns a value of `kind` back into the linear (count) scale. */
function inverse(kind: ValueKind): (value: number) => number {
  const base = logBase(kind);
  if (base === null) return (value) => value;
  const ln = Math.log(base);
  return (value) => Math.expm1(value * ln);
}

function rowsOf(sample: ValueSample): Uint32Array {
  return sample.indptr ?? Uint32Array.of(0, sample.values.length);
}

/** Ratios to a cell's smallest value tested for being whole numbers: low multiples, where rounding in the file cannot blur them. */
const LATTICE_MAX_RATIO = 10.5;
const LATTICE_TOLERANCE = 0.05;

/**
 * Counts normalized per cell are whole multiples of the cell's unit (target sum / cell total): the
 * right inverse puts every value of a cell on that lattice; a wrong base bends it off. Returns the
 * share of tested values (ratio to the cell's smallest value between 1 and 10.5, excluding the
 * smallest itself) within 0.05 of a whole number, or null when no value could be tested.
 */
export function latticeScore(sample: ValueSample, kind: ValueKind): number | null {
  const indptr = rowsOf(sample);
  const invert = inverse(kind);
  let tested = 0;
  let onLattice = 0;
  for (let cell = 0; cell + 1 < indptr.length; cell += 1) {
    const from = indptr[cell]!;
    const to = indptr[cell + 1]!;
    let unit = Infinity;
    for (let k = from; k < to; k += 1) if (sample.values[k]! > 0) unit = Math.min(unit, invert(sample.values[k]!));
    if (!Number.isFinite(unit) || unit <= 0) continue;
    for (let k = from; k < to; k += 1) {
      const value = sample.values[k]!;
      if (value <= 0) continue;
      const ratio = invert(value) / unit;
      if (ratio < 1 + 1e-6 || ratio > LATTICE_MAX_RATIO) continue;
      tested += 1;
      if (Math.abs(ratio - Math.round(ratio)) <= LATTICE_TOLERANCE) onLattice += 1;
    }
  }
  return tested === 0 ? null : onLattice / tested;
}

/**
 * Coefficient of variation of the cells' totals after inverting `kind`: normalization to a target
 * sum (CP10k, TPM over every gene) makes them constant under the right inverse only. Null with
 * fewer than 2 cells.
 */
export function totalsSpread(sample: ValueSample, kind: ValueKind): number | null {
  const indptr = rowsOf(sample);
  const invert = inverse(kind);
  const totals: number[] = [];
  for (let cell = 0; cell + 1 < indptr.length; cell += 1) {
    let total = 0;
    for (let k = indptr[cell]!; k < indptr[cell + 1]!; k += 1) total += invert(sample.values[k]!);
    if (total > 0) totals.push(total);
  }
  if (totals.length < 2) return null;
  const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
  const variance = totals.reduce((sum, t) => sum + (t - mean) ** 2, 0) / totals.length;
  return Math.sqrt(variance) / mean;
}

/** The lattice must hold for one reading (≥ 0.8 of values) and clearly fail for every other (≤ 0.5). */
const LATTICE_HOLDS = 0.8;
const LATTICE_FAILS = 0.5;
/**
 * Totals must be constant for one reading (CV ≤ 0.01: a target sum, blurred only by rounding in the
 * file) and vary for every other (CV ≥ 0.03; a wrong base near the right one varies little).
 */
const TOTALS_CONSTANT = 0.01;
const TOTALS_VARY = 0.03;
/** Cells needed before constant totals count as evidence. */
const TOTALS_MIN_CELLS = 10;

/** The one reading that passes a test while every other fails it, or null. */
function soleWinner<T>(scores: readonly { kind: ValueKind; score: T | null }[], passes: (s: T) => boolean, fails: (s: T) => boolean): ValueKind | null {
  const passing = scores.filter((s) => s.score !== null && passes(s.score));
  if (passing.length !== 1) return null;
  return scores.every((s) => s === passing[0] || s.score === null || fails(s.score)) ? passing[0]!.kind : null;
}

function scaledRefusal(where: string, min: number): AtlasError {
  return new AtlasError(
    'SCALED_VALUES',
    `${where} holds scaled values (min ${min.toFixed(2)}): gene ranks cannot be recovered from a centered matrix. ` +
      'Use the raw counts instead: layers/counts or raw/X in an h5ad (CLI --layer counts or --layer raw; API layer: COUNTS or RAW).',
    { where, min, field: 'layer' },
  );
}

const STATE_IT = 'State how they were produced: CLI --values counts|normalized|log1p|log2p|log10p, API valueType: COUNTS, NORMALIZED, LOG1P, LOG2P or LOG10P.';

/**
 * Decides how a matrix's values are read from a sample of its cells (typically its first chunk):
 * 1. negative values: refused (scaled); 2. all integers: counts; 3. a stated kind: checked and
 * used; 4. a file note (h5ad `uns/log1p/base`): used when the values fit it; 5. the data: the one
 * inverse (linear, ln, log2, log10) that puts each cell's values on a count lattice, else the one
 * that makes per-cell totals constant; 6. values too large for any log: normalized. Anything else
 * is VALUE_TYPE_AMBIGUOUS: the caller must state the kind, it is never guessed.
 */
export function detectValueReading(sample: ValueSample, where: string, evidence: { stated?: ValueKind; notes?: ValueNotes } = {}): ValueReading {
  const summary = summarizeValues(sample.values, where);
  if (summary.min < 0) throw scaledRefusal(where, summary.min);
  if (evidence.stated !== undefined) {
    checkValuesAgainst(evidence.stated, summary, where);
    return { kind: evidence.stated, decidedBy: 'stated' };
  }
  if (summary.allIntegers) return { kind: 'counts', decidedBy: 'integers' };
  const noted = evidence.notes?.logBase;
  if (noted !== undefined) {
    if (summary.max <= logMax(noted)) return { kind: logKind(noted), decidedBy: 'file note' };
    throw new AtlasError(
      'VALUE_TYPE_AMBIGUOUS',
      `${where}: ${evidence.notes?.source ?? 'the file'} says the values are ${logKind(noted)}, but they reach ${summary.max.toFixed(2)}, ` +
        `beyond any log of counts (≤ ${logMax(noted).toFixed(1)}). ${STATE_IT}`,
      { where, field: 'valueType', max: summary.max },
    );
  }
  const plausible: ValueKind[] = ['normalized', ...DETECTABLE_BASES.filter((base) => summary.max <= logMax(base)).map(logKind)];
  if (plausible.length === 1) return { kind: 'normalized', decidedBy: 'range' };
  const lattice = soleWinner(
    plausible.map((kind) => ({ kind, score: latticeScore(sample, kind) })),
    (s) => s >= LATTICE_HOLDS,
    (s) => s <= LATTICE_FAILS,
  );
  if (lattice !== null) return { kind: lattice, decidedBy: 'count lattice' };
  const cells = rowsOf(sample).length - 1;
  if (cells >= TOTALS_MIN_CELLS) {
    const totals = soleWinner(
      plausible.map((kind) => ({ kind, score: totalsSpread(sample, kind) })),
      (s) => s <= TOTALS_CONSTANT,
      (s) => s >= TOTALS_VARY,
    );
    if (totals !== null) return { kind: totals, decidedBy: 'constant totals' };
  }
  throw new AtlasError(
    'VALUE_TYPE_AMBIGUOUS',
    `${where} holds non-integer values (max ${summary.max.toFixed(2)}) that could be ${plausible.join(', ')}: ` +
      `neither a count lattice nor constant per-cell totals tell them apart in ${cells} cells. ${STATE_IT}`,
    { where, field: 'valueType', candidates: plausible },
  );
}

/** The kind alone (see detectValueReading). */
export function detectValueKind(sample: ValueSample, where: string, evidence: { stated?: ValueKind; notes?: ValueNotes } = {}): ValueKind {
  return detectValueReading(sample, where, evidence).kind;
}

/** Checks values against a decided or stated kind: a matrix does not change kind half-way, and counts are whole. */
export function checkValuesAgainst(kind: ValueKind, summary: ValueSummary, where: string): void {
  if (summary.min < 0) throw scaledRefusal(where, summary.min);
  if (kind === 'counts' && !summary.allIntegers) {
    throw new AtlasError(
      'VALUE_TYPE_MISMATCH',
      `${where}: the values are read as counts but hold non-integers (max ${summary.max.toFixed(2)}); counts are whole numbers. ` +
        'Give normalized values as NORMALIZED (CLI --values normalized) or log values as LOG1P, LOG2P or LOG10P.',
      { where, field: 'valueType' },
    );
  }
  const base = logBase(kind);
  if (base !== null && summary.max > logMax(base)) {
    throw new AtlasError(
      'INVALID_INPUT',
      `${where}: the values are read as ${kind} but reach ${summary.max.toFixed(1)}; ${kind} values of counts are at most ${logMax(base).toFixed(1)}. ` +
        'Give these values as counts (valueType: COUNTS, CLI --values counts) or normalized values (NORMALIZED) instead.',
      { where, field: 'valueType' },
    );
  }
}

/**
 * The one place that decides how a matrix's values are read: the kind is decided on the first values
 * seen (a file's first non-empty chunk, or one cell given by value) — stated by the caller, noted by
 * the file or detected from the data — and every later chunk is held to it, since a matrix does not
 * change kind half-way. Files, the ingestion worker, annotation jobs and API input all read values
 * through this.
 */
export class ValueKindGuard {
  private current: ValueReading | undefined;

  /** `decided`: a kind decided earlier (a worker resuming a validated file), to hold chunks to. */
  constructor(
    private readonly where: string,
    decided?: ValueKind | ValueReading,
    private readonly evidence: { stated?: ValueKind; notes?: ValueNotes } = {},
  ) {
    this.current = decided === undefined ? undefined : typeof decided === 'string' ? { kind: decided, decidedBy: 'stored' } : decided;
  }

  get decided(): ValueKind | undefined {
    return this.current?.kind;
  }

  get reading(): ValueReading | undefined {
    return this.current;
  }

  /** Checks a chunk's stored (non-zero) values; decides the kind on the first chunk that has any. */
  read(sample: ValueSample): ValueKind | undefined {
    if (sample.values.length === 0) return this.current?.kind;
    if (this.current === undefined) this.current = detectValueReading(sample, this.where, this.evidence);
    else checkValuesAgainst(this.current.kind, summarizeValues(sample.values, this.where), this.where);
    return this.current.kind;
  }
}

/** Brings values back to the count scale (b^v − 1 for a log of base b); linear kinds are returned as they are. */
export function toCountScale(kind: ValueKind, values: Float32Array): Float32Array {
  const base = logBase(kind);
  if (base === null) return values;
  const ln = Math.log(base);
  const restored = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += 1) restored[i] = Math.expm1(values[i]! * ln);
  return restored;
}
