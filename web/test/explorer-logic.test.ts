/** The explorer's logic without a browser: binary decoding, placement, selection, colours, words. */
import { describe, expect, it } from 'vitest';
import { ApiError, explain } from '../src/api/errors';
import { composition, decodeHeat, decodePoints, heatScale, placeByNeighbours, pointOf } from '../src/api/layout-data';
import { CATEGORICAL, NO_VALUE_COLOUR, categoricalColours, viridis } from '../src/map/palette';
import { abstentionReason } from '../src/panels/cell';
import { datasetNameFor } from '../src/panels/admin';
import { sortRows, type AnnotationResultRow } from '../src/panels/annotate';

function pointsBuffer(ids: number[], xy: number[]): ArrayBuffer {
  const buffer = new ArrayBuffer(ids.length * 12);
  new Int32Array(buffer, 0, ids.length).set(ids);
  new Float32Array(buffer, ids.length * 4, ids.length * 2).set(xy);
  return buffer;
}

describe('layout data', () => {
  const points = decodePoints(pointsBuffer([3, 7, 20], [0.5, -0.5, 0, 0, -1, 1]));

  it('decodes ids and x,y pairs into columns', () => {
    expect(Array.from(points.cellIds)).toEqual([3, 7, 20]);
    expect(Array.from(points.x)).toEqual([0.5, 0, -1]);
    expect(Array.from(points.y)).toEqual([-0.5, 0, 1]);
  });

  it('refuses a body that is not whole cells', () => {
    expect(() => decodePoints(new ArrayBuffer(13))).toThrow('12 bytes each');
  });

  it('finds a cell by id, or -1', () => {
    expect(pointOf(points.cellIds, 7)).toBe(1);
    expect(pointOf(points.cellIds, 20)).toBe(2);
    expect(pointOf(points.cellIds, 8)).toBe(-1);
  });

  it('places a query cell at the mean of its neighbours near the nearest one, ignoring those not on the map', () => {
    const close = decodePoints(pointsBuffer([1, 2, 3], [0.5, 0.5, 0.54, 0.5, -0.5, -0.5]));
    expect(placeByNeighbours(close, ['1', '2', '999'])![0]).toBeCloseTo(0.52, 5);
    // Cell 3 sits in another cluster: it does not pull the query cell into the gap between them.
    expect(placeByNeighbours(close, ['1', '3'])).toEqual([0.5, 0.5]);
    expect(placeByNeighbours(points, ['999'])).toBeNull();
  });

  it("counts a selection's categories, most first, skipping deleted cells", () => {
    const column = { by: 'label', categories: [{ name: 'B', cells: 2 }, { name: 'T', cells: 1 }], codes: Uint16Array.from([0, 1, 0, 65535]), hiddenCode: 65535 };
    expect(composition(column, [0, 1, 2, 3])).toEqual([
      { name: 'B', cells: 2, share: 2 / 3 },
      { name: 'T', cells: 1, share: 1 / 3 },
    ]);
  });
});

