/**
 * The map's pure parts: sampling, scaling, placement by neighbours, the refit/extend decision,
 * category codes, and the binary colour frame read back by the page's own decoder.
 */
import { describe, expect, it } from 'vitest';
import { encodeColorFrame } from '../../src/api/layout-route.ts';
import { AnchorIndex } from '../../src/index/anchor-index.ts';
import { censusChange, layoutDecision } from '../../src/layout/layout-job.ts';
import { HIDDEN_CODE, MAX_CATEGORIES, encodeCategories, parseColumn } from '../../src/layout/map-layouts.ts';
import { DEFAULT_UMAP_SETTINGS, fitUmap, normalizeCoords, placeByNeighbours, sampleRows, seededRandom } from '../../src/layout/umap-layout.ts';
import { decodeColumn } from '../../web/src/api/layout-data.ts';

function unit(values: number[]): number[] {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

describe('sampleRows', () => {
  it('draws distinct rows, ascending, the same for the same seed', () => {
    const rows = sampleRows(1000, 100, seededRandom(3));
    expect(rows).toHaveLength(100);
    expect(new Set(rows).size).toBe(100);
    expect(Array.from(rows)).toEqual([...rows].sort((a, b) => a - b));
    expect(rows.every((r) => r >= 0 && r < 1000)).toBe(true);
    expect(Array.from(sampleRows(1000, 100, seededRandom(3)))).toEqual(Array.from(rows));
    expect(Array.from(sampleRows(1000, 100, seededRandom(4)))).not.toEqual(Array.from(rows));
  });

  it('takes every row when asked for more than there are', () => {
    expect(Array.from(sampleRows(5, 10, seededRandom(1)))).toEqual([0, 1, 2, 3, 4]);
  });

  it('is uniform: every decile gets about a tenth', () => {
    const rows = sampleRows(100_000, 10_000, seededRandom(9));
    const deciles = new Array<number>(10).fill(0);
    for (const r of rows) deciles[Math.floor(r / 10_000)]! += 1;
    for (const count of deciles) expect(Math.abs(count - 1000)).toBeLessThan(120);
  });
});

describe('normalizeCoords', () => {
  it('centres on 0 and scales the longer side to [-1, 1], keeping proportions', () => {
    const out = normalizeCoords(Float32Array.from([10, 5, 30, 5, 20, 10]));
    // x spans 10..30 (20), y 5..10 (5): both divided by 10 around the centre (20, 7.5).
    expect(Array.from(out)).toEqual([-1, -0.25, 1, -0.25, 0, 0.25]);
  });
});

describe('placeByNeighbours', () => {
  const anchors = Float32Array.from([...unit([1, 0, 0]), ...unit([0, 1, 0]), ...unit([0, 0, 1])]);
  const index = AnchorIndex.build(anchors, 3);
  const cells = Float32Array.from([...unit([1, 0.05, 0]), ...unit([1, 1, 0])]);

  it('puts a cell between near anchors that lie together on the map, weighted towards the more similar', () => {
    // Anchors 0 and 1 are 0.04 apart on the map; anchor 2 (similarity 0 vs 0.71) weighs e^-35.
    const coords = Float32Array.from([0, 0, 0.04, 0, 0.5, 0.5]);
    const placed = placeByNeighbours(index, coords, cells, 3, 3);
    expect(placed[0]).toBeGreaterThan(0);
    expect(placed[0]).toBeLessThan(0.002);
    expect(placed[2]).toBeCloseTo(0.02, 5);
    expect(placed[3]).toBeCloseTo(0, 5);
  });

  it('never puts a cell in the empty space between two clusters: it joins the nearest anchor\'s', () => {
    const coords = Float32Array.from([-1, 0, 1, 0, 0, 1]);
    const placed = placeByNeighbours(index, coords, cells, 3, 3);
    expect([placed[0], placed[1]]).toEqual([-1, 0]);
    // Equally similar to anchors 0 and 1, which are far apart: it lands on one of them, not at (0, 0).
    expect(Math.abs(placed[2]!)).toBe(1);
    expect(placed[3]).toBe(0);
  });
});

describe('fitUmap', () => {
  it('separates three well-separated groups of vectors into three regions of the map', async () => {
    const random = seededRandom(5);
    const dim = 16;
    const groups = 3;
    const perGroup = 40;
    const vectors = new Float32Array(groups * perGroup * dim);
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < perGroup; i++) {
        const v = Array.from({ length: dim }, (_, d) => (d === g ? 3 : 0) + (random() - 0.5) * 0.4);
        vectors.set(unit(v), (g * perGroup + i) * dim);
      }
    }
    let epochs = 0;
    const { coords } = await fitUmap(vectors, dim, { ...DEFAULT_UMAP_SETTINGS, nNeighbors: 10, nEpochs: 100 }, (done) => {
      epochs = done;
    });
    expect(epochs).toBe(100);
    const centre = (g: number) => {
      let x = 0, y = 0;
      for (let i = g * perGroup; i < (g + 1) * perGroup; i++) {
        x += coords[2 * i]!;
        y += coords[2 * i + 1]!;
      }
      return [x / perGroup, y / perGroup] as const;
    };
    const spread = (g: number) => {
      const [cx, cy] = centre(g);
      let s = 0;
      for (let i = g * perGroup; i < (g + 1) * perGroup; i++) s += Math.hypot(coords[2 * i]! - cx, coords[2 * i + 1]! - cy);
      return s / perGroup;
    };
    for (let a = 0; a < groups; a++) {
      for (let b = a + 1; b < groups; b++) {
        const [ax, ay] = centre(a);
        const [bx, by] = centre(b);
        expect(Math.hypot(ax - bx, ay - by)).toBeGreaterThan(2 * Math.max(spread(a), spread(b)));
      }
    }
  });
});

