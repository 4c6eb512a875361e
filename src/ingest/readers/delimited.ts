/**
 * Dense expression tables as CSV or TSV (plain or gzip): the first non-blank line is the header,
 * every other line one row, its first field the row's id and the rest one number per column.
 * The header's first field (the corner, e.g. `barcode` or empty) may be left out, as R's
 * `write.table` does; the first data row tells which. Quoted fields ("a,b", "say ""x""") are
 * read as pandas writes them; quotes cannot span lines. Numbers are what numpy's float()
 * takes: decimals, exponents, nan, inf.
 *
 * Orientation: `genesAsRows` (option) or detected — see `detectOrientation`.
 *
 * Opening scans the file once: it validates every row (ragged rows → DIMENSION_MISMATCH, values
 * that are not numbers → FILE_CORRUPT, with line and column), counts rows and collects the row
 * ids, so a broken table is refused before any cell is ingested.
 *
 * Memory while streaming `cellsPerChunk` cells:
 * - cells as rows: one pass; the current chunk's non-zeros plus one 64 KiB input block. A range
 *   skips earlier rows without parsing them and stops reading at its end.
 * - genes as rows: every cell needs the whole file, so one pass spools the range's non-zeros to
 *   per-bucket temporary files, then buckets are read back one at a time (cell-spool.ts: ≤ 16 MiB
 *   of buffers, then ≈ 12 B × nnz / 256 per bucket; 12 B per non-zero on disk). The dense
 *   matrix is never held.
 * Row and column ids are held in memory (one string per cell and per gene).
 */
import { basename } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AtlasError } from '../../errors.ts';
import type { CellRange, ExpressionSource, OpenOptions } from './types.ts';
import type { CsrRows } from './csr.ts';
import { TripletBuffer } from './csr.ts';
import { CellBucketSpool, sliceRows } from './cell-spool.ts';
import { checkChunkRequest } from './chunk-request.ts';
import { LineSplitter, readTextBytes } from './text-stream.ts';
import type { CellChunk } from '../../model/cells.ts';

export type DelimitedFormat = 'csv' | 'tsv';

export interface Orientation {
  readonly genesAsRows: boolean;
  /** Why: `stated` for the option, else what the detection saw. */
  readonly reason: string;
}

export interface DelimitedSource extends ExpressionSource {
  readonly format: DelimitedFormat;
  readonly nGenes: number;
  readonly orientation: Orientation;
  /** Non-zero values in the table. */
  readonly storedEntries: number;
}

const COMMA = 44;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/** Rows read before the orientation is decided; the header is sampled up to SAMPLE_IDS ids. */
const SAMPLE_ROWS = 100;
const SAMPLE_IDS = 1000;
/** Share of sampled ids that must match a pattern for the ids to "look like" it. */
const MATCH_SHARE = 0.9;

const ENSEMBL_GENE_ID = /^ENS[A-Z]*G\d+(\.\d+)?$/;
/** 10x-style barcodes: a run of ≥ 12 nucleotides, alone or with a sample prefix / `-1` suffix. */
const CELL_BARCODE = /(^|[^A-Za-z])[ACGTN]{12,}([^A-Za-z]|$)/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

function looksLike(ids: readonly string[], pattern: RegExp): boolean {
  const sample = ids.slice(0, SAMPLE_IDS);
  if (sample.length === 0) return false;
  return sample.filter((id) => pattern.test(id)).length >= MATCH_SHARE * sample.length;
}

/**
 * Decides the orientation from ids alone. Genes are recognised by Ensembl ids (ENSG…, ENSMUSG…),
 * cells by 10x-style barcodes. Evidence for genes as rows: the first column looks like Ensembl
 * ids, or the header looks like barcodes. Evidence for cells as rows: the header looks like
 * Ensembl ids, or the first column like barcodes. Exactly one side must have evidence; gene
 * symbols and free-form cell names prove nothing, so such a table needs the orientation stated.
 */
