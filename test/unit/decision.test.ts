// Expected values computed by hand, not by the code under test.
import { describe, expect, it } from 'vitest';
import { calibrationError, classifierOnCandidates, combine, fitCombiner, novelty, noveltyProfile, quantile, rollUp, type CellEvidence } from '../../src/model/decision.ts';
import { predictAdapter, type AdapterWeights } from '../../src/model/adapters.ts';

const cell = (zeroShot: number[], knn: number[] | null = null, fused: number[] | null = null): CellEvidence => ({
  zeroShot: Float64Array.from(zeroShot),
  fused: fused ? Float64Array.from(fused) : null,
  knn: knn ? Float64Array.from(knn) : null,
  adapter: null,
  classifier: null,
});

describe('the combined decision', () => {
  it('combine: softmax of weighted log-probabilities and kNN shares', () => {
    // s = 1·log(zs + 1e-4) + 2·knn: zs [0.5, 0.5] cancel; knn [1, 0] → softmax([2, 0]) = [0.88079708, 0.11920292].
    expect(Array.from(combine(cell([0.5, 0.5], [1, 0]), { zeroShot: 1, knn: 2 }))).toEqual([expect.closeTo(0.88079708, 7), expect.closeTo(0.11920292, 7)]);
    // Weight 1 on zero-shot alone gives (almost) zero-shot back.
    expect(combine(cell([0.7, 0.3]), { zeroShot: 1 })[0]).toBeCloseTo(0.7, 3);
  });

  it('fitCombiner: the weight that minimises the log-loss (closed form log(q / (1 − q)))', () => {
    // 80% of cells: the kNN vote is all for the true label; 20%: all for the other. Zero-shot is
    // uninformative. Loss(w) = 0.8·log(1 + e^−w) + 0.2·log(1 + e^w) is least at w = log 4.
    const cells = [...Array(8).fill(cell([0.5, 0.5], [1, 0])), ...Array(2).fill(cell([0.5, 0.5], [0, 1]))] as CellEvidence[];
    const fit = fitCombiner(cells, Array(10).fill(0), ['knn'], 0);
    expect(fit.weights.knn).toBeCloseTo(Math.log(4), 6);
    expect(fit.logLoss).toBeCloseTo(0.8 * Math.log(1 + 0.25) + 0.2 * Math.log(1 + 4), 8);
  });

  it('calibrationError: expected calibration error over confidence bins, with the reliability table', () => {
    // Bin (0.9, 1]: confidence 0.95, accuracy 0.5 → 0.45 · 2/4; bin (0.6, 0.7]: 0.65 vs 1 → 0.35 · 2/4. ECE = 0.4.
    const { ece, table } = calibrationError([0.95, 0.95, 0.65, 0.65], [true, false, true, true]);
    expect(ece).toBeCloseTo(0.4, 12);
    expect(table[9]).toEqual({ lower: 0.9, upper: 1, cells: 2, confidence: expect.closeTo(0.95, 12), accuracy: 0.5 });
    expect(table[6]).toEqual({ lower: 0.6, upper: 0.7, cells: 2, confidence: expect.closeTo(0.65, 12), accuracy: 1 });
    expect(table.filter((bin) => bin.cells === 0)).toHaveLength(8);
  });

  it('quantile interpolates between order statistics', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.95)).toBeCloseTo(4.8, 12);
    expect(quantile([5, 1, 4, 2, 3], 0)).toBe(1);
  });

  it('novelty: past both of the reference’s own thresholds', () => {
    const profile = noveltyProfile([0.05, 0.1, 0.1, 0.1], [0.6, 0.6, 0.9, 0.9], 1);
    // At quantile 1: distance threshold 0.1, text threshold quantile 0 = 0.6.
    expect(profile).toEqual({ neighbourDistance: 0.1, textSimilarity: 0.6, quantile: 1, cells: 4 });
    // Distance ratio 0.2/0.1 = 2; text ratio (1 − 0.4)/(1 − 0.6) = 1.5 → novel, score 1.5.
    expect(novelty(profile, 0.2, 0.4)).toEqual({ novel: true, score: expect.closeTo(1.5, 12) });
    // Near a reference cell: not novel whatever the text says.
    expect(novelty(profile, 0.05, 0.1).novel).toBe(false);
  });

  it('rollUp: the most specific ancestor whose candidates reach the threshold', () => {
    const lineages = [
      ['A', 'T', 'L'],
      ['B', 'T', 'L'],
      ['C', 'M', 'L'],
    ];
    expect(rollUp([0.4, 0.35, 0.25], lineages, 0.5)).toEqual({ term: 'T', confidence: expect.closeTo(0.75, 12) });
    expect(rollUp([0.3, 0.3, 0.4], lineages, 0.7)).toEqual({ term: 'L', confidence: expect.closeTo(1, 12) });
  });
});

describe('few-shot adapters', () => {
  const text = Float32Array.from([1, 0, 0, 1]);
  it('linear: the probe’s softmax blended with zero-shot', () => {
    const weights: AdapterWeights = { kind: 'linear', dim: 2, classCount: 2, matrix: Float32Array.from([2, 0, 0, 0]), cacheClasses: null, beta: 0, cacheWeight: 0, blend: 0.5, temperature: 1 };
    // Zero-shot softmax([1, 0]) = [0.73105858, 0.26894142]; probe softmax([2, 0]) = [0.88079708, 0.11920292]; half of each.
    const [p] = predictAdapter(weights, text, Float32Array.from([1, 0]));
    expect(Array.from(p!)).toEqual([expect.closeTo(0.80592783, 7), expect.closeTo(0.19407217, 7)]);
  });

  it('cache: zero-shot logits plus a · exp(−β(1 − q·k)) for each key’s class', () => {
    const weights: AdapterWeights = { kind: 'cache', dim: 2, classCount: 2, matrix: Float32Array.from([1, 0]), cacheClasses: Int32Array.from([0]), beta: 1, cacheWeight: 1, blend: 1, temperature: 1 };
    // Query [0, 1]: logits [0 + e^−1, 1] = [0.36787944, 1] → softmax = [0.34704, 0.65296].
    const [p] = predictAdapter(weights, text, Float32Array.from([0, 1]));
    expect(Array.from(p!)).toEqual([expect.closeTo(1 / (1 + Math.exp(1 - Math.exp(-1))), 9), expect.closeTo(1 / (1 + Math.exp(Math.exp(-1) - 1)), 9)]);
  });
});

describe('a fine-tuned classifier as evidence', () => {
  it('moves class probabilities onto candidates by ontology id, else name, and renormalises', () => {
    const classes = [
      { name: 'B cells', ontologyId: 'CL:0000236' },
      { name: 'natural killer cell', ontologyId: null },
      { name: 'Dendritic', ontologyId: 'CL:0000451' },
    ];
    const candidates = [
      { name: 'natural killer cell', ontologyId: 'CL:0000623' },
      { name: 'B cell', ontologyId: 'CL:0000236' },
    ];
    // Dendritic (0.5) is no candidate: [0.2, 0.3] / 0.5 → NK 0.4, B 0.6.
    expect(Array.from(classifierOnCandidates([0.3, 0.2, 0.5], classes, candidates))).toEqual([expect.closeTo(0.4, 12), expect.closeTo(0.6, 12)]);
    expect(Array.from(classifierOnCandidates([0, 0, 1], classes, candidates))).toEqual([0.5, 0.5]);
  });
});