describe('fitUmap off the event loop', () => {
  it('keeps the event loop answering while it fits 2,000 cells (the optimisation runs on a worker thread)', async () => {
    const random = seededRandom(8);
    const dim = 64;
    const n = 2000;
    const vectors = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) vectors.set(unit(Array.from({ length: dim }, (_, d) => (d === i % 10 ? 2 : 0) + random() - 0.5)), i * dim);
    let last = performance.now();
    let worstGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    try {
      await fitUmap(vectors, dim, { ...DEFAULT_UMAP_SETTINGS, nEpochs: 200 });
    } finally {
      clearInterval(ticker);
    }
    // In one thread this fit blocks for seconds at a time; the worst gap must stay a small slice of it.
    expect(performance.now() - started).toBeGreaterThan(1000);
    expect(worstGap).toBeLessThan(400);
  });
});

describe('layoutDecision', () => {
  const current = { atlas: { '1': 1000 }, totalCells: 1000 };
  it('fits the first map and refits after a large change', () => {
    expect(layoutDecision(null, { '1': 1000 }, 0.2)).toBe('fit');
    expect(layoutDecision(current, { '1': 1000, '2': 201 }, 0.2)).toBe('fit');
    expect(layoutDecision(current, { '2': 50 }, 0.2)).toBe('fit');
  });
  it('extends after a small change and does nothing when the atlas is unchanged', () => {
    expect(layoutDecision(current, { '1': 1000 }, 0.2)).toBeNull();
    expect(layoutDecision(current, { '1': 1000, '2': 200 }, 0.2)).toBe('extend');
    expect(layoutDecision({ atlas: { '1': 1000, '2': 100 }, totalCells: 1100 }, { '1': 1000 }, 0.2)).toBe('extend');
  });
  it('empties the map when every dataset is gone, and has nothing to do for an empty atlas', () => {
    expect(layoutDecision(current, {}, 0.2)).toBe('extend');
    expect(layoutDecision(null, {}, 0.2)).toBeNull();
  });
  it('counts cells added and removed', () => {
    expect(censusChange({ '1': 10, '2': 5 }, { '1': 10, '3': 7 })).toBe(12);
  });
});

describe('category codes', () => {
  it('ranks categories by count and codes each cell; missing cells get the hidden code', () => {
    const { categories, codes } = encodeCategories(['B', 'T', 'T', null, undefined, 'T']);
    expect(categories).toEqual([
      { name: 'T', cells: 3 },
      { name: '(no value)', cells: 1 },
      { name: 'B', cells: 1 },
    ]);
    expect(Array.from(codes)).toEqual([2, 0, 0, 1, HIDDEN_CODE, 0]);
  });

  it('folds the rarest values into one "other" category past the limit', () => {
    const values = Array.from({ length: 100 }, (_, i) => `v${i}`).flatMap((v, i) => Array<string>(100 - i).fill(v));
    const { categories, codes } = encodeCategories(values);
    expect(categories).toHaveLength(MAX_CATEGORIES);
    expect(categories.at(-1)!.name).toBe(`other (${100 - MAX_CATEGORIES + 1} values)`);
    expect(categories.reduce((sum, c) => sum + c.cells, 0)).toBe(values.length);
    expect(codes[values.length - 1]).toBe(MAX_CATEGORIES - 1);
  });

  it('reads colour columns from the query string, refusing anything else', () => {
    expect(parseColumn('label')).toEqual({ kind: 'label' });
    expect(parseColumn('metadata.donor')).toEqual({ kind: 'metadata', key: 'donor' });
    expect(parseColumn('metadata.')).toBeNull();
    expect(parseColumn('cell_type')).toBeNull();
  });

  it('round-trips through the binary frame and the page decoder (odd header lengths padded)', () => {
    for (const name of ['B', 'Bé', 'CD4-positive, alpha-beta T cell']) {
      const encoded = encodeCategories([name, 'T', undefined]);
      const frame = encodeColorFrame('label', encoded);
      const bytes = new Uint8Array(frame).slice().buffer;
      const column = decodeColumn(bytes);
      expect(column.by).toBe('label');
      expect(column.categories).toEqual(encoded.categories);
      expect(Array.from(column.codes)).toEqual(Array.from(encoded.codes));
      expect(column.hiddenCode).toBe(HIDDEN_CODE);
    }
  });
});
