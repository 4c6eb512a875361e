/**
 * How values are read (§5 of issue 11): counts, normalized, log1p, log2(x+1), log10(x+1) told apart
 * from the data (count lattice, constant totals), from a file's note or from the caller; refused
 * with a code when they cannot be told apart. Matrices are built here from known counts, so the
 * expected reading is known independently of the code under test.
 */
import { describe, expect, it } from 'vitest';
import {
  detectValueReading,
  latticeScore,
  parseValueKind,
  toCountScale,
  totalsSpread,
  ValueKindGuard,
  type ValueKind,
  type ValueSample,
} from '../../src/model/expression-values.ts';

/** A deterministic generator (LCG), so the matrices are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** 40 cells × 60 genes of UMI-like counts: mostly 0, many 1s and 2s, a few large. */
function countMatrix(seed = 1): number[][] {
  const next = random(seed);
  return Array.from({ length: 40 }, () =>
    Array.from({ length: 60 }, (_, gene) => {
      const r = next();
      if (r < 0.55) return 0;
      if (r < 0.8) return 1;
      if (r < 0.9) return 2;
      return 1 + Math.floor(next() * (gene < 5 ? 40 : 8));
    }),
  );
}

/** Continuous expression (no count lattice), e.g. TPM from a bulk-like estimate. */
function continuousMatrix(seed = 2): number[][] {
  const next = random(seed);
  return Array.from({ length: 40 }, () => Array.from({ length: 60 }, () => (next() < 0.4 ? 0 : 0.5 + next() * 50)));
}

function perCell(matrix: number[][], transform: (value: number, total: number) => number): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((value) => (value === 0 ? 0 : transform(value, total)));
  });
}

function sample(matrix: number[][]): ValueSample {
  const values: number[] = [];
  const indptr = [0];
  for (const row of matrix) {
    for (const value of row) if (value !== 0) values.push(value);
    indptr.push(values.length);
  }
  return { values: Float32Array.from(values), indptr: Uint32Array.from(indptr) };
}

const counts = countMatrix();
const cp10k = perCell(counts, (v, total) => (v / total) * 1e4);
const round3 = (v: number) => Math.round(v * 1000) / 1000;

describe('value readings: golden table', () => {
  const table: { name: string; matrix: number[][]; kind: ValueKind; decidedBy: string }[] = [
    { name: 'raw counts', matrix: counts, kind: 'counts', decidedBy: 'integers' },
    { name: 'CP10k (linear)', matrix: cp10k, kind: 'normalized', decidedBy: 'range' },
    { name: 'log1p(CP10k)', matrix: cp10k.map((r) => r.map((v) => Math.log1p(v))), kind: 'log1p', decidedBy: 'count lattice' },
    // pbmc68k's raw.X: log1p(CP10k) rounded to 3 decimals
    { name: 'log1p(CP10k), 3 decimals', matrix: cp10k.map((r) => r.map((v) => round3(Math.log1p(v)))), kind: 'log1p', decidedBy: 'count lattice' },
    { name: 'log2(CP10k+1)', matrix: cp10k.map((r) => r.map((v) => Math.log2(v + 1))), kind: 'log2(x+1)', decidedBy: 'count lattice' },
    { name: 'log10(CP10k+1)', matrix: cp10k.map((r) => r.map((v) => Math.log10(v + 1))), kind: 'log10(x+1)', decidedBy: 'count lattice' },
    // log2(TPM/10 + 1), max 15.6 in the issue: no lattice, but TPM/10 sums to 1e5 in every cell
    {
      name: 'log2(TPM/10+1)',
      matrix: perCell(continuousMatrix(), (v, total) => Math.log2((v / total) * 1e5 + 1)),
      kind: 'log2(x+1)',
      decidedBy: 'constant totals',
    },
  ];

  it.each(table)('$name → $kind ($decidedBy)', ({ matrix, kind, decidedBy }) => {
    expect(detectValueReading(sample(matrix), 'X')).toEqual({ kind, decidedBy });
  });

  it('restores values proportional to counts for each log base', () => {
    const cases: [ValueKind, (v: number) => number][] = [
      ['log1p', Math.log1p],
      ['log2(x+1)', (v) => Math.log2(v + 1)],
      ['log10(x+1)', (v) => Math.log10(v + 1)],
    ];
    for (const [kind, forward] of cases) {
      const restored = toCountScale(kind, Float32Array.from([3, 30, 300].map(forward)));
      expect(Array.from(restored).map((v) => Math.round(v * 1000) / 1000)).toEqual([3, 30, 300]);
    }
  });
});

