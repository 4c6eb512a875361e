import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/errors.ts';
import { openExpressionFile } from '../../src/ingest/readers/index.ts';
import { openTenxMtx } from '../../src/ingest/readers/tenx-mtx.ts';
import type { MtxSpec } from '../helpers/mtx-writer.ts';
import { mtxText, writeMtxDir } from '../helpers/mtx-writer.ts';
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

const directory = temporaryDirectory('readers-mtx-');
afterAll(() => directory.remove());
let dirCounter = 0;

function writeDir(overrides: Partial<MtxSpec> = {}): string {
  const path = join(directory.path, `mtx-${dirCounter++}`);
  writeMtxDir(path, { matrix: COUNTS, geneIds: GENE_IDS, geneSymbols: GENE_SYMBOLS, barcodes: CELL_IDS, version: 'v3', ...overrides });
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

describe('10x MTX reader', () => {
  for (const version of ['v3', 'v2'] as const) {
    it(`${version}: values, barcodes, gene ids and columns at chunk sizes 1, 3, 7, 100`, async () => {
      const path = writeDir({ version });
      const source = await openExpressionFile(path);
      try {
        expect(source.format).toBe('10x-mtx');
        expect(source.matrixLocation).toBe(version === 'v3' ? 'matrix.mtx.gz' : 'matrix.mtx');
        expect(source.nCells).toBe(7);
        expect(source.genes.index).toEqual(GENE_IDS);
        expect(source.genes.columns['gene_symbols']).toEqual(GENE_SYMBOLS);
        expect(source.genes.columns['feature_types']).toEqual(version === 'v3' ? Array(5).fill('Gene Expression') : undefined);
        expect(source.obsColumns).toEqual([]);
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

  it('accepts the matrix file itself as the path', async () => {
    const path = writeDir();
    const source = await openExpressionFile(join(path, 'matrix.mtx.gz'));
    expect((await drain(source, 2)).dense).toEqual(COUNTS);
    await source.close();
  });

  it('reads real-valued matrices', async () => {
    const fractional = COUNTS.map((row) => row.map((value) => value / 4));
    const source = await openExpressionFile(writeDir({ matrix: fractional, field: 'real' }));
    expect((await drain(source, 3)).dense).toEqual(fractional);
    await source.close();
  });

  for (const order of ['by-gene', 'shuffled'] as const) {
    it(`unsorted (${order}) equals sorted, also across spool buckets (600 cells)`, async () => {
      const sorted = await openTenxMtx(writeDir());
      const unsorted = await openTenxMtx(writeDir({ order }));
      expect(sorted.columnSorted).toBe(true);
      expect(unsorted.columnSorted).toBe(false);
      for (const cellsPerChunk of [1, 3, 100]) {
        const read = await drain(unsorted, cellsPerChunk);
        expect(read).toEqual(await drain(sorted, cellsPerChunk));
        expect(read.dense).toEqual(COUNTS);
      }
      await sorted.close();
      await unsorted.close();

      const matrix = largeMatrix(600, 13);
      const barcodes = matrix.map((_, cell) => `cell-${cell}`);
      const geneIds = Array.from({ length: 13 }, (_, gene) => `G${gene}`);
      const big = await openTenxMtx(writeDir({ matrix, barcodes, geneIds, geneSymbols: geneIds, order }));
      for (const cellsPerChunk of [1, 7]) {
        const read = await drain(big, cellsPerChunk);
        expect(read.dense).toEqual(matrix);
        expect(read.cellIds).toEqual(barcodes);
      }
      await big.close();
    });
  }

  for (const order of ['by-cell', 'by-gene', 'shuffled'] as const) {
    it(`${order}: cell ranges (cut inside chunks) and cellIds`, async () => {
      const source = await openTenxMtx(writeDir({ order }));
      expect(source.columnSorted).toBe(order === 'by-cell');
      await expectRangesAndIds(source, COUNTS, CELL_IDS);
      await source.close();
    });
  }

  it('a sorted file read by disjoint ranges gives every cell once, in bounded chunks', async () => {
    const matrix = largeMatrix(400, 9);
    const barcodes = matrix.map((_, cell) => `cell-${cell}`);
    const geneIds = Array.from({ length: 9 }, (_, gene) => `G${gene}`);
    const source = await openTenxMtx(writeDir({ matrix, barcodes, geneIds, geneSymbols: geneIds }));
    const dense: number[][] = [];
    for (const range of [{ start: 0, end: 133 }, { start: 133, end: 134 }, { start: 134, end: 400 }]) {
      const read = await drain(source, 10, range);
      expect(Math.max(...read.chunkSizes)).toBeLessThanOrEqual(10);
      dense.push(...read.dense);
    }
    expect(dense).toEqual(matrix);
    await source.close();
  });

  it('handles CRLF line endings and a file without a final newline', async () => {
    const path = writeDir({ version: 'v2' });
    const text = mtxText({ matrix: COUNTS, geneIds: GENE_IDS, geneSymbols: GENE_SYMBOLS, barcodes: CELL_IDS, version: 'v2' });
    writeFileSync(join(path, 'matrix.mtx'), text.trimEnd().replaceAll('\n', '\r\n'));
    const source = await openExpressionFile(path);
    expect((await drain(source, 4)).dense).toEqual(COUNTS);
    await source.close();
  });
});

describe('10x MTX reader: refusals', () => {
  it('DIMENSION_MISMATCH between the size line and features/barcodes', async () => {
    await expectRefusal(openExpressionFile(writeDir({ sizeLine: '6 7 12' })), 'DIMENSION_MISMATCH', '6 rows', '5 features');
    await expectRefusal(openExpressionFile(writeDir({ sizeLine: '7 5 12' })), 'DIMENSION_MISMATCH', 'transpose');
  });

  it('FILE_CORRUPT with the line number for an entry out of range', async () => {
    await expectRefusal(
      openExpressionFile(writeDir({ sizeLine: '5 7 13', extraLines: ['9 1 4'] })),
      'FILE_CORRUPT',
      'line 16',
      '(9, 1)',
    );
    await expectRefusal(openExpressionFile(writeDir({ extraLines: ['1 1 4'] })), 'FILE_CORRUPT', 'line 16', 'more entries');
    await expectRefusal(openExpressionFile(writeDir({ extraLines: ['1 x 4'] })), 'FILE_CORRUPT', 'line 16', 'malformed');
  });

  it('FILE_TRUNCATED for a cut gzip stream and for missing entries', async () => {
    const path = writeDir();
    const gz = join(path, 'matrix.mtx.gz');
    const bytes = readFileSync(gz);
    writeFileSync(gz, bytes.subarray(0, bytes.length - 12));
    await expectRefusal(openExpressionFile(path), 'FILE_TRUNCATED', 'matrix.mtx.gz', 'truncated gzip');
    await expectRefusal(openExpressionFile(writeDir({ sizeLine: '5 7 20' })), 'FILE_TRUNCATED', 'declares 20 entries');
    const barcodesCut = writeDir();
    const barcodes = join(barcodesCut, 'barcodes.tsv.gz');
    writeFileSync(barcodes, gzipSync('AAAC-1\nAAAG-1\n').subarray(0, 15));
    await expectRefusal(openExpressionFile(barcodesCut), 'FILE_TRUNCATED', 'barcodes.tsv.gz');
  });

  it('FILE_NOT_FOUND for an incomplete folder, EMPTY_MATRIX for zero barcodes', async () => {
    const path = writeDir();
    rmSync(join(path, 'barcodes.tsv.gz'));
    await expectRefusal(openExpressionFile(path), 'FILE_NOT_FOUND', 'barcodes.tsv');
    await expectRefusal(openExpressionFile(writeDir({ matrix: [], barcodes: [] })), 'EMPTY_MATRIX', '0 barcodes');
  });

  it('DUPLICATE_ENTRIES for a (gene, barcode) pair given twice, sorted or not', async () => {
    // Sorted by barcode: refused by the open-time scan, before any cell is read.
    const sorted = writeDir({ version: 'v2' });
    writeFileSync(join(sorted, 'matrix.mtx'), '%%MatrixMarket matrix coordinate integer general\n5 7 3\n1 1 3\n2 1 1\n1 1 4\n');
    await expectRefusal(openExpressionFile(sorted), 'DUPLICATE_ENTRIES', 'line 5', 'gene 1 of barcode 1', 'sum_duplicates');
    // Gene 1 of barcode 1 is in the matrix already (COUNTS[0][0] = 3); the repeat comes last.
    // Unsorted: the scan bounds each cell (below); an exact repeat is refused when its cells are read.
    const unsorted = await openExpressionFile(writeDir({ order: 'by-gene', sizeLine: '5 7 13', extraLines: ['1 1 4'] }));
    await expectRefusal(drain(unsorted, 3), 'DUPLICATE_ENTRIES', 'gene 1 of barcode 1');
    await unsorted.close();
  });

  it('a file declaring millions of entries for one cell is refused once the cell holds more entries than there are genes', async () => {
    // Entries alternate between two barcodes, so no pair repeats back to back: only the per-cell
    // bound (5 genes) can stop the reader before it gathers the declared 700 million for barcode 1.
    const path = writeDir({ version: 'v2' });
    const entries = Array.from({ length: 10 }, (_, i) => `${(i % 5) + 1} ${i % 2 === 0 ? 1 : 2} 1`);
    writeFileSync(join(path, 'matrix.mtx'), ['%%MatrixMarket matrix coordinate integer general', '5 7 700000000', ...entries, ...entries, ...entries].join('\n') + '\n');
    await expectRefusal(openExpressionFile(path), 'DUPLICATE_ENTRIES', 'barcode 1', 'one value per gene');
  });

  it('an aborted signal interrupts the validating scan (INTERRUPTED), so Ctrl-C ends a long validation', async () => {
    const path = writeDir();
    const controller = new AbortController();
    controller.abort();
    await expectRefusal(openExpressionFile(path, { signal: controller.signal }), 'INTERRUPTED', 'matrix.mtx.gz', 'nothing was stored');
  });

  it('UNSUPPORTED_FORMAT for non-general or array MatrixMarket files', async () => {
    const path = writeDir({ version: 'v2' });
    writeFileSync(join(path, 'matrix.mtx'), '%%MatrixMarket matrix array real general\n5 7\n');
    await expectRefusal(openExpressionFile(path), 'UNSUPPORTED_FORMAT', 'general coordinate');
  });
});
