import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/errors.ts';
import { openExpressionFile } from '../../src/ingest/readers/index.ts';
import { openTenxH5 } from '../../src/ingest/readers/tenx-h5.ts';
import type { TenxH5Spec } from '../helpers/tenx-h5-writer.ts';
import { writeTenxH5 } from '../helpers/tenx-h5-writer.ts';
import {
  CELL_IDS,
  COUNTS,
  GENE_IDS,
  GENE_SYMBOLS,
  drain,
  expectRangesAndIds,
  expectedStarts,
  largeMatrix,
  temporaryDirectory,
} from '../helpers/reader-fixtures.ts';

const directory = temporaryDirectory('readers-tenx-h5-');
afterAll(() => directory.remove());
let fileCounter = 0;

async function writeFile(overrides: Partial<TenxH5Spec> = {}): Promise<string> {
  const path = join(directory.path, `matrix-${fileCounter++}.h5`);
  await writeTenxH5(path, {
    version: 'v3',
    matrix: COUNTS,
    featureIds: GENE_IDS,
    featureNames: GENE_SYMBOLS,
    barcodes: CELL_IDS,
    ...overrides,
  });
  return path;
}

async function expectRefusal(action: Promise<unknown>, code: string, ...fragments: string[]): Promise<void> {
  const error = await action.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(AtlasError);
  expect((error as AtlasError).code).toBe(code);
  for (const fragment of fragments) expect((error as AtlasError).message).toContain(fragment);
}

/**
 * COUNTS with two antibody-capture features inserted before gene 2 and after gene 4, both with
 * counts in most cells, so that keeping them would change every cell's row.
 */
const ANTIBODY_IDS = ['CD3_TotalSeqB', 'CD19_TotalSeqB'];
const WITH_ANTIBODIES = COUNTS.map((row, cell) => [row[0], row[1], 100 + cell, row[2], row[3], row[4], 200 + cell] as number[]);
const FEATURE_IDS = [GENE_IDS[0], GENE_IDS[1], ANTIBODY_IDS[0], GENE_IDS[2], GENE_IDS[3], GENE_IDS[4], ANTIBODY_IDS[1]] as string[];
const FEATURE_NAMES = [GENE_SYMBOLS[0], GENE_SYMBOLS[1], 'CD3', GENE_SYMBOLS[2], GENE_SYMBOLS[3], GENE_SYMBOLS[4], 'CD19'] as string[];
const FEATURE_TYPES = FEATURE_IDS.map((id) => (ANTIBODY_IDS.includes(id) ? 'Antibody Capture' : 'Gene Expression'));

describe('10x HDF5 reader', () => {
  for (const version of ['v3', 'v2'] as const) {
    for (const compress of [false, true]) {
      it(`${version}${compress ? ' (gzip + shuffle)' : ''}: values, barcodes, gene ids and columns at chunk sizes 1, 3, 7, 100`, async () => {
        const path = await writeFile({ version, compress, genome: 'GRCh38' });
        const source = await openExpressionFile(path);
        try {
          expect(source.format).toBe('10x-h5');
          expect(source.matrixLocation).toBe(version === 'v3' ? 'matrix/data' : 'GRCh38/data');
          expect(source.valuePrecision).toBe('float32');
          expect(source.nCells).toBe(7);
          expect(source.obsColumns).toEqual([]);
          expect(source.genes.index).toEqual(GENE_IDS);
          expect(source.genes.columns['gene_symbols']).toEqual(GENE_SYMBOLS);
          if (version === 'v3') {
            expect(source.genes.columns['feature_types']).toEqual(Array(5).fill('Gene Expression'));
            expect(source.genes.columns['genome']).toEqual(Array(5).fill('GRCh38'));
          } else {
            expect(Object.keys(source.genes.columns)).toEqual(['gene_symbols']);
          }
          for (const cellsPerChunk of [1, 3, 7, 100]) {
            const read = await drain(source, cellsPerChunk);
            expect(read.dense).toEqual(COUNTS);
            expect(read.cellIds).toEqual(CELL_IDS);
            expect(read.starts).toEqual(expectedStarts(7, cellsPerChunk));
          }
        } finally {
          await source.close();
        }
      });
    }
  }

  it('keeps only Gene Expression features: antibody capture is dropped and gene indices renumbered', async () => {
    const path = await writeFile({ matrix: WITH_ANTIBODIES, featureIds: FEATURE_IDS, featureNames: FEATURE_NAMES, featureTypes: FEATURE_TYPES });
    const source = await openTenxH5(path);
    try {
      expect(source.nFeatures).toBe(7);
      expect(source.nGenes).toBe(5);
      expect(source.genes.index).toEqual(GENE_IDS);
      expect(source.genes.columns['gene_symbols']).toEqual(GENE_SYMBOLS);
      expect(source.genes.columns['feature_types']).toEqual(Array(5).fill('Gene Expression'));
      for (const cellsPerChunk of [1, 4, 100]) expect((await drain(source, cellsPerChunk)).dense).toEqual(COUNTS);
      await expectRangesAndIds(source, COUNTS, CELL_IDS);
    } finally {
      await source.close();
    }
  });

  for (const version of ['v3', 'v2'] as const) {
    it(`${version}: cell ranges (cut inside chunks) and cellIds`, async () => {
      const source = await openExpressionFile(await writeFile({ version }));
      await expectRangesAndIds(source, COUNTS, CELL_IDS);
      await source.close();
    });
  }

  it('reads disjoint ranges of a larger file that together give every cell once', async () => {
    const matrix = largeMatrix(300, 11);
    const barcodes = matrix.map((_, cell) => `cell-${cell}`);
    const ids = Array.from({ length: 11 }, (_, gene) => `ENSG${String(gene).padStart(11, '0')}`);
    const source = await openExpressionFile(await writeFile({ matrix, barcodes, featureIds: ids, featureNames: ids, compress: true }));
    const parts = [
      { start: 0, end: 97 },
      { start: 97, end: 211 },
      { start: 211, end: 300 },
    ];
    const dense: number[][] = [];
    for (const part of parts) dense.push(...(await drain(source, 16, part)).dense);
    expect(dense).toEqual(matrix);
    await source.close();
  });
});

