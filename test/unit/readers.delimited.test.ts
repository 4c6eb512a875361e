import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/errors.ts';
import { openExpressionFile } from '../../src/ingest/readers/index.ts';
import type { OpenOptions } from '../../src/ingest/readers/types.ts';
import { detectOrientation, openDelimited } from '../../src/ingest/readers/delimited.ts';
import type { Matrix } from '../helpers/h5ad-writer.ts';
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

const directory = temporaryDirectory('readers-delimited-');
afterAll(() => directory.remove());
let fileCounter = 0;

interface TableSpec {
  /** cells × genes, as the readers return it. */
  readonly matrix: Matrix;
  readonly cellIds: readonly string[];
  readonly geneIds: readonly string[];
  readonly genesAsRows: boolean;
  readonly delimiter?: ',' | '\t';
  /** Header's first field; null leaves it out (R's write.table). */
  readonly corner?: string | null;
  readonly lineEnd?: string;
}

/** The table text, written independently of the reader: one line per row, ids first. */
function tableText(spec: TableSpec): string {
  const delimiter = spec.delimiter ?? ',';
  const [rowIds, columnIds] = spec.genesAsRows ? [spec.geneIds, spec.cellIds] : [spec.cellIds, spec.geneIds];
  const value = (row: number, column: number): number =>
    (spec.genesAsRows ? spec.matrix[column]?.[row] : spec.matrix[row]?.[column]) ?? Number.NaN;
  const corner = spec.corner === undefined ? (spec.genesAsRows ? 'gene' : 'barcode') : spec.corner;
  const header = [...(corner === null ? [] : [corner]), ...columnIds].join(delimiter);
  const rows = rowIds.map((id, row) => [id, ...columnIds.map((_, column) => String(value(row, column)))].join(delimiter));
  const lineEnd = spec.lineEnd ?? '\n';
  return [header, ...rows].join(lineEnd) + lineEnd;
}

function writeTable(text: string | Buffer, name = 'table.csv'): string {
  const path = join(directory.path, `${fileCounter++}-${name}`);
  writeFileSync(path, text);
  return path;
}

const CELLS_AS_ROWS: TableSpec = { matrix: COUNTS, cellIds: CELL_IDS, geneIds: GENE_IDS, genesAsRows: false };
const GENES_AS_ROWS: TableSpec = { ...CELLS_AS_ROWS, genesAsRows: true };

async function expectRefusal(action: Promise<unknown>, code: string, ...fragments: string[]): Promise<AtlasError> {
  const error = await action.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(AtlasError);
  expect((error as AtlasError).code).toBe(code);
  for (const fragment of fragments) expect((error as AtlasError).message).toContain(fragment);
  return error as AtlasError;
}

async function expectTable(path: string, options: OpenOptions = {}, expected: Matrix = COUNTS, cellIds = CELL_IDS, geneIds = GENE_IDS) {
  const source = await openExpressionFile(path, options);
  try {
    expect(source.nCells).toBe(cellIds.length);
    expect(source.genes.index).toEqual(geneIds);
    expect(source.valuePrecision).toBe('float32');
    for (const cellsPerChunk of [1, 3, 100]) {
      const read = await drain(source, cellsPerChunk);
      expect(read.dense).toEqual(expected);
      expect(read.cellIds).toEqual(cellIds);
      expect(read.starts).toEqual(expectedStarts(cellIds.length, cellsPerChunk));
    }
  } finally {
    await source.close();
  }
  return source;
}

