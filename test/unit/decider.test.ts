// Expected values worked out by hand.
import { describe, expect, it } from 'vitest';
import { equalShares } from '../../src/atlas/decider.ts';

describe('equalShares: validation cells split evenly over reference datasets', () => {
  it('gives each dataset the same share, a small one all its cells, and the rest to the others', () => {
    expect(equalShares([6000, 700], 600)).toEqual([300, 300]);
    // 100 cells cannot fill a share of 300: the 200 left go to the other dataset.
    expect(equalShares([6000, 100], 600)).toEqual([500, 100]);
    // Shares of 200: 10 and 20 taken whole, 570 for the third.
    expect(equalShares([10, 20, 1000], 600)).toEqual([10, 20, 570]);
    // Fewer cells than asked: every cell.
    expect(equalShares([50, 30], 600)).toEqual([50, 30]);
    expect(equalShares([0, 9], 4)).toEqual([0, 4]);
    expect(equalShares([], 600)).toEqual([]);
  });
});