describe('10x HDF5 reader: refusals', () => {
  it('UNSUPPORTED_FORMAT for a Cell Ranger 2 file with several genomes, naming them and how to split', async () => {
    const path = await writeFile({ version: 'v2', genome: 'hg19', extraGenomes: ['mm10'] });
    await expectRefusal(openExpressionFile(path), 'UNSUPPORTED_FORMAT', '2 genome matrices', 'hg19, mm10', 'genome="hg19"');
  });

  it('DIMENSION_MISMATCH when barcodes or features disagree with the shape, or indptr with the barcodes', async () => {
    await expectRefusal(openExpressionFile(await writeFile({ barcodes: CELL_IDS.slice(0, 6), declaredShape: [5, 7] })), 'DIMENSION_MISMATCH', '/matrix/barcodes lists 6 barcodes', '5 features × 7 barcodes');
    await expectRefusal(
      openExpressionFile(await writeFile({ featureIds: GENE_IDS.slice(0, 4), featureNames: GENE_SYMBOLS.slice(0, 4), declaredShape: [5, 7] })),
      'DIMENSION_MISMATCH',
      '/matrix/features/id lists 4 features',
    );
    await expectRefusal(
      openExpressionFile(await writeFile({ version: 'v2', featureIds: GENE_IDS.slice(0, 4), declaredShape: [5, 7] })),
      'DIMENSION_MISMATCH',
      '/GRCh38/genes lists 4 features',
    );
    // Six barcodes and a shape that agrees with them, but seven cells' worth of indptr.
    await expectRefusal(
      openExpressionFile(await writeFile({ barcodes: CELL_IDS.slice(0, 6), declaredShape: [5, 6] })),
      'DIMENSION_MISMATCH',
      'matrix/indptr has 8 entries',
      '6 barcodes',
    );
  });

  it('FILE_CORRUPT when a feature index is outside the feature list', async () => {
    // The stored indices reach feature 4, but the shape and lists claim 4 features.
    const path = await writeFile({ featureIds: GENE_IDS.slice(0, 4), featureNames: GENE_SYMBOLS.slice(0, 4), declaredShape: [4, 7] });
    const source = await openExpressionFile(path);
    await expect(drain(source, 7)).rejects.toThrow(/matrix\/indices\[\d+\] = 4 is outside 0…3 \(features\)/);
    await source.close();
  });

  it('EMPTY_MATRIX for zero barcodes or no Gene Expression feature', async () => {
    await expectRefusal(openExpressionFile(await writeFile({ matrix: [], barcodes: [] })), 'EMPTY_MATRIX', '0 barcodes');
    await expectRefusal(
      openExpressionFile(await writeFile({ featureTypes: Array(5).fill('Antibody Capture') })),
      'EMPTY_MATRIX',
      '0 Gene Expression features',
      'Antibody Capture',
    );
  });

  it('INVALID_INPUT after close', async () => {
    const source = await openExpressionFile(await writeFile());
    await source.close();
    expect(() => source.chunks(2)).toThrow(/closed/);
  });
});