export function detectOrientation(rowIds: readonly string[], columnIds: readonly string[]): Orientation | undefined {
  const rowsAreGenes = looksLike(rowIds, ENSEMBL_GENE_ID);
  const columnsAreGenes = looksLike(columnIds, ENSEMBL_GENE_ID);
  const rowsAreCells = looksLike(rowIds, CELL_BARCODE);
  const columnsAreCells = looksLike(columnIds, CELL_BARCODE);
  const forGenesAsRows = rowsAreGenes || columnsAreCells;
  const forCellsAsRows = columnsAreGenes || rowsAreCells;
  if (forGenesAsRows === forCellsAsRows) return undefined;
  if (forGenesAsRows) {
    return { genesAsRows: true, reason: rowsAreGenes ? 'the first column holds Ensembl gene ids' : 'the header holds cell barcodes' };
  }
  return { genesAsRows: false, reason: columnsAreGenes ? 'the header holds Ensembl gene ids' : 'the first column holds cell barcodes' };
}

function orientationUnknown(path: string, rowIds: readonly string[], columnIds: readonly string[]): AtlasError {
  const examples = (ids: readonly string[]): string => ids.slice(0, 3).map((id) => `"${id}"`).join(', ');
  return new AtlasError(
    'ORIENTATION_UNKNOWN',
    `${path}: cannot tell whether rows are cells or genes — the first column (${examples(rowIds)}, …) and the ` +
      `header (${examples(columnIds)}, …) do not show one side as Ensembl gene ids (ENSG…) or cell barcodes and ` +
      'the other not. Pass --genes-as-rows if rows are genes and columns cells, or --cells-as-rows if rows are cells.',
    { path, rowIds: rowIds.slice(0, 3), columnIds: columnIds.slice(0, 3) },
  );
}

/**
 * Field bounds of one line, as [start0, end0, start1, end1, …] in `bounds` (reused between
 * lines); a quoted field's bounds include its quotes. Returns the number of fields.
 */
function splitFields(bytes: Buffer, start: number, end: number, delimiter: number, bounds: number[]): number {
  let count = 0;
  let at = start;
  for (;;) {
    const fieldStart = at;
    if (bytes[at] === QUOTE) {
      // Skip to the closing quote; "" inside is an escaped quote.
      for (at++; at < end; at++) {
        if (bytes[at] !== QUOTE) continue;
        if (bytes[at + 1] === QUOTE) at++;
        else break;
      }
    }
    while (at < end && bytes[at] !== delimiter) at++;
    bounds[2 * count] = fieldStart;
    bounds[2 * count + 1] = at;
    count++;
    if (at >= end) return count;
    at++;
  }
}

function fieldText(bytes: Buffer, start: number, end: number): string {
  if (end - start >= 2 && bytes[start] === QUOTE && bytes[end - 1] === QUOTE) {
    return bytes.toString('utf8', start + 1, end - 1).replaceAll('""', '"');
  }
  return bytes.toString('utf8', start, end);
}

