// Expected values computed by hand, not by the code under test.
import { describe, expect, it } from 'vitest';
import { calibrationError, classifierOnCandidates, combine, fitCombiner, confidenceMapFor, fitConfidenceMap, fitConfidenceMaps, mapConfidence, MIN_DATASET_MAP_CELLS, unmapConfidence, meanDistance, novelty, noveltyProfile, quantile, rollUp, unlikeness, type CellEvidence } from '../../src/model/decision.ts';
import { predictAdapter, type AdapterWeights } from '../../src/model/adapters.ts';

const cell = (zeroShot: number[], knn: number[] | null = null, fused: number[] | null = null, signature: number[] | null = null): CellEvidence => ({
  zeroShot: Float64Array.from(zeroShot),
  fused: fused ? Float64Array.from(fused) : null,
  knn: knn ? Float64Array.from(knn) : null,
  signature: signature ? Float64Array.from(signature) : null,
  adapter: null,
  classifier: null,
});

describe('the combined decision', () => {
  it('combine: softmax of weighted log-probabilities and log-smoothed kNN shares', () => {
    // s = 1·log(zs + 1e-4) + 2·log(knn + 0.01): zs [0.5, 0.5] cancel; knn [1, 0] gives odds
    // (1.01 / 0.01)² = 10201 → [10201/10202, 1/10202] = [0.99990198, 0.00009802].
    expect(Array.from(combine(cell([0.5, 0.5], [1, 0]), { zeroShot: 1, knn: 2 }))).toEqual([expect.closeTo(0.99990198, 8), expect.closeTo(0.00009802, 8)]);
    // knn [0.5, 0.5] cancels too: an even vote leaves the zero-shot odds [0.8, 0.2].
    expect(combine(cell([0.8, 0.2], [0.5, 0.5]), { zeroShot: 1, knn: 2 })[0]).toBeCloseTo(0.8, 3);
    // Weight 1 on zero-shot alone gives (almost) zero-shot back.
    expect(combine(cell([0.7, 0.3]), { zeroShot: 1 })[0]).toBeCloseTo(0.7, 3);
  });

  it('combine: the gene signature enters as −log(1 − cosine + 1e-4), its weight a power of the distance', () => {
    // s = −2·log([0.8001, 0.5001]): odds (0.8001 / 0.5001)² = 2.559680 → [0.28092, 0.71908].
    const odds = (0.8001 / 0.5001) ** 2;
    expect(Array.from(combine(cell([0.5, 0.5], null, null, [0.2, 0.5]), { zeroShot: 1, signature: 2 }))).toEqual([expect.closeTo(1 / (1 + odds), 8), expect.closeTo(odds / (1 + odds), 8)]);
  });

  it('fitCombiner: the weight that minimises the log-loss (closed form log(q / (1 − q)))', () => {
    // 80% of cells: the kNN vote is all for the true label; 20%: all for the other. Zero-shot is
    // uninformative. The feature gap is d = log(1.01 / 0.01) = log 101, so
    // Loss(w) = 0.8·log(1 + e^−wd) + 0.2·log(1 + e^wd) is least at w·d = log 4.
    const cells = [...Array(8).fill(cell([0.5, 0.5], [1, 0])), ...Array(2).fill(cell([0.5, 0.5], [0, 1]))] as CellEvidence[];
    const fit = fitCombiner(cells, Array(10).fill(0), ['knn'], 0);
    expect(fit.weights.knn).toBeCloseTo(Math.log(4) / Math.log(101), 6);
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

  it('fitConfidenceMap: Platt scaling through each group’s accuracy when there are two confidence levels', () => {
    // 8 answers at 0.5 of which 6 right, 10 at 0.8 of which 9 right: two points, two parameters, so
    // the fit passes through logit(0.75) = ln 3 at logit(0.5) = 0 and logit(0.9) = ln 9 at
    // logit(0.8) = ln 4: intercept ln 3, slope ln 3 / ln 4 (the small ridge moves them slightly).
    const confidence = [...new Array<number>(8).fill(0.5), ...new Array<number>(10).fill(0.8)];
    const correct = [...[1, 1, 1, 1, 1, 1, 0, 0], ...[1, 1, 1, 1, 1, 1, 1, 1, 1, 0]].map(Boolean);
    const map = fitConfidenceMap(confidence, correct);
    expect(map.intercept).toBeCloseTo(Math.log(3), 1);
    expect(map.slope).toBeCloseTo(Math.log(3) / Math.log(4), 1);
    expect(mapConfidence(map, 0.5)).toBeCloseTo(0.75, 2);
    expect(mapConfidence(map, 0.8)).toBeCloseTo(0.9, 2);
    // Its inverse: the probability a threshold of 0.5 corresponds to, σ((logit 0.5 − b) / a).
    expect(unmapConfidence(map, 0.5)).toBeCloseTo(1 / (1 + Math.exp(map.intercept / map.slope)), 12);
    expect(mapConfidence(map, unmapConfidence(map, 0.7))).toBeCloseTo(0.7, 12);
    // Every answer right: the map stays finite and says "very sure".
    const allRight = fitConfidenceMap([0.6, 0.7, 0.9], [true, true, true]);
    expect(Number.isFinite(allRight.slope) && Number.isFinite(allRight.intercept)).toBe(true);
    expect(mapConfidence(allRight, 0.7)).toBeGreaterThan(0.9);
  });

  it('fitConfidenceMaps: one map per reference with enough cells, the pooled one for the rest', () => {
    // Dataset 1: 60 answers at 0.9, 57 right (0.95); dataset 2: 60 at 0.9, 36 right (0.6); dataset 3:
    // 10 cells only. One confidence level per dataset: each own map sends 0.9 to its accuracy.
    const n = MIN_DATASET_MAP_CELLS + 10;
    const confidence = new Array<number>(2 * n + 10).fill(0.9);
    const correct = [...Array.from({ length: n }, (_, i) => i < 57), ...Array.from({ length: n }, (_, i) => i < 36), ...Array.from({ length: 10 }, (_, i) => i < 5)];
    const datasets = [...new Array<number>(n).fill(1), ...new Array<number>(n).fill(2), ...new Array<number>(10).fill(3)];
    const maps = fitConfidenceMaps(confidence, correct, datasets);
    expect(maps.byDataset.map((entry) => entry.datasetId)).toEqual([1, 2]);
    expect(mapConfidence(confidenceMapFor(maps, 1), 0.9)).toBeCloseTo(0.95, 1);
    expect(mapConfidence(confidenceMapFor(maps, 2), 0.9)).toBeCloseTo(0.6, 1);
    // Dataset 3 and a cell like no reference get the pooled map: (57 + 36 + 5) / 130 right.
    expect(mapConfidence(confidenceMapFor(maps, 3), 0.9)).toBeCloseTo(98 / 130, 1);
    expect(confidenceMapFor(maps, null)).toBe(maps.pooled);
    // A single reference has only the pooled map.
    expect(fitConfidenceMaps(confidence.slice(0, n), correct.slice(0, n), datasets.slice(0, n)).byDataset).toEqual([]);
  });

  it('quantile interpolates between order statistics', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.95)).toBeCloseTo(4.8, 12);
    expect(quantile([5, 1, 4, 2, 3], 0)).toBe(1);
  });

  it('noveltyProfile: the threshold that best tells held-out types apart, chosen among reference quantiles', () => {
    // Reference unlikeness 0.1 … 0.5: the q-quantile is 0.1 + 0.4·q. Held-out positives 0.45,
    // 0.6 and negatives 0.15, 0.25, 0.35. For q < 0.625 the negative 0.35 is flagged too (J = 1 −
    // 1/3); for 0.625 ≤ q < 0.875 both positives and no negative (J = 1); above, only 0.6 (J = 0.5).
    // Ties go to the higher quantile: q = 0.87, threshold 0.1 + 0.4·0.87 = 0.448.
    const reference = [0.3, 0.1, 0.5, 0.2, 0.4];
    const genes = [300, 100, 500, 200, 400];
    const profile = noveltyProfile(reference, { types: 2, positives: [0.45, 0.6], negatives: [0.15, 0.25, 0.35] }, genes);
    expect(profile).toEqual({
      unlikeness: expect.closeTo(0.448, 12),
      quantile: 0.87,
      chosenBy: 'heldOutTypes',
      heldOut: { types: 2, truePositiveRate: 1, falsePositiveRate: 0 },
      // Half the known genes' 1st percentile: 0.5 · (100 + 100·(0.01·4)) = 52.
      minGenes: expect.closeTo(52, 12),
      signature: false,
      k: 25,
      cells: 5,
    });
    // Unlikeness = mean distance × (1 − best text similarity), score = √(unlikeness / 0.448).
    // 0.896 × (1 − 0) = 2 × 0.448: score √2, novel. Far (0.672) and fairly unlike the texts (0.2):
    // 0.5376 = 1.2 × 0.448, score √1.2, novel, though neither is twice its usual. As far but like a
    // label text (0.5): 0.336, score √0.75, not novel. Near: 0.2 × 0.9 = 0.18. No neighbours: not novel.
    expect(unlikeness(0.672, 0.2)).toBeCloseTo(0.5376, 12);
    expect(novelty(profile, 0.896, 0)).toEqual({ novel: true, score: expect.closeTo(Math.SQRT2, 12) });
    expect(novelty(profile, 0.672, 0.2)).toEqual({ novel: true, score: expect.closeTo(Math.sqrt(1.2), 12) });
    expect(novelty(profile, 0.672, 0.5)).toEqual({ novel: false, score: expect.closeTo(Math.sqrt(0.75), 12) });
    expect(novelty(profile, 0.2, 0.1)).toEqual({ novel: false, score: expect.closeTo(Math.sqrt(0.18 / 0.448), 12) });
    expect(novelty(profile, null, 0.1)).toEqual({ novel: false, score: 0 });
  });

  it('noveltyProfile: no threshold that flags more than 5% of the known types’ cells', () => {
    // Threshold 0.1 + 0.4·q again. Positives 0.35, 0.6; negatives 0.4 and eleven at 0.2. Below
    // q = 0.625 both positives are past it but so is the negative 0.4 (false alarms 1/12 = 0.083,
    // J = 0.917): over the 5% budget. From q = 0.75 on, only 0.6 and no negative (J = 0.5): the highest, q = 0.99.
    const negatives = [0.4, ...new Array<number>(11).fill(0.2)];
    const profile = noveltyProfile([0.1, 0.2, 0.3, 0.4, 0.5], { types: 2, positives: [0.35, 0.6], negatives }, []);
    expect([profile.quantile, profile.unlikeness, profile.heldOut]).toEqual([0.99, expect.closeTo(0.496, 12), { types: 2, truePositiveRate: 0.5, falsePositiveRate: 0 }]);
  });

  it('noveltyProfile: the reference’s 95th percentile when fewer than two types can be held out', () => {
    const reference = [0.1, 0.2, 0.3, 0.4, 0.5];
    const single = noveltyProfile(reference, { types: 1, positives: [0.6], negatives: [0.2] }, [40]);
    expect([single.unlikeness, single.quantile, single.chosenBy, single.heldOut]).toEqual([expect.closeTo(0.48, 12), 0.95, 'referenceQuantile', null]);
    expect(noveltyProfile(reference, null, [40]).unlikeness).toBeCloseTo(0.48, 12);
    // One reference cell with 40 known genes: a query cell needs 20; no reference cells: any count.
    expect(single.minGenes).toBe(20);
    expect(noveltyProfile([], null, []).minGenes).toBe(0);
  });

  it('meanDistance: the mean of 1 − similarity, null without neighbours', () => {
    expect(meanDistance([0.9, 0.8, 0.4])).toBeCloseTo(0.3, 12);
    expect(meanDistance([])).toBeNull();
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
