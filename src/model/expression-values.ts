import { AtlasError } from '../errors.ts';

/**
 * What kind of numbers an expression matrix holds. The cell tokenizer needs counts (or anything
 * proportional to counts within a cell, since it normalizes by the cell's total):
 * - `counts`: non-negative integers (UMI or read counts) — used as is;
 * - `log1p`: log1p of per-cell-normalized values (scanpy's `normalize_total` + `log1p`) —
 *   inverted with expm1, which restores values proportional to counts, so ranks are exact;
 * - `normalized`: non-negative non-integers too large to be log1p (CP10k, CPM) — used as is.
 * Negative values mean a scaled/centered matrix whose ranks carry no expression order: refused.
 */
export const VALUE_KINDS = ['counts', 'log1p', 'normalized'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/** log1p(1e6): a log1p-normalized value above this would mean a cell with more than a million counts per gene. */
export const LOG1P_MAX = Math.log1p(1e6);

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

/** Decides the value kind from a sample of the matrix (typically its first chunk). */
export function detectValueKind(summary: ValueSummary, where: string): ValueKind {
  if (summary.min < 0) {
    throw new AtlasError(
      'SCALED_VALUES',
      `${where} holds scaled values (min ${summary.min.toFixed(2)}): gene ranks cannot be recovered from a centered matrix. ` +
        'Use the raw counts instead: layers/counts or raw/X in an h5ad (CLI --layer counts or --layer raw; API layer: COUNTS or RAW).',
      { where, min: summary.min },
    );
  }
  if (summary.allIntegers) return 'counts';
  return summary.max <= LOG1P_MAX ? 'log1p' : 'normalized';
}

/** Checks a later chunk against the decided kind: a matrix does not change kind half-way. */
export function checkValuesAgainst(kind: ValueKind, values: Float32Array, where: string): void {
  const summary = summarizeValues(values, where);
  if (summary.min < 0) detectValueKind(summary, where);
  if (kind === 'log1p' && summary.max > LOG1P_MAX) {
    throw new AtlasError('INVALID_INPUT', `${where} looked log1p-normalized but holds ${summary.max.toFixed(1)}, too large for log1p values; pass raw counts.`, {
      where,
    });
  }
}

/**
 * The one place that decides how a matrix's values are read: the kind is decided on the first values
 * seen (a file's first non-empty chunk, or one cell given by value) and every later chunk is held to
 * it, since a matrix does not change kind half-way. Files, the ingestion worker and API input all
 * read values through this.
 */
export class ValueKindGuard {
  private kind: ValueKind | undefined;

  /** `decided`: a kind decided earlier (a worker resuming a validated file), to hold chunks to. */
  constructor(
    private readonly where: string,
    decided?: ValueKind,
  ) {
    this.kind = decided;
  }

  get decided(): ValueKind | undefined {
    return this.kind;
  }

  /** Checks a chunk's stored (non-zero) values; decides the kind on the first chunk that has any. */
  read(values: Float32Array): ValueKind | undefined {
    if (values.length === 0) return this.kind;
    if (this.kind === undefined) this.kind = detectValueKind(summarizeValues(values, this.where), this.where);
    else checkValuesAgainst(this.kind, values, this.where);
    return this.kind;
  }
}

/** Undoes log1p in place (expm1) so values are proportional to counts again. */
export function toCountScale(kind: ValueKind, values: Float32Array): Float32Array {
  if (kind !== 'log1p') return values;
  const restored = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += 1) restored[i] = Math.expm1(values[i]!);
  return restored;
}