/** The number in bytes [start, end) as numpy's float() reads it (spaces and quotes around allowed), or undefined. */
function parseNumber(bytes: Buffer, start: number, end: number): number | undefined {
  let from = start;
  let to = end;
  while (from < to && bytes[from] === SPACE) from++;
  while (to > from && bytes[to - 1] === SPACE) to--;
  if (to - from >= 2 && bytes[from] === QUOTE && bytes[to - 1] === QUOTE) {
    from++;
    to--;
  }
  if (from === to) return undefined;
  // Fast path for plain integers (counts), exact below 2^53.
  if (to - from <= 15) {
    let value = 0;
    let at = from;
    for (; at < to; at++) {
      const byte = bytes[at] ?? 0;
      if (byte < DIGIT_0 || byte > DIGIT_9) break;
      value = value * 10 + (byte - DIGIT_0);
    }
    if (at === to) return value;
  }
  const text = bytes.toString('latin1', from, to);
  if (DECIMAL.test(text)) return Number(text);
  const special = NON_FINITE.exec(text);
  if (!special) return undefined;
  if ((special[2] ?? '').toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if (bytes[at] !== SPACE && bytes[at] !== TAB) return false;
  return true;
}

/** One data row of the table, valid until the next row arrives. */
class TableRow {
  bytes: Buffer = Buffer.alloc(0);
  lineNumber = 0;

  constructor(
    private readonly path: string,
    private readonly bounds: number[],
    private readonly columnIds: () => readonly string[],
  ) {}

  id(): string {
    return fieldText(this.bytes, this.bounds[0] ?? 0, this.bounds[1] ?? 0);
  }

  /** The value of column `column` (0-based, after the id). */
  value(column: number): number {
    const start = this.bounds[2 * column + 2] ?? 0;
    const end = this.bounds[2 * column + 3] ?? 0;
    const value = parseNumber(this.bytes, start, end);
    if (value !== undefined) return value;
    const text = this.bytes.toString('utf8', start, end);
    throw new AtlasError(
      'FILE_CORRUPT',
      `${this.path} line ${this.lineNumber}, column ${column + 2} (${this.columnIds()[column] ?? '?'}): ` +
        `${text === '' ? 'the value is empty' : `"${text.slice(0, 40)}" is not a number`}. The table must hold ` +
        'only numbers after the first column; remove metadata columns or write the matrix alone.',
      { path: this.path, line: this.lineNumber, column: column + 2, value: text.slice(0, 40) },
    );
  }
}

/**
 * Push parser for a delimited table: header, then each non-blank line as a TableRow numbered
 * from 0. Ragged rows are refused with their line number. `skipRow(row)` lets a caller pass
 * over rows it does not need without splitting them (after the first, which fixes the layout).
 */
class TableParser {
  columnIds: string[] | undefined;
  rowsSeen = 0;
  private headerFields: string[] | undefined;
  private headerLine = 0;
  private readonly bounds: number[] = [];
  private readonly row: TableRow;
  private readonly lines: LineSplitter;

  constructor(
    private readonly path: string,
    private readonly delimiter: number,
    private readonly onRow: (row: number, fields: TableRow) => void,
    private readonly skipRow: (row: number) => boolean = () => false,
  ) {
    this.row = new TableRow(path, this.bounds, () => this.columnIds ?? []);
    this.lines = new LineSplitter((bytes, start, end, lineNumber) => this.line(bytes, start, end, lineNumber));
  }

  push(block: Buffer): void {
    this.lines.push(block);
  }

  /** Ends the input and returns the column ids; refuses a table without header, rows or value columns. */
  finish(): string[] {
    this.lines.end();
    const columnIds = this.columnIds;
    if (!this.headerFields || !columnIds || columnIds.length === 0) {
      const what = !this.headerFields
        ? 'is empty'
        : !columnIds
          ? 'has a header but no rows'
          : 'has ids but no value columns' + this.delimiterHint();
      throw new AtlasError('EMPTY_MATRIX', `${this.path} ${what}; there is nothing to read.`, { path: this.path });
    }
    return columnIds;
  }

  private delimiterHint(): string {
    const header = this.headerFields?.[0] ?? '';
    if (this.delimiter === TAB && header.includes(',')) return ' (its header has commas: is it a CSV? pass --format csv)';
    if (this.delimiter === COMMA && header.includes('\t')) return ' (its header has tabs: is it a TSV? pass --format tsv)';
    return '';
  }

  private line(bytes: Buffer, start: number, end: number, lineNumber: number): void {
    if (isBlank(bytes, start, end)) return;
    if (this.columnIds && this.skipRow(this.rowsSeen)) {
      this.rowsSeen++;
      return;
    }
    const count = splitFields(bytes, start, end, this.delimiter, this.bounds);
    if (!this.headerFields) {
      this.headerFields = Array.from({ length: count }, (_, k) => fieldText(bytes, this.bounds[2 * k] ?? 0, this.bounds[2 * k + 1] ?? 0));
      this.headerFields[0] = (this.headerFields[0] ?? '').replace(/^\uFEFF/, '');
      this.headerLine = lineNumber;
      return;
    }
    // The first row tells whether the header starts with a corner field (pandas) or not (R).
    this.columnIds ??= this.columnsFromHeader(this.headerFields, count, lineNumber);
    if (count !== this.columnIds.length + 1) throw this.ragged(lineNumber, count);
    if (this.skipRow(this.rowsSeen)) {
      // Only the first row gets here: it was split to fix the layout.
      this.rowsSeen++;
      return;
    }
    this.row.bytes = bytes;
    this.row.lineNumber = lineNumber;
    this.onRow(this.rowsSeen++, this.row);
  }

  private columnsFromHeader(header: readonly string[], count: number, lineNumber: number): string[] {
    if (count === header.length) return header.slice(1);
    if (count === header.length + 1) return [...header];
    throw this.ragged(lineNumber, count);
  }

  private ragged(lineNumber: number, count: number): AtlasError {
    const expected = this.columnIds ? this.columnIds.length + 1 : (this.headerFields?.length ?? 0);
    return new AtlasError(
      'DIMENSION_MISMATCH',
      `${this.path} line ${lineNumber} has ${count} fields but the header (line ${this.headerLine}) makes rows of ` +
        `${expected}: an id and one value per column. The table is ragged; check that line (a missing value, or a ` +
        `delimiter inside an unquoted id).`,
      { path: this.path, line: lineNumber, fields: count, expected },
    );
  }
}

interface TableScan {
  readonly rowIds: string[];
  readonly columnIds: string[];
  readonly nonZero: number;
  readonly orientation: Orientation;
}

/** The validating open-time pass (see the module comment); decides the orientation on the way. */
async function scanTable(path: string, delimiter: number, genesAsRows: boolean | undefined, signal: AbortSignal | undefined): Promise<TableScan> {
  const rowIds: string[] = [];
  let nonZero = 0;
  let orientation: Orientation | undefined = genesAsRows === undefined ? undefined : { genesAsRows, reason: 'stated' };
  const decide = (columnIds: readonly string[]): Orientation => {
    orientation ??= detectOrientation(rowIds, columnIds);
    if (!orientation) throw orientationUnknown(path, rowIds, columnIds);
    return orientation;
  };
  const parser = new TableParser(path, delimiter, (row, fields) => {
    rowIds.push(fields.id());
    const nColumns = parser.columnIds?.length ?? 0;
    for (let column = 0; column < nColumns; column++) if (fields.value(column) !== 0) nonZero++;
    if (row + 1 === SAMPLE_ROWS) decide(parser.columnIds ?? []);
  });
  for await (const block of readTextBytes(path, signal)) parser.push(block);
  const columnIds = parser.finish();
  return { rowIds, columnIds, nonZero, orientation: decide(columnIds) };
}

export async function openDelimited(path: string, format: DelimitedFormat, options: OpenOptions = {}): Promise<DelimitedSource> {
  const delimiter = format === 'csv' ? COMMA : TAB;
  const { rowIds, columnIds, nonZero, orientation } = await scanTable(path, delimiter, options.genesAsRows, options.signal);
  const [cellIds, geneIds] = orientation.genesAsRows ? [columnIds, rowIds] : [rowIds, columnIds];
  const nCells = cellIds.length;
  const spools = new Set<CellBucketSpool>();
  let closed = false;
  const table: Table = { path, delimiter, nRows: rowIds.length, nColumns: columnIds.length };
  const chunkOf = (start: number, { indptr, indices, values }: CsrRows): CellChunk => ({
    start,
    cellIds: cellIds.slice(start, start + indptr.length - 1),
    indptr,
    indices,
    values,
    obs: {},
  });

  return {
    path,
    format,
    nCells,
    nGenes: geneIds.length,
    genes: { index: geneIds, columns: {} },
    obsColumns: [],
    matrixLocation: basename(path),
    // anndata.read_csv / read_text load the table as float32.
    valuePrecision: 'float32',
    orientation,
    storedEntries: nonZero,
    chunks(cellsPerChunk, requested) {
      const range = checkChunkRequest(cellsPerChunk, requested, nCells, path);
      if (closed) throw new AtlasError('INVALID_INPUT', `${path} was closed; open it again to read chunks.`);
      return orientation.genesAsRows
        ? geneRowChunks(table, range, cellsPerChunk, chunkOf, spools)
        : cellRowChunks(table, range, cellsPerChunk, chunkOf);
    },
    async cellIds() {
      return cellIds;
    },
    async close() {
      closed = true;
      for (const spool of spools) spool.dispose();
    },
  };
}

interface Table {
  readonly path: string;
  readonly delimiter: number;
  readonly nRows: number;
  readonly nColumns: number;
}

/** Cells as rows: each row of the range goes into the current chunk; reading stops after the range. */
async function* cellRowChunks(
  table: Table,
  range: CellRange,
  cellsPerChunk: number,
  chunkOf: (start: number, rows: CsrRows) => CellChunk,
): AsyncGenerator<CellChunk> {
  if (range.start === range.end) return;
  const ready: CellChunk[] = [];
  const pending = new TripletBuffer();
  let chunkStart = range.start;
  const chunkEnd = (): number => Math.min(range.end, chunkStart + cellsPerChunk);
  const parser = new TableParser(
    table.path,
    table.delimiter,
    (row, fields) => {
      for (let gene = 0; gene < table.nColumns; gene++) {
        const value = fields.value(gene);
        if (value !== 0) pending.add(row - chunkStart, gene, value);
      }
      if (row + 1 === chunkEnd()) {
        const end = chunkEnd();
        ready.push(chunkOf(chunkStart, pending.takeCsr(end - chunkStart)));
        chunkStart = end;
      }
    },
    (row) => row < range.start || row >= range.end,
  );
  for await (const block of readTextBytes(table.path)) {
    parser.push(block);
    while (ready.length > 0) yield ready.shift() as CellChunk;
    if (parser.rowsSeen >= range.end) return;
  }
  parser.finish(); // a last line without newline arrives only now
  while (ready.length > 0) yield ready.shift() as CellChunk;
  if (chunkStart < range.end) {
    throw new AtlasError(
      'FILE_TRUNCATED',
      `${table.path} ended after ${parser.rowsSeen} rows but had ${table.nRows} when it was opened; it changed while being read.`,
      { path: table.path },
    );
  }
}

/** Genes as rows: one pass spools the range's non-zeros by cell, then buckets become chunks. */
async function* geneRowChunks(
  table: Table,
  range: CellRange,
  cellsPerChunk: number,
  chunkOf: (start: number, rows: CsrRows) => CellChunk,
  spools: Set<CellBucketSpool>,
): AsyncGenerator<CellChunk> {
  if (range.start === range.end) return;
  const spool = new CellBucketSpool(range.end - range.start, cellsPerChunk);
  spools.add(spool);
  try {
    const parser = new TableParser(table.path, table.delimiter, (gene, fields) => {
      for (let cell = range.start; cell < range.end; cell++) {
        const value = fields.value(cell);
        if (value !== 0) spool.add(cell - range.start, gene, value);
      }
    });
    for await (const block of readTextBytes(table.path)) parser.push(block);
    parser.finish();
    spool.finish();
    for (const bucket of spool.buckets()) {
      for (const rows of sliceRows(bucket, cellsPerChunk)) yield chunkOf(range.start + bucket.firstCell + rows.offset, rows);
      await yieldToEventLoop();
    }
  } finally {
    spool.dispose();
    spools.delete(spool);
  }
}