describe('value readings: the evidence, by hand', () => {
  // One cell with counts 1, 2, 3 at unit 0.5, log1p'd: ln 1.5, ln 2, ln 2.5. Inverted with the right
  // base the ratios to the smallest are 2 and 3; linear: 1.7095 and 2.2599; base 2: 1.9008 and
  // 2.7344; base 10: 2.5480 and 4.6946 (computed with a calculator).
  const cell: ValueSample = { values: Float32Array.from([Math.log(1.5), Math.log(2), Math.log(2.5)]) };

  it('count lattice: share of values on whole multiples of the cell unit', () => {
    expect(latticeScore(cell, 'log1p')).toBe(1);
    expect(latticeScore(cell, 'normalized')).toBe(0);
    expect(latticeScore(cell, 'log2(x+1)')).toBe(0);
    expect(latticeScore(cell, 'log10(x+1)')).toBe(0);
    expect(latticeScore({ values: Float32Array.from([0.5, 0.5]) }, 'normalized')).toBeNull();
  });

  it('totals spread: coefficient of variation of per-cell totals', () => {
    expect(totalsSpread({ values: Float32Array.from([1, 3, 2, 2]), indptr: Uint32Array.from([0, 2, 4]) }, 'normalized')).toBe(0);
    // totals 2 and 6: mean 4, population sd 2
    expect(totalsSpread({ values: Float32Array.from([1, 1, 3, 3]), indptr: Uint32Array.from([0, 2, 4]) }, 'normalized')).toBe(0.5);
    expect(totalsSpread(cell, 'log1p')).toBeNull();
  });
});

describe('value readings: notes, statements and refusals', () => {
  const log2 = sample(cp10k.map((r) => r.map((v) => Math.log2(v + 1))));

  it("a file's note decides the base when the values fit it", () => {
    expect(detectValueReading(log2, 'X', { notes: { logBase: 2, source: 'uns/log1p/base' } })).toEqual({ kind: 'log2(x+1)', decidedBy: 'file note' });
    expect(detectValueReading({ values: Float32Array.from([0.5, 1.25]) }, 'X', { notes: { logBase: 5 } })).toEqual({ kind: 'log5(x+1)', decidedBy: 'file note' });
    expect(() => detectValueReading(sample(cp10k), 'X', { notes: { logBase: Math.E, source: 'uns/log1p' } })).toThrow(
      expect.objectContaining({ code: 'VALUE_TYPE_AMBIGUOUS', message: expect.stringContaining('uns/log1p') }),
    );
  });

  it('a stated kind is used, and checked', () => {
    expect(detectValueReading(log2, 'X', { stated: 'log2(x+1)' })).toEqual({ kind: 'log2(x+1)', decidedBy: 'stated' });
    expect(() => detectValueReading(sample(cp10k), 'X', { stated: 'counts' })).toThrow(
      expect.objectContaining({ code: 'VALUE_TYPE_MISMATCH', message: expect.stringContaining('NORMALIZED') }),
    );
    expect(() => detectValueReading({ values: Float32Array.from([15.6, 2]) }, 'X', { stated: 'log1p' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('refuses what cannot be told apart, naming how to state it', () => {
    // log1p of continuous values over a gene subset: no lattice, totals vary under every base
    const subset = sample(continuousMatrix(3).map((r) => r.map((v) => (v === 0 ? 0 : Math.log1p(v / 10)))));
    // normalized to a total of 1: log1p(x) ≈ x, so every base fits equally well
    const fractions = sample(perCell(counts, (v, total) => Math.log1p(v / total)));
    for (const unclear of [subset, fractions]) {
      expect(() => detectValueReading(unclear, 'f.h5ad (X)')).toThrow(
        expect.objectContaining({ code: 'VALUE_TYPE_AMBIGUOUS', message: expect.stringMatching(/--values .*valueType/) }),
      );
    }
  });

  it('refuses scaled and non-finite values', () => {
    expect(() => detectValueReading({ values: Float32Array.from([-2.03, 1.2]) }, 'X')).toThrow(
      expect.objectContaining({ code: 'SCALED_VALUES', message: expect.stringContaining('layers/counts') }),
    );
    expect(() => detectValueReading({ values: Float32Array.from([1, Number.NaN]) }, 'X')).toThrow(expect.objectContaining({ code: 'NON_FINITE_VALUES' }));
  });

  it('the guard decides once and holds later chunks to it', () => {
    const guard = new ValueKindGuard('X');
    expect(guard.read(sample(counts))).toBe('counts');
    expect(guard.reading).toEqual({ kind: 'counts', decidedBy: 'integers' });
    expect(() => guard.read(sample(cp10k))).toThrow(expect.objectContaining({ code: 'VALUE_TYPE_MISMATCH' }));
  });

  it('stored kinds read back', () => {
    expect(['counts', 'normalized', 'log1p', 'log2(x+1)', 'log10(x+1)', 'log1.5(x+1)'].map(parseValueKind)).toEqual([
      'counts',
      'normalized',
      'log1p',
      'log2(x+1)',
      'log10(x+1)',
      'log1.5(x+1)',
    ]);
    expect(parseValueKind('linear')).toBeNull();
  });
});