describe('CSV/TSV reader: orientations', () => {
  it('cells as rows, detected from the Ensembl header', async () => {
    const source = await expectTable(writeTable(tableText(CELLS_AS_ROWS)));
    expect(source.format).toBe('csv');
    expect(source.matrixLocation).toMatch(/table\.csv$/);
    expect(source.obsColumns).toEqual([]);
  });

  it('genes as rows, detected from the Ensembl first column, transposed through the spool', async () => {
    const path = writeTable(tableText(GENES_AS_ROWS));
    const source = await expectTable(path);
    const typed = await openDelimited(path, 'csv');
    expect(typed.orientation).toEqual({ genesAsRows: true, reason: 'the first column holds Ensembl gene ids' });
    expect(typed.storedEntries).toBe(COUNTS.flat().filter((value) => value !== 0).length);
    await typed.close();
    expect(source.format).toBe('csv');
  });

  it('genes as rows with more chunks than spool buckets (600 cells, chunk sizes 1 and 7); temp files are removed', async () => {
    const matrix = largeMatrix(600, 9);
    const cellIds = matrix.map((_, cell) => `cell-${cell}`);
    const geneIds = Array.from({ length: 9 }, (_, gene) => `ENSMUSG${String(gene).padStart(11, '0')}`);
    const path = writeTable(tableText({ matrix, cellIds, geneIds, genesAsRows: true }));
    const spoolsBefore = readdirSync(tmpdir()).filter((name) => name.startsWith('langcell-spool-')).length;
    const source = await openExpressionFile(path);
    for (const cellsPerChunk of [1, 7]) {
      const read = await drain(source, cellsPerChunk);
      expect(read.dense).toEqual(matrix);
      expect(read.cellIds).toEqual(cellIds);
    }
    await source.close();
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('langcell-spool-')).length).toBe(spoolsBefore);
  });

  it('detects either orientation from 10x barcodes when genes are symbols', async () => {
    const barcodes = ['AAACCTGAGAAACCAT-1', 'AAACCTGAGAAACCGC-1', 'AAACCTGAGAAACCTA-1', 'AAACCTGAGAAACGAG-1', 'AAACCTGAGAAACTAC-1', 'AAACCTGAGAAAGACA-1', 'AAACCTGAGAAAGCGA-1'];
    const spec = { matrix: COUNTS, cellIds: barcodes, geneIds: GENE_SYMBOLS };
    for (const genesAsRows of [false, true]) {
      const path = writeTable(tableText({ ...spec, genesAsRows }));
      await expectTable(path, {}, COUNTS, barcodes, GENE_SYMBOLS);
      const typed = await openDelimited(path, 'csv');
      expect(typed.orientation.reason).toBe(genesAsRows ? 'the header holds cell barcodes' : 'the first column holds cell barcodes');
      await typed.close();
    }
  });

  it('ORIENTATION_UNKNOWN when neither side is recognisable, naming both flags; a stated orientation reads it', async () => {
    const spec = { matrix: COUNTS, cellIds: CELL_IDS, geneIds: GENE_SYMBOLS };
    const cellsAsRows = writeTable(tableText({ ...spec, genesAsRows: false }));
    await expectRefusal(openExpressionFile(cellsAsRows), 'ORIENTATION_UNKNOWN', '--genes-as-rows', '--cells-as-rows', '"AAAC-1"', '"CD3E"');
    await expectTable(cellsAsRows, { genesAsRows: false }, COUNTS, CELL_IDS, GENE_SYMBOLS);
    const genesAsRows = writeTable(tableText({ ...spec, genesAsRows: true }));
    await expectRefusal(openExpressionFile(genesAsRows), 'ORIENTATION_UNKNOWN');
    await expectTable(genesAsRows, { genesAsRows: true }, COUNTS, CELL_IDS, GENE_SYMBOLS);
  });

  it('the heuristic refuses tables where both sides look alike', () => {
    expect(detectOrientation(GENE_IDS, GENE_IDS)).toBeUndefined();
    expect(detectOrientation(['AAACCTGAGAAACCAT-1'], ['AAACCTGAGAAACCGC-1'])).toBeUndefined();
    expect(detectOrientation(['ENSG00000000003.15'], ['CD3E'])).toEqual({ genesAsRows: true, reason: 'the first column holds Ensembl gene ids' });
    // One stray id in ten does not flip the decision; two in ten do.
    const mostlyEnsembl = [...GENE_IDS, ...GENE_IDS.slice(0, 4), 'ERCC-00002'];
    expect(detectOrientation(['c1'], mostlyEnsembl)?.genesAsRows).toBe(false);
    expect(detectOrientation(['c1'], [...mostlyEnsembl.slice(0, 8), 'ERCC-1', 'ERCC-2'])).toBeUndefined();
  });
});

describe('CSV/TSV reader: encodings', () => {
  it('gzip, detected by its bytes, for .csv.gz and .tsv.gz', async () => {
    const csv = writeTable(gzipSync(tableText(GENES_AS_ROWS)), 'table.csv.gz');
    expect((await expectTable(csv)).format).toBe('csv');
    const tsv = writeTable(gzipSync(tableText({ ...CELLS_AS_ROWS, delimiter: '\t' })), 'table.tsv.gz');
    expect((await expectTable(tsv)).format).toBe('tsv');
  });

  it('TSV (.tsv and .txt), with R-style headers that leave out the corner field', async () => {
    for (const name of ['table.tsv', 'table.txt']) {
      for (const spec of [CELLS_AS_ROWS, GENES_AS_ROWS]) {
        const path = writeTable(tableText({ ...spec, delimiter: '\t', corner: null }), name);
        expect((await expectTable(path)).format).toBe('tsv');
      }
    }
    expect((await expectTable(writeTable(tableText({ ...CELLS_AS_ROWS, corner: null })))).format).toBe('csv');
  });

  it('CRLF line ends, a byte-order mark, quoted ids, blank lines and a last line without newline', async () => {
    const crlf = tableText({ ...GENES_AS_ROWS, lineEnd: '\r\n' });
    await expectTable(writeTable(crlf.trimEnd()));
    await expectTable(writeTable(`\uFEFF${tableText({ ...CELLS_AS_ROWS, corner: null })}\n\n`));
    const quoted = `"",${GENE_IDS.map((id) => `"${id}"`).join(',')}\n` + COUNTS.map((row, cell) => [`"${CELL_IDS[cell]}"`, ...row].join(',')).join('\n');
    await expectTable(writeTable(quoted));
    const withCommas = `,${GENE_IDS.join(',')}\n"a,b""x",1,0,0,0,2\nc,0,0,3,0,0\n`;
    await expectTable(writeTable(withCommas), {}, [[1, 0, 0, 0, 2], [0, 0, 3, 0, 0]], ['a,b"x', 'c']);
  });

  it('real values: decimals, exponents, signs, spaces; nan and inf are numbers', async () => {
    const text = `,${GENE_IDS.slice(0, 4).join(',')}\nc1,0.25,1e3,-2.5E-1, 7 \nc2,nan,-inf,+.5,0.0\n`;
    const source = await openExpressionFile(writeTable(text));
    const read = await drain(source, 2);
    expect(read.dense[0]).toEqual([0.25, 1000, -0.25, 7]);
    expect(read.dense[1]).toEqual([Number.NaN, Number.NEGATIVE_INFINITY, 0.5, 0]);
    await source.close();
  });
});

