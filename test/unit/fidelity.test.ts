import { describe, expect, it } from 'vitest';
import { agreement, maxAbsDifference, precisionAtK, rowCosineStats } from '../../src/model/fidelity.ts';

describe('int8 fidelity math', () => {
  it('summarises row cosines with the nearest-rank 1st percentile', () => {
    // Rows (2-d): identical → 1; 90° apart → 0; 45° → √½; opposite → −1.
    const a = new Float32Array([1, 0, 1, 0, 1, 0, 2, 0]);
    const b = new Float32Array([3, 0, 0, 5, 1, 1, -1, 0]);
    const stats = rowCosineStats(a, b, 2);
    expect(stats.cells).toBe(4);
    expect(stats.min).toBeCloseTo(-1, 12);
    // n = 4: ⌈0.04⌉ = 1st smallest
    expect(stats.p01).toBeCloseTo(-1, 12);
    expect(stats.mean).toBeCloseTo((1 + 0 + Math.SQRT1_2 - 1) / 4, 7);
  });

  it('takes the 2nd smallest cosine as p01 from 101 rows', () => {
    // 99 identical rows, one at 0.5 (60°) and one at 0 (90°): ⌈1.01⌉ = 2nd smallest = 0.5.
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 99; i += 1) {
      a.push(1, 0);
      b.push(1, 0);
    }
    a.push(1, 0, 1, 0);
    b.push(0.5, Math.sqrt(3) / 2, 0, 1);
    const stats = rowCosineStats(new Float32Array(a), new Float32Array(b), 2);
    expect(stats.min).toBeCloseTo(0, 7);
    expect(stats.p01).toBeCloseTo(0.5, 6);
  });

  it('max abs difference and agreement', () => {
    expect(maxAbsDifference(new Float32Array([0.5, 0.25, 1]), new Float32Array([0.5, 0.75, 0.875]))).toBe(0.5);
    expect(agreement([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(() => agreement([], [])).toThrow();
  });

  it('precision at k per query, averaged', () => {
    // 1-d embeddings: query "T" points up, query "B" points down; cells ordered by their value.
    const cells = new Float32Array([0.9, 0.8, -0.7, 0.1, -0.95]);
    const cellLabels = ['T', 'B', 'B', 'T', 'B'];
    const queries = new Float32Array([1, -1]);
    // k = 2: T → cells 0.9 (T), 0.8 (B) = 1/2; B → −0.95 (B), −0.7 (B) = 1. Mean 0.75.
    expect(precisionAtK(queries, ['T', 'B'], cells, cellLabels, 1, 2)).toBe(0.75);
    // k = 3: T → 0.9 T, 0.8 B, 0.1 T = 2/3; B → −0.95 B, −0.7 B, 0.1 T = 2/3.
    expect(precisionAtK(queries, ['T', 'B'], cells, cellLabels, 1, 3)).toBeCloseTo(2 / 3, 12);
  });
});
