// Expected values come from dense vectors built here from the definition (exp(−rank/100), L2
// norm, sums, cosines), not from the code under test.
import { describe, expect, it } from 'vitest';
import { CandidateSignatures, MAX_RANK, rankVector, SignatureSums } from '../../src/model/gene-signature.ts';

const CLS = 99;
/** A dense rank vector over genes 0…9 from the definition. */
function dense(genes: number[]): number[] {
  const v = new Array<number>(10).fill(0);
  genes.forEach((gene, r) => (v[gene] = Math.exp(-r / 100)));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
const add = (a: number[], b: number[]) => a.map((x, i) => x + b[i]!);
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));

describe('gene signatures', () => {
  it('rankVector: exp(−rank/100) by rank after <cls>, L2-normalised, cut at MAX_RANK', () => {
    const v = rankVector([CLS, 4, 2, 7]);
    expect(Array.from(v.genes)).toEqual([4, 2, 7]);
    const norm = Math.sqrt(1 + Math.exp(-2 / 100) + Math.exp(-4 / 100));
    expect(Array.from(v.weights)).toEqual([1 / norm, Math.exp(-1 / 100) / norm, Math.exp(-2 / 100) / norm].map((x) => expect.closeTo(x, 12)));
    const long = rankVector([CLS, ...Array.from({ length: MAX_RANK + 50 }, (_, i) => i + 1)]);
    expect(long.genes.length).toBe(MAX_RANK);
    expect(rankVector([CLS]).genes.length).toBe(0);
  });

  it('similarities: the best cosine among the signatures counting for a candidate, one per dataset and label', () => {
    const cells = { a1: [1, 2, 3], a2: [2, 1, 4], a3: [7, 8, 2], b1: [5, 6, 1], c1: [6, 5, 7] };
    const sums = new SignatureSums();
    // Label 10 in dataset 1 (two cells, summed) and in dataset 2; label 20 and label 30, which rolls
    // up to the same candidate as 20; candidate 2 has no labelled cells.
    sums.add(1, 10, 1, rankVector([CLS, ...cells.a1]));
    sums.add(1, 10, 2, rankVector([CLS, ...cells.a2]));
    sums.add(2, 10, 3, rankVector([CLS, ...cells.a3]));
    sums.add(1, 20, 4, rankVector([CLS, ...cells.b1]));
    sums.add(1, 30, 5, rankVector([CLS, ...cells.c1]));
    const signatures = new CandidateSignatures(sums.stored(), 3, (id) => ({ 10: 0, 20: 1, 30: 1 })[id] ?? null);
    const query = [2, 6, 5, 9];
    const got = signatures.match(rankVector([CLS, ...query]), null).similarities;
    const q = dense(query);
    const a = Math.max(cosine(q, add(dense(cells.a1), dense(cells.a2))), cosine(q, dense(cells.a3)));
    const b = Math.max(cosine(q, dense(cells.b1)), cosine(q, dense(cells.c1)));
    expect(Array.from(got)).toEqual([a, b, 0].map((x) => expect.closeTo(x, 12)));
  });

  it('similarities: a summed reference cell is left out of its own label’s signature', () => {
    const sums = new SignatureSums();
    sums.add(1, 10, 1, rankVector([CLS, 1, 2, 3]));
    sums.add(1, 10, 2, rankVector([CLS, 3, 1, 8]));
    sums.add(1, 20, 3, rankVector([CLS, 5, 6]));
    const signatures = new CandidateSignatures(sums.stored(), 2, (id) => (id === 10 ? 0 : 1));
    const own = signatures.match(rankVector([CLS, 1, 2, 3]), 1).similarities;
    expect(own[0]).toBeCloseTo(cosine(dense([1, 2, 3]), dense([3, 1, 8])), 12);
    expect(own[1]).toBeCloseTo(cosine(dense([1, 2, 3]), dense([5, 6])), 12);
    // The same tokens as a query cell (no stored id) see the whole signature.
    expect(signatures.match(rankVector([CLS, 1, 2, 3]), null).similarities[0]).toBeCloseTo(cosine(dense([1, 2, 3]), add(dense([1, 2, 3]), dense([3, 1, 8]))), 12);
  });
});
