import { describe, expect, it } from 'vitest';
import { ctmDistribution, decideLabel, fuse, similarities, softmax, topIndices } from '../../src/model/scoring.ts';

// Expected values computed by hand (exp() values from a calculator), not by the code under test.
describe('scoring math', () => {
  it('softmax', () => {
    expect(Array.from(softmax([1, 2, 3]))).toEqual([
      expect.closeTo(0.09003057, 7),
      expect.closeTo(0.24472847, 7),
      expect.closeTo(0.66524096, 7),
    ]);
  });

  it('zero-shot at LangCell temperature 0.05 multiplies similarities by 20', () => {
    // 0.10/0.05 = 2, 0.15/0.05 = 3 → 1/(1+e), e/(1+e).
    expect(Array.from(softmax([0.1, 0.15], 0.05))).toEqual([expect.closeTo(0.26894142, 7), expect.closeTo(0.73105858, 7)]);
  });

  it('cosine similarities against row-major label embeddings', () => {
    const cell = Float32Array.from([0.6, 0.8]);
    const labels = Float32Array.from([1, 0, 0, 1, 0.6, 0.8]);
    expect(Array.from(similarities(cell, labels, 2))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), expect.closeTo(1, 6)]);
  });

  it('CTM distribution: LangCell second softmax over probabilities, unscored labels as p = 0', () => {
    // softmax([0.9, 0, 0]) = e^0.9 / (e^0.9 + 2) with e^0.9 = 2.45960311.
    const ctm = ctmDistribution(3, new Map([[0, 0.9]]));
    expect(ctm[0]).toBeCloseTo(2.45960311 / 4.45960311, 7);
    expect(ctm[1]).toBeCloseTo(1 / 4.45960311, 7);
    expect(ctm[2]).toBeCloseTo(1 / 4.45960311, 7);
  });

  it('alpha fusion', () => {
    expect(Array.from(fuse(Float64Array.from([0.2, 0.8]), Float64Array.from([0.6, 0.4]), 0.1))).toEqual([
      expect.closeTo(0.56, 9),
      expect.closeTo(0.44, 9),
    ]);
  });

  it('top-m indices, ties by lower index', () => {
    expect(topIndices([0.1, 0.5, 0.5, 0.9], 3)).toEqual([3, 1, 2]);
  });

  it('decision: prediction by fused score, confidence = α·zero-shot + (1−α)·p_match of the winner', () => {
    // zs = [0.26894142, 0.73105858]; ctm = softmax([0.3, 0.8]) = [0.37754067, 0.62245933];
    // fused = [0.36668074, 0.63331926]; confidence = 0.1·0.73105858 + 0.9·0.8 = 0.79310586.
    const decision = decideLabel({
      similarities: Float64Array.from([0.1, 0.15]),
      temperature: 0.05,
      alpha: 0.1,
      pMatch: new Map([
        [0, 0.3],
        [1, 0.8],
      ]),
      abstainBelow: 0.5,
    });
    expect(decision.label).toBe(1);
    expect(decision.confidence).toBeCloseTo(0.79310586, 7);
    expect(decision.scores.map((s) => s.label)).toEqual([1, 0]);
    expect(decision.scores[0]!.fused).toBeCloseTo(0.63331926, 7);
    expect(decision.scores[1]!.fused).toBeCloseTo(0.36668074, 7);
    expect(decision.scores[1]!.pMatch).toBe(0.3);
  });

  it('CTM can overturn zero-shot, and a low confidence abstains', () => {
    // zs = [0.73105858, 0.26894142]; ctm = softmax([0.05, 0.95]) = [0.28905050, 0.71094950];
    // fused = [0.33325131, 0.66674869] → label 1; confidence = 0.1·0.26894142 + 0.9·0.95 = 0.88189414.
    const overturned = decideLabel({
      similarities: Float64Array.from([0.15, 0.1]),
      temperature: 0.05,
      alpha: 0.1,
      pMatch: new Map([
        [0, 0.05],
        [1, 0.95],
      ]),
      abstainBelow: 0.9,
    });
    expect(overturned.best).toBe(1);
    expect(overturned.confidence).toBeCloseTo(0.88189414, 7);
    expect(overturned.label).toBeNull();
  });

  it('without rerank the confidence is the zero-shot probability', () => {
    const decision = decideLabel({ similarities: Float64Array.from([0.1, 0.15]), temperature: 0.05, alpha: 0.1, pMatch: new Map(), abstainBelow: 0.5 });
    expect(decision.label).toBe(1);
    expect(decision.confidence).toBeCloseTo(0.73105858, 7);
    expect(decision.scores[0]!.pMatch).toBeNull();
  });
});
