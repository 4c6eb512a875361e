import { describe, expect, it } from 'vitest';
import { ctmDistribution, decideLabel, fuse, knnVote, settledWinner, similarities, softmax, topIndices } from '../../src/model/scoring.ts';

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
    // LangCell's CTM term is reported as computed, not rebuilt from the fused score:
    // softmax([0.3, 0.8]) = [1, e^0.5] / (1 + e^0.5), e^0.5 = 1.64872127.
    expect(decision.scores.map((s) => s.ctm)).toEqual([expect.closeTo(0.62245933, 7), expect.closeTo(0.37754067, 7)]);
  });

  it('without rerank there is no CTM term', () => {
    const decision = decideLabel({ similarities: Float64Array.from([0.1, 0.15]), temperature: 0.05, alpha: 0.1, pMatch: new Map(), abstainBelow: 0 });
    expect(decision.scores.map((s) => [s.ctm, s.pMatch])).toEqual([
      [null, null],
      [null, null],
    ]);
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

  describe('settledWinner: when the other top-m candidates cannot change the answer', () => {
    // K = 8, α = 0.1, zero-shot favourite label 0 scored, labels 1 and 2 pending (top 3).
    const zeroShot = Float64Array.from([0.99, 0.004, 0.002, 0.001, 0.001, 0.001, 0.0005, 0.0005]);
    const pending = new Set([1, 2]);

    it('settles a strong match: no pending p_match can overturn it', () => {
      // Worst rival: label 1 at p = 1, label 2 at p = 0, e^0.9 = 2.45960311:
      // Z = 2.45960311 + 2.71828183 + 6 = 11.17788494;
      // 0.1·(0.004 − 0.99) + 0.9·(2.71828183 − 2.45960311)/Z = −0.0986 + 0.02082797 < 0.
      expect(settledWinner(zeroShot, 0.1, new Map([[0, 0.9]]), pending)).toBe(0);
    });

    it('leaves a weak match open: label 1 at p = 1 would win', () => {
      // e^0.15 = 1.16183424; Z = 1.16183424 + 2.71828183 + 6 = 9.88011607;
      // fused_0 = 0.099 + 0.9·1.16183424/Z = 0.20483294; fused_1 = 0.0004 + 0.9·2.71828183/Z = 0.24801389.
      expect(settledWinner(zeroShot, 0.1, new Map([[0, 0.15]]), pending)).toBeNull();
      const overturned = decideLabel({ similarities: zeroShot.map(Math.log), temperature: 1, alpha: 0.1, pMatch: new Map([[0, 0.15], [1, 1], [2, 0]]), abstainBelow: 0 });
      expect(overturned.best).toBe(1);
    });

    it('is never settled on an unscored winner', () => {
      expect(settledWinner(zeroShot, 0.1, new Map(), pending)).toBeNull();
    });

    it('agrees with scoring every candidate, for every pending p_match (random cases)', () => {
      // A small LCG so the cases are fixed; corners (p = 0 or 1) and interior points of the pending p_match.
      let state = 12345;
      const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      let settled = 0;
      let open = 0;
      for (let trial = 0; trial < 400; trial += 1) {
        const labelCount = 2 + Math.floor(random() * 11);
        const alpha = [0.1, 0.5, 0.9][trial % 3]!;
        const sims = Float64Array.from({ length: labelCount }, () => random() * 0.3);
        const zs = softmax(sims, 0.05);
        const top = topIndices(zs, Math.min(labelCount, 1 + Math.floor(random() * 4)));
        const scored = new Map([[top[0]!, random()]]);
        const rest = new Set(top.slice(1));
        const winner = settledWinner(zs, alpha, scored, rest);
        if (winner === null) {
          open += 1;
          continue;
        }
        settled += 1;
        const restList = [...rest];
        const assignments: number[][] = [];
        for (let mask = 0; mask < 2 ** restList.length; mask += 1) assignments.push(restList.map((_, i) => (mask >> i) & 1));
        for (let i = 0; i < 20; i += 1) assignments.push(restList.map(() => random()));
        for (const values of assignments) {
          const pMatch = new Map(scored);
          restList.forEach((label, i) => pMatch.set(label, values[i]!));
          expect(decideLabel({ similarities: sims, temperature: 0.05, alpha, pMatch, abstainBelow: 0 }).best).toBe(winner);
        }
      }
      // Both outcomes occur, so the agreement above is not vacuous.
      expect(settled).toBeGreaterThan(50);
      expect(open).toBeGreaterThan(50);
    });
  });
});

describe('knnVote: distance-ranked votes of labelled reference cells', () => {
  // Candidates 0, 1, 2; the i-th neighbour votes 1/i: 1 + 1/2 + 1/3 + 1/4 + 1/5 + 1/6 = 49/20 in all.
  // Candidate 0: 1 + 1/5 = 6/5 → 24/49; candidate 1: 1/2 + 1/6 = 2/3 → 40/147; candidate 2: nothing.
  // Neighbours for no candidate (null) dilute the shares; similarities only order the neighbours.
  const golden = [
    {
      name: 'mixed neighbourhood',
      neighbours: [
        { candidate: 0, similarity: 0.9 },
        { candidate: 1, similarity: 0.8 },
        { candidate: null, similarity: 0.7 },
        { candidate: null, similarity: 0.6 },
        { candidate: 0, similarity: 0.5 },
        { candidate: 1, similarity: -0.2 },
      ],
      shares: [24 / 49, 40 / 147, 0],
      top: 24 / 49,
      runnerUp: 40 / 147,
      minDistance: 0.1,
    },
    {
      name: 'one unanimous neighbour',
      neighbours: [{ candidate: 2, similarity: 0.25 }],
      shares: [0, 0, 1],
      top: 1,
      runnerUp: 0,
      minDistance: 0.75,
    },
    {
      name: 'a rare type at the nearest ranks beats a frequent one further out',
      neighbours: [
        { candidate: 2, similarity: 0.999 },
        { candidate: 2, similarity: 0.998 },
        { candidate: 0, similarity: 0.997 },
        { candidate: 0, similarity: 0.996 },
        { candidate: 0, similarity: 0.995 },
      ],
      // 1 + 1/2 = 3/2 against 1/3 + 1/4 + 1/5 = 47/60, of 137/60.
      shares: [47 / 137, 0, 90 / 137],
      top: 90 / 137,
      runnerUp: 47 / 137,
      minDistance: 0.001,
    },
  ];
  for (const c of golden) {
    it(c.name, () => {
      const vote = knnVote(c.neighbours, 3);
      expect(Array.from(vote.shares)).toEqual(c.shares.map((share) => expect.closeTo(share, 12)));
      expect([vote.hits, vote.topShare, vote.runnerUpShare]).toEqual([c.neighbours.length, expect.closeTo(c.top, 12), expect.closeTo(c.runnerUp, 12)]);
      expect(vote.minDistance).toBeCloseTo(c.minDistance, 12);
    });
  }

  it('no neighbours: every share 0 and no distance', () => {
    const vote = knnVote([], 3);
    expect([Array.from(vote.shares), vote.topShare, vote.runnerUpShare, vote.minDistance]).toEqual([[0, 0, 0], 0, 0, null]);
  });
});
