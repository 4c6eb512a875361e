/**
 * How cells are grouped into encoder batches. Attention cost grows with the padded length of a
 * batch, so mixing a 200-gene cell with a 2,000-gene cell wastes most of the work on padding.
 * `planLengthBuckets` sorts by length and fills each batch up to a token budget (batch × padded
 * length); `planFixedBatches` is LangCell's notebook (dataset order, fixed size), kept for
 * benchmarks and comparisons.
 */
export interface BatchingOptions {
  /** Upper bound on batch size × padded length. */
  tokenBudget: number;
  maxBatchSize: number;
}

export const DEFAULT_BATCHING: BatchingOptions = { tokenBudget: 2_048, maxBatchSize: 64 };

/** Batches of indices into `lengths`; every index appears exactly once. */
export function planLengthBuckets(lengths: readonly number[], options: BatchingOptions = DEFAULT_BATCHING): number[][] {
  const order = Array.from(lengths.keys()).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let paddedLength = 0;
  for (const index of order) {
    const length = lengths[index]!;
    const nextPadded = Math.max(paddedLength, length);
    if (current.length > 0 && ((current.length + 1) * nextPadded > options.tokenBudget || current.length >= options.maxBatchSize)) {
      batches.push(current);
      current = [];
      paddedLength = 0;
    }
    current.push(index);
    paddedLength = Math.max(paddedLength, length);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** LangCell's batching: consecutive cells in dataset order, `size` at a time. */
export function planFixedBatches(count: number, size: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += size) {
    batches.push(Array.from({ length: Math.min(size, count - start) }, (_, i) => start + i));
  }
  return batches;
}
