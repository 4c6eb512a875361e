import { describe, expect, it } from 'vitest';

import { Rng, logFactorial, mixSeed } from '../../seed/random.ts';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i += 1) {
    const x = draw();
    sum += x;
    sumSquares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSquares / n - mean * mean };
}

describe('seed Rng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 8 }, () => a.nextUint32());
    const seqB = Array.from({ length: 8 }, () => b.nextUint32());
    const seqC = Array.from({ length: 8 }, () => c.nextUint32());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    for (const value of seqA) expect(Number.isInteger(value) && value >= 0 && value < 2 ** 32).toBe(true);
  });

  it('derives distinct stream seeds from (seed, purpose, index)', () => {
    const seeds = new Set<number>();
    for (let index = 0; index < 1000; index += 1) seeds.add(mixSeed(7, 4, index));
    expect(seeds.size).toBe(1000);
    expect(mixSeed(7, 4, 1)).not.toBe(mixSeed(7, 1, 4));
  });

  it('draws uniforms strictly inside (0, 1) with mean 1/2', () => {
    const rng = new Rng(1);
    let min = 1;
    let max = 0;
    const { mean, variance } = moments(() => {
      const u = rng.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      return u;
    }, 200_000);
    expect(min).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 2);
  });

  it('draws standard normals', () => {
    const rng = new Rng(2);
    const { mean, variance } = moments(() => rng.normal(), 200_000);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(variance).toBeCloseTo(1, 1);
  });

  it.each([0.3, 1, 4.5, 40])('draws Gamma(%s) with mean k and variance k', (shape) => {
    const rng = new Rng(3);
    const { mean, variance } = moments(() => rng.gamma(shape), 100_000);
    expect(Math.abs(mean - shape) / shape).toBeLessThan(0.02);
    expect(Math.abs(variance - shape) / shape).toBeLessThan(0.05);
  });

  // 0.05 and 3 use inversion, 10 is the switch point, 25 and 400 use transformed rejection.
  it.each([0.05, 3, 10, 25, 400])('draws Poisson(%s) with mean and variance λ', (lambda) => {
    const rng = new Rng(4);
    const { mean, variance } = moments(() => rng.poisson(lambda), 100_000);
    expect(Math.abs(mean - lambda) / lambda).toBeLessThan(0.03);
    expect(Math.abs(variance - lambda) / lambda).toBeLessThan(0.05);
  });

  it('draws Poisson(25) with the right probability of a given value', () => {
    const rng = new Rng(5);
    const n = 200_000;
    let hits = 0;
    for (let i = 0; i < n; i += 1) if (rng.poisson(25) === 25) hits += 1;
    const expected = Math.exp(-25 + 25 * Math.log(25) - logFactorial(25)); // ≈ 0.0795
    expect(Math.abs(hits / n - expected)).toBeLessThan(0.003);
  });

  it('draws negative binomials with variance mean + φ·mean²', () => {
    const rng = new Rng(6);
    const mean = 8;
    const dispersion = 0.4;
    const draws = moments(() => rng.negativeBinomial(mean, dispersion), 200_000);
    expect(Math.abs(draws.mean - mean) / mean).toBeLessThan(0.02);
    const expectedVariance = mean + dispersion * mean * mean;
    expect(Math.abs(draws.variance - expectedVariance) / expectedVariance).toBeLessThan(0.05);
  });

  it('computes ln(k!) exactly below the table limit and accurately above it', () => {
    expect(logFactorial(0)).toBe(0);
    expect(logFactorial(1)).toBe(0);
    expect(logFactorial(5)).toBeCloseTo(Math.log(120), 12);
    let exact = 0;
    for (let k = 2; k <= 1500; k += 1) exact += Math.log(k);
    expect(Math.abs(logFactorial(1500) - exact) / exact).toBeLessThan(1e-12);
  });

  it('shuffles in place into a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    new Rng(8).shuffle(items);
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
