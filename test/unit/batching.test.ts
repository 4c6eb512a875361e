import { describe, expect, it } from 'vitest';
import { planFixedBatches, planLengthBuckets } from '../../src/model/batching.ts';

describe('batching', () => {
  it('length buckets: longest first, each batch within the token budget, every cell once', () => {
    const lengths = [100, 2000, 300, 120, 1900, 310];
    const batches = planLengthBuckets(lengths, { tokenBudget: 4000, maxBatchSize: 8 });
    // By hand: sorted desc 2000(1),1900(4),310(5),300(2),120(3),100(0); 2×2000 = 4000 fits, a third would not.
    expect(batches).toEqual([
      [1, 4],
      [5, 2, 3, 0],
    ]);
    for (const batch of batches) expect(batch.length * Math.max(...batch.map((i) => lengths[i]!))).toBeLessThanOrEqual(4000);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a single cell longer than the budget still gets a batch of its own', () => {
    expect(planLengthBuckets([5000, 10], { tokenBudget: 100, maxBatchSize: 8 })).toEqual([[0], [1]]);
  });

  it('respects the maximum batch size', () => {
    expect(planLengthBuckets([1, 1, 1, 1, 1], { tokenBudget: 1000, maxBatchSize: 2 })).toEqual([[0, 1], [2, 3], [4]]);
  });

  it("LangCell's fixed batches keep dataset order", () => {
    expect(planFixedBatches(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
  });
});