describe('colours', () => {
  it('starts with the Okabe–Ito palette and greys out "(no value)" without using up a colour', () => {
    expect(categoricalColours(['a', '(no value)', 'b'])).toEqual([CATEGORICAL[0], NO_VALUE_COLOUR, CATEGORICAL[1]]);
    expect(CATEGORICAL.slice(0, 3)).toEqual(['#E69F00', '#56B4E9', '#009E73']);
  });

  it('gives every one of 300 categories its own colour, past the fixed palette too', () => {
    const colours = categoricalColours(Array.from({ length: 300 }, (_, i) => `type ${i}`));
    expect(colours.slice(0, CATEGORICAL.length)).toEqual([...CATEGORICAL]);
    expect(new Set(colours.map((c) => c.toLowerCase())).size).toBe(300);
    expect(colours).not.toContain(NO_VALUE_COLOUR);
    for (const colour of colours) expect(colour).toMatch(/^#[0-9a-fA-F]{6}$/);
    // The first generated colour: hue 0°, saturation 0.62, lightness 0.45: chroma 0.9 × 0.62 = 0.558,
    // red 0.45 + 0.279 = 0.729 → 186, green and blue 0.45 − 0.279 = 0.171 → 44.
    expect(colours[CATEGORICAL.length]).toBe('#ba2c2c');
  });

  it('runs viridis from dark purple to yellow', () => {
    const ramp = viridis(64);
    expect(ramp).toHaveLength(64);
    expect(ramp[0]).toBe('#440154');
    expect(ramp[63]).toBe('#fde725');
  });

  it('spreads scored cells over the heat scale, the most similar hottest, unscored cells coldest', () => {
    const header = new TextEncoder().encode(JSON.stringify({ scored: 3, floor: 0.5, ceiling: 0.9 }));
    const start = Math.ceil((4 + header.length) / 4) * 4;
    const buffer = new ArrayBuffer(start + 4 * 4);
    new DataView(buffer).setUint32(0, header.length, true);
    new Uint8Array(buffer, 4).set(header);
    new Float32Array(buffer, start).set([0.9, Number.NaN, 0.5, 0.7]);
    const heat = decodeHeat(buffer);
    expect(heat).toMatchObject({ scored: 3, floor: 0.5, ceiling: 0.9 });
    const values = Array.from(heatScale(heat));
    expect(values[0]).toBeCloseTo(1);
    expect(values[1]).toBe(0);
    expect(values[2]).toBeCloseTo(0.05);
    expect(values[3]).toBeCloseTo(0.525);
  });
});

describe('words for people', () => {
  it('turns API errors into what happened and what to do', () => {
    expect(explain(new ApiError('UNAUTHENTICATED', 'No token.')).detail).toContain('Enter an admin token under Admin');
    expect(explain(new ApiError('NETWORK', 'x')).title).toBe('The service does not answer');
    expect(explain(new ApiError('BAD_USER_INPUT', 'k must be at most 200.'))).toEqual({ title: 'The service refused this', detail: 'k must be at most 200.' });
  });

  it('explains an abstention by the reason the service gave', () => {
    const base = { confidence: 0.3, abstainBelow: 0.5, bestLabel: { name: 'B cell' }, candidates: [{ label: { name: 'B cell' }, knnShare: 0.1 }, { label: { name: 'plasma cell' }, knnShare: 0.9 }] };
    expect(abstentionReason({ ...base, reason: 'CONFLICT' })).toBe('The sources disagree: the combined answer leans to B cell, but most reference neighbours are plasma cell.');
    expect(abstentionReason({ ...base, reason: 'LOW_CONFIDENCE', rolledUp: { name: 'lymphocyte', confidence: 0.93 } })).toBe(
      "The confidence (0.30) is below the service's threshold (0.50): the best guess, B cell, is not certain enough to assign. It is surely a lymphocyte (confidence 0.93).",
    );
    // A novel cell may be confident: the words say what made it NOVEL, not "low confidence".
    const novel = abstentionReason({ ...base, confidence: 0.97, reason: 'NOVEL', novelty: { score: 1.84, meanDistance: 0.12 } });
    expect(novel).toContain('(score 1.84; novel above 1)');
    expect(novel).toContain('perhaps a cell type this atlas has no label for');
    expect(novel).not.toContain('below the service');
    // A clicked reference cell with a label of its own is an outlier of its reference, not an unknown type.
    const outlier = abstentionReason({ ...base, confidence: 0.97, reason: 'NOVEL', novelty: { score: 2.2 } }, 'CD14-positive monocyte');
    expect(outlier).toContain('An outlier of its own reference');
    expect(outlier).toContain('Its reference calls it CD14-positive monocyte and the closest label is B cell');
    expect(outlier).not.toContain('no label for');
    const unread = abstentionReason({ ...base, confidence: 0.8, reason: 'TOO_FEW_GENES', novelty: { score: 0.4, genesKnown: 9, minGenes: 61.5 } });
    expect(unread).toBe(
      "The model knows only 9 of this cell's genes; placing a cell against this reference takes at least 62 (half of what its sparsest cells have). Its best guess, B cell, rests on too little to judge — a cell of another tissue, or a gene panel the model barely covers.",
    );
  });

  it('derives a dataset name from a file name', () => {
    expect(datasetNameFor('PBMC 3k (v2).h5ad')).toBe('PBMC-3k-v2');
    expect(datasetNameFor('lung.csv.gz')).toBe('lung');
    expect(datasetNameFor('.h5ad')).toBe('reference');
  });

  it('sorts result rows by number or text', () => {
    const row = (r: number, confidence: number, externalId: string): AnnotationResultRow => ({ row: r, externalId, label: null, bestLabel: 'B', status: 'UNASSIGNED', reason: 'LOW_CONFIDENCE', confidence, truth: null, neighborCellIds: [] });
    const rows = [row(0, 0.2, 'b'), row(1, 0.9, 'c'), row(2, 0.5, 'a')];
    expect(sortRows(rows, 'confidence', false).map((r) => r.row)).toEqual([1, 2, 0]);
    expect(sortRows(rows, 'externalId', true).map((r) => r.row)).toEqual([2, 0, 1]);
  });
});