describe('CSV/TSV reader: ranges and cell ids', () => {
  for (const spec of [CELLS_AS_ROWS, GENES_AS_ROWS]) {
    it(`${spec.genesAsRows ? 'genes' : 'cells'} as rows: ranges cut inside chunks, cellIds`, async () => {
      const source = await openExpressionFile(writeTable(tableText(spec)));
      await expectRangesAndIds(source, COUNTS, CELL_IDS);
      await source.close();
    });
  }
});

describe('CSV/TSV reader: refusals', () => {
  it('an aborted signal interrupts the validating scan (INTERRUPTED), so Ctrl-C ends a long validation', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectRefusal(openExpressionFile(writeTable(tableText(CELLS_AS_ROWS)), { signal: controller.signal }), 'INTERRUPTED', 'nothing was stored');
  });

  it('DIMENSION_MISMATCH with the line number for a ragged row', async () => {
    const lines = tableText(CELLS_AS_ROWS).split('\n');
    lines[3] = `${lines[3]},5`;
    await expectRefusal(openExpressionFile(writeTable(lines.join('\n'))), 'DIMENSION_MISMATCH', 'line 4 has 7 fields', 'rows of 6');
    lines[3] = 'AACT-1,0,2,0';
    await expectRefusal(openExpressionFile(writeTable(lines.join('\n'))), 'DIMENSION_MISMATCH', 'line 4 has 4 fields');
    // The first data row decides the header layout; one that fits neither is ragged too.
    const first = tableText(GENES_AS_ROWS).split('\n');
    first[1] = `${first[1]},1,2`;
    await expectRefusal(openExpressionFile(writeTable(first.join('\n'))), 'DIMENSION_MISMATCH', 'line 2 has 10 fields');
  });

  it('FILE_CORRUPT with line and column for a value that is not a number, or empty', async () => {
    const lines = tableText(CELLS_AS_ROWS).split('\n');
    lines[2] = 'AAAG-1,0,0,x7,0,0';
    await expectRefusal(openExpressionFile(writeTable(lines.join('\n'))), 'FILE_CORRUPT', 'line 3, column 4 (ENSG00000000003)', '"x7" is not a number');
    lines[2] = 'AAAG-1,0,0,,0,0';
    await expectRefusal(openExpressionFile(writeTable(lines.join('\n'))), 'FILE_CORRUPT', 'line 3, column 4', 'empty');
    const genes = tableText(GENES_AS_ROWS).split('\n');
    genes[5] = genes[5]?.replace(/,0,/, ',0x1f,') ?? '';
    await expectRefusal(openExpressionFile(writeTable(genes.join('\n'))), 'FILE_CORRUPT', 'line 6, column 2 (AAAC-1)', '"0x1f"');
  });

  it('EMPTY_MATRIX for an empty file, a header without rows, and rows without values', async () => {
    await expectRefusal(openExpressionFile(writeTable('')), 'EMPTY_MATRIX', 'is empty');
    await expectRefusal(openExpressionFile(writeTable(`barcode,${GENE_IDS.join(',')}\n`)), 'EMPTY_MATRIX', 'no rows');
    await expectRefusal(openExpressionFile(writeTable('barcode\nAAAC-1\nAAAG-1\n')), 'EMPTY_MATRIX', 'no value columns');
    await expectRefusal(
      openExpressionFile(writeTable(`barcode,${GENE_IDS.join(',')}\nA,1,2,3,4,5\n`, 'table.tsv')),
      'EMPTY_MATRIX',
      'pass --format csv',
    );
  });

  it('an explicit format overrides the extension', async () => {
    const path = writeTable(tableText({ ...CELLS_AS_ROWS, delimiter: '\t' }), 'table.dat');
    await expectRefusal(openExpressionFile(path), 'UNSUPPORTED_FORMAT');
    expect((await expectTable(path, { format: 'tsv' })).format).toBe('tsv');
  });
});
