/**
 * The 10x Genomics MatrixMarket reader: a directory with
 * - v3 (Cell Ranger ≥ 3): `matrix.mtx.gz`, `features.tsv.gz` (id, symbol, feature type), `barcodes.tsv.gz`;
 * - v2 (Cell Ranger ≤ 2): `matrix.mtx`, `genes.tsv` (id, symbol), `barcodes.tsv`;
 * either compressed or not (gzip is recognised by its magic bytes). The matrix is genes × cells
 * (`coordinate`, `integer` | `real` | `pattern`, `general`).
 *
 * Opening scans the matrix once: it validates the header against features/barcodes, every entry's
 * range (FILE_CORRUPT with the line number), the entry count and the gzip stream
 * (FILE_TRUNCATED), so a broken file is refused before any cell is ingested; the scan also learns
 * whether entries are sorted by column (barcode), as Cell Ranger writes them.
 *
 * Memory while streaming `cellsPerChunk` cells:
 * - column-sorted file (the norm): one pass; the current chunk's entries plus one 64 KiB input
 *   block — independent of the file size.
 * - unsorted file (e.g. scipy `mmwrite` of a gene-major matrix): one pass spools entries to
 *   per-bucket temporary files, then buckets are read back one at a time (see cell-spool.ts:
 *   ≤ 16 MiB of buffers, then ≈ 12 B × nnz / 256 per bucket; 12 B per entry on disk).
 * Barcodes and features are held in memory (one string per cell and per gene).
 *
 * A cell range is served by the same passes: a sorted file is read up to the range's end and the
 * entries of earlier cells are skipped unparsed into chunks; an unsorted one spools only the
 * range's cells.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AtlasError } from '../../errors.ts';
import type { CellRange, ExpressionSource } from './types.ts';
import type { CsrRows } from './csr.ts';
import { TripletBuffer } from './csr.ts';
import { CellBucketSpool, sliceRows } from './cell-spool.ts';
import { checkChunkRequest } from './chunk-request.ts';
import { LineSplitter, readTextBytes, readTextLines } from './text-stream.ts';
import type { CellChunk, GeneTable } from '../../model/cells.ts';

export interface TenxMtxFiles {
  readonly directory: string;
  readonly matrix: string;
  readonly features: string;
  readonly barcodes: string;
  /** v3 names its gene file features.tsv, v2 genes.tsv. */
  readonly version: 'v2' | 'v3';
}

type MtxField = 'integer' | 'real' | 'pattern';

export interface MtxHeader {
  readonly nRows: number;
  readonly nCols: number;
  readonly nEntries: number;
  readonly field: MtxField;
}

export interface TenxMtxSource extends ExpressionSource {
  readonly nGenes: number;
  readonly storedEntries: number;
  /** Whether entries are sorted by barcode (single streaming pass) or need the bucket pass. */
  readonly columnSorted: boolean;
  readonly files: TenxMtxFiles;
}

function firstExisting(directory: string, names: readonly string[]): string | undefined {
  return names.map((name) => join(directory, name)).find((candidate) => existsSync(candidate));
}

/** Finds the three files given the directory or the matrix file itself. */
export async function findTenxMtxFiles(path: string): Promise<TenxMtxFiles> {
  const directory = (await stat(path)).isDirectory() ? path : dirname(path);
  const matrix = (await stat(path)).isDirectory() ? firstExisting(directory, ['matrix.mtx.gz', 'matrix.mtx']) : path;
  const featuresV3 = firstExisting(directory, ['features.tsv.gz', 'features.tsv']);
  const features = featuresV3 ?? firstExisting(directory, ['genes.tsv.gz', 'genes.tsv']);
  const barcodes = firstExisting(directory, ['barcodes.tsv.gz', 'barcodes.tsv']);
  const missing = [
    matrix ? undefined : 'matrix.mtx[.gz]',
    features ? undefined : 'features.tsv[.gz] (or genes.tsv for Cell Ranger 2)',
    barcodes ? undefined : 'barcodes.tsv[.gz]',
  ].filter((name): name is string => name !== undefined);
  if (!matrix || !features || !barcodes) {
    throw new AtlasError(
      'FILE_NOT_FOUND',
      `${directory} is not a complete 10x matrix directory: missing ${missing.join(', ')}. ` +
        'Point at the folder Cell Ranger wrote (e.g. filtered_feature_bc_matrix/).',
      { path: directory, missing },
    );
  }
  return { directory, matrix, features, barcodes, version: featuresV3 ? 'v3' : 'v2' };
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const SPACE = 32;
const TAB = 9;
const PERCENT = 37;

/**
 * Push parser for MatrixMarket coordinate files: banner, `%` comments (including 10x's
 * `%metadata_json`), size line, then `row col [value]` entries reported 0-based.
 */
class MtxParser {
  header: MtxHeader | undefined;
  entriesSeen = 0;
  private bannerSeen = false;
  private field: MtxField = 'integer';
  private readonly lines: LineSplitter;

  constructor(
    private readonly path: string,
    private readonly onEntry: (gene: number, cell: number, value: number, lineNumber: number) => void,
    private readonly onHeader: (header: MtxHeader) => void = () => undefined,
  ) {
    this.lines = new LineSplitter((bytes, start, end, lineNumber) => this.line(bytes, start, end, lineNumber));
  }

  push(block: Buffer): void {
    this.lines.push(block);
  }

  finish(): MtxHeader {
    this.lines.end();
    const header = this.header;
    if (!header) {
      throw new AtlasError(
        this.bannerSeen ? 'FILE_TRUNCATED' : 'FILE_CORRUPT',
        `${this.path} has no MatrixMarket ${this.bannerSeen ? 'size line' : 'header'}; it is ` +
          (this.bannerSeen ? 'truncated. Copy it again.' : 'not a MatrixMarket file.'),
        { path: this.path },
      );
    }
    if (this.entriesSeen < header.nEntries) {
      throw new AtlasError(
        'FILE_TRUNCATED',
        `${this.path} declares ${header.nEntries} entries but ends after ${this.entriesSeen}; the file is ` +
          'truncated. Copy it again.',
        { path: this.path, declared: header.nEntries, found: this.entriesSeen },
      );
    }
    return header;
  }

  private corrupt(lineNumber: number, problem: string): AtlasError {
    return new AtlasError('FILE_CORRUPT', `${this.path} line ${lineNumber}: ${problem}`, {
      path: this.path,
      line: lineNumber,
    });
  }

  private line(bytes: Buffer, start: number, end: number, lineNumber: number): void {
    if (!this.bannerSeen) {
      this.parseBanner(bytes.toString('latin1', start, end), lineNumber);
      return;
    }
    if (start === end || bytes[start] === PERCENT) return;
    if (!this.header) {
      this.parseSize(bytes.toString('latin1', start, end), lineNumber);
      return;
    }
    this.parseEntry(bytes, start, end, lineNumber, this.header);
  }

  private parseBanner(text: string, lineNumber: number): void {
    const [banner, object, format, field, symmetry] = text.trim().toLowerCase().split(/\s+/);
    if (banner !== '%%matrixmarket') {
      throw this.corrupt(lineNumber, `expected a "%%MatrixMarket matrix coordinate …" header, found "${text.slice(0, 60)}".`);
    }
    if (object !== 'matrix' || format !== 'coordinate' || symmetry !== 'general') {
      throw new AtlasError(
        'UNSUPPORTED_FORMAT',
        `${this.path}: "${text}" is not a general coordinate matrix; 10x matrices are ` +
          '"%%MatrixMarket matrix coordinate integer general". Write it with scipy.io.mmwrite from a sparse matrix.',
        { path: this.path, header: text },
      );
    }
    if (field !== 'integer' && field !== 'real' && field !== 'double' && field !== 'pattern') {
      throw new AtlasError(
        'UNSUPPORTED_FORMAT',
        `${this.path}: MatrixMarket field "${field}" is not supported (integer, real or pattern expected).`,
        { path: this.path, field },
      );
    }
    this.field = field === 'double' ? 'real' : field;
    this.bannerSeen = true;
  }

  private parseSize(text: string, lineNumber: number): void {
    const parts = text.trim().split(/\s+/).map(Number);
    if (parts.length !== 3 || parts.some((part) => !Number.isInteger(part) || part < 0)) {
      throw this.corrupt(lineNumber, `expected "rows columns entries", found "${text.slice(0, 60)}".`);
    }
    const [nRows = 0, nCols = 0, nEntries = 0] = parts;
    this.header = { nRows, nCols, nEntries, field: this.field };
    this.onHeader(this.header);
  }

  private parseEntry(bytes: Buffer, start: number, end: number, lineNumber: number, header: MtxHeader): void {
    let at = start;
    const skipBlanks = (): void => {
      while (at < end && (bytes[at] === SPACE || bytes[at] === TAB)) at++;
    };
    const readIndex = (): number => {
      skipBlanks();
      const from = at;
      let value = 0;
      while (at < end) {
        const byte = bytes[at] ?? 0;
        if (byte < DIGIT_0 || byte > DIGIT_9) break;
        value = value * 10 + (byte - DIGIT_0);
        at++;
      }
      if (at === from) throw this.corrupt(lineNumber, `malformed entry "${bytes.toString('latin1', start, end).slice(0, 60)}".`);
      return value;
    };
    const row = readIndex();
    const col = readIndex();
    let value = 1;
    if (header.field !== 'pattern') {
      skipBlanks();
      const from = at;
      while (at < end && bytes[at] !== SPACE && bytes[at] !== TAB) at++;
      value = Number(bytes.toString('latin1', from, at));
      if (at === from || !Number.isFinite(value)) {
        throw this.corrupt(lineNumber, `malformed value in "${bytes.toString('latin1', start, end).slice(0, 60)}".`);
      }
    }
    if (row < 1 || row > header.nRows || col < 1 || col > header.nCols) {
      throw this.corrupt(
        lineNumber,
        `entry (${row}, ${col}) is outside the declared ${header.nRows} genes × ${header.nCols} barcodes. ` +
          'The file is damaged or belongs to other features/barcodes files.',
      );
    }
    if (++this.entriesSeen > header.nEntries) {
      throw this.corrupt(lineNumber, `more entries than the ${header.nEntries} the size line declares.`);
    }
    this.onEntry(row - 1, col - 1, value, lineNumber);
  }
}

interface MatrixScan {
  readonly header: MtxHeader;
  readonly columnSorted: boolean;
}

/**
 * One validating pass over the matrix (see the module comment); `checkHeader` runs as soon as the
 * size line is read, so a mismatch with features/barcodes is reported without reading entries.
 */
async function scanMatrix(path: string, checkHeader: (header: MtxHeader) => void, signal?: AbortSignal): Promise<MatrixScan> {
  let lastCell = 0;
  let columnSorted = true;
  // A cell holds one value per gene: counting entries per cell bounds what streaming one cell can
  // hold (a file declaring 700 million "1 1 1" entries is refused at entry nGenes + 1, not after
  // filling memory), and the cell each gene was last seen in catches a repeated (gene, cell) pair —
  // every one in a barcode-sorted file, and any repeat within a cell's run in an unsorted one.
  let entriesOfCell = new Uint32Array(0);
  let lastCellOfGene = new Int32Array(0);
  let nGenes = 0;
  const parser = new MtxParser(
    path,
    (gene, cell, _value, lineNumber) => {
      if (cell < lastCell) columnSorted = false;
      lastCell = cell;
      if (lastCellOfGene[gene] === cell || ++entriesOfCell[cell]! > nGenes) throw duplicateEntry(path, lineNumber, gene, cell);
      lastCellOfGene[gene] = cell;
    },
    (header) => {
      checkHeader(header);
      // Sized only after the header agreed with the features and barcodes files (already in memory).
      nGenes = header.nRows;
      entriesOfCell = new Uint32Array(header.nCols);
      lastCellOfGene = new Int32Array(header.nRows).fill(-1);
    },
  );
  for await (const block of readTextBytes(path, signal)) parser.push(block);
  return { header: parser.finish(), columnSorted };
}

function duplicateEntry(path: string, lineNumber: number | undefined, gene: number, cell: number): AtlasError {
  return new AtlasError(
    'DUPLICATE_ENTRIES',
    `${path}${lineNumber === undefined ? '' : ` line ${lineNumber}`}: gene ${gene + 1} of barcode ${cell + 1} has a value already; a cell holds one value per gene. ` +
      'The file is damaged or its parts were concatenated; sum duplicate entries first (scipy: `X.sum_duplicates()`).',
    { path, line: lineNumber, gene: gene + 1, barcode: cell + 1 },
  );
}

function checkDimensions(files: TenxMtxFiles, header: MtxHeader, nFeatures: number, nBarcodes: number): void {
  if (header.nRows === 0 || header.nCols === 0) {
    throw new AtlasError(
      'EMPTY_MATRIX',
      `${files.matrix} is ${header.nRows} genes × ${header.nCols} barcodes; there is nothing to read.`,
      { path: files.matrix, nGenes: header.nRows, nCells: header.nCols },
    );
  }
  if (nFeatures === header.nRows && nBarcodes === header.nCols) return;
  const transposed = nFeatures === header.nCols && nBarcodes === header.nRows;
  throw new AtlasError(
    'DIMENSION_MISMATCH',
    `${files.matrix} is ${header.nRows} rows × ${header.nCols} columns but ${basename(files.features)} lists ` +
      `${nFeatures} features and ${basename(files.barcodes)} ${nBarcodes} barcodes. ` +
      (transposed
        ? 'The matrix is cells × genes; 10x matrices are genes × cells — transpose it (scipy.io.mmwrite(path, X.T)).'
        : 'The three files do not belong together; take them from the same Cell Ranger output folder.'),
    { path: files.matrix, nRows: header.nRows, nCols: header.nCols, features: nFeatures, barcodes: nBarcodes },
  );
}

function splitTsv(lines: readonly string[]): string[][] {
  return lines.map((line) => line.split('\t'));
}

export async function openTenxMtx(path: string, signal?: AbortSignal): Promise<TenxMtxSource> {
  const files = await findTenxMtxFiles(path);
  const featureRows = splitTsv(await readTextLines(files.features));
  const barcodes = splitTsv(await readTextLines(files.barcodes)).map((fields) => fields[0] ?? '');
  const { header, columnSorted } = await scanMatrix(files.matrix, (declared) =>
    checkDimensions(files, declared, featureRows.length, barcodes.length),
    signal,
  );
  const columns: Record<string, string[]> = {};
  if (featureRows.some((fields) => fields.length >= 2)) columns['gene_symbols'] = featureRows.map((fields) => fields[1] ?? '');
  if (featureRows.some((fields) => fields.length >= 3)) columns['feature_types'] = featureRows.map((fields) => fields[2] ?? '');
  const genes: GeneTable = { index: featureRows.map((fields) => fields[0] ?? ''), columns };

  const spools = new Set<CellBucketSpool>();
  let closed = false;
  const nCells = header.nCols;
  const chunkOf = (start: number, rows: CsrRows): CellChunk => ({
    start,
    cellIds: barcodes.slice(start, start + rows.indptr.length - 1),
    indptr: rows.indptr,
    indices: rows.indices,
    values: rows.values,
    obs: {},
  });

  return {
    path,
    format: '10x-mtx',
    nCells,
    nGenes: header.nRows,
    genes,
    obsColumns: [],
    matrixLocation: basename(files.matrix),
    // LangCell takes an AnnData; scanpy.read_10x_mtx loads MTX as float32, so its arithmetic is float32.
    valuePrecision: 'float32',
    storedEntries: header.nEntries,
    columnSorted,
    files,
    chunks(cellsPerChunk, requested) {
      const range = checkChunkRequest(cellsPerChunk, requested, nCells, path);
      if (closed) throw new AtlasError('INVALID_INPUT', `${path} was closed; open it again to read chunks.`);
      return columnSorted
        ? sortedChunks(files.matrix, range, cellsPerChunk, chunkOf)
        : unsortedChunks(files.matrix, range, cellsPerChunk, chunkOf, spools);
    },
    async cellIds() {
      return barcodes;
    },
    async close() {
      closed = true;
      for (const spool of spools) spool.dispose();
    },
  };
}

/**
 * One pass over a barcode-sorted file: entries are gathered into the current chunk, which is
 * handed out when an entry of a later cell arrives; reading stops at the range's end.
 */
async function* sortedChunks(
  matrixPath: string,
  range: CellRange,
  cellsPerChunk: number,
  chunkOf: (start: number, rows: CsrRows) => CellChunk,
): AsyncGenerator<CellChunk> {
  if (range.start === range.end) return;
  const ready: CellChunk[] = [];
  const pending = new TripletBuffer();
  let chunkStart = range.start;
  let lastCell = 0;
  const chunkEnd = (): number => Math.min(range.end, chunkStart + cellsPerChunk);
  const closeChunk = (): void => {
    ready.push(chunkOf(chunkStart, pending.takeCsr(chunkEnd() - chunkStart)));
    chunkStart = chunkEnd();
  };
  const parser = new MtxParser(matrixPath, (gene, cell, value, lineNumber) => {
    if (cell < lastCell) {
      // The open-time scan found the file sorted; it changed underneath us.
      throw new AtlasError('FILE_CORRUPT', `${matrixPath} line ${lineNumber}: entries are no longer sorted by barcode; the file changed while being read.`, { path: matrixPath, line: lineNumber });
    }
    lastCell = cell;
    if (cell < range.start || cell >= range.end) return;
    while (cell >= chunkEnd()) closeChunk();
    pending.add(cell - chunkStart, gene, value);
  });
  for await (const block of readTextBytes(matrixPath)) {
    parser.push(block);
    while (ready.length > 0) yield ready.shift() as CellChunk;
    // Sorted by barcode: nothing after an entry beyond the range can belong to it.
    if (lastCell >= range.end) break;
  }
  if (lastCell < range.end) parser.finish();
  while (chunkStart < range.end) closeChunk();
  while (ready.length > 0) yield ready.shift() as CellChunk;
}

async function* unsortedChunks(
  matrixPath: string,
  range: CellRange,
  cellsPerChunk: number,
  chunkOf: (start: number, rows: CsrRows) => CellChunk,
  spools: Set<CellBucketSpool>,
): AsyncGenerator<CellChunk> {
  if (range.start === range.end) return;
  // The open-time scan bounds each cell's entries; an exact repeat in an unsorted file is found here.
  const spool = new CellBucketSpool(range.end - range.start, cellsPerChunk, (cell, gene) => {
    throw duplicateEntry(matrixPath, undefined, gene, range.start + cell);
  });
  spools.add(spool);
  try {
    const parser = new MtxParser(matrixPath, (gene, cell, value) => {
      if (cell >= range.start && cell < range.end) spool.add(cell - range.start, gene, value);
    });
    for await (const block of readTextBytes(matrixPath)) parser.push(block);
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
