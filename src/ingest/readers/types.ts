/**
 * What an expression-file reader is: a source that streams cells in chunks (the model's `CellChunk`),
 * so memory is bounded by the chunk size, not the file size.
 */
import type { CellChunk, GeneTable, ValuePrecision } from '../../model/cells.ts';
import type { ValueNotes } from '../../model/expression-values.ts';

/** Cells [start, end) in file order (0-based, end exclusive). */
export interface CellRange {
  readonly start: number;
  readonly end: number;
}

export const EXPRESSION_FORMATS = ['h5ad', '10x-mtx', '10x-h5', 'csv', 'tsv'] as const;
export type ExpressionFormat = (typeof EXPRESSION_FORMATS)[number];

/** Which matrix of the file to read; `auto` prefers raw counts (layers/counts, then raw/X, then X). */
export const MATRIX_CHOICES = ['auto', 'counts', 'raw', 'X'] as const;
export type MatrixChoice = (typeof MATRIX_CHOICES)[number];

export interface ExpressionSource {
  readonly path: string;
  readonly format: ExpressionFormat;
  readonly nCells: number;
  readonly genes: GeneTable;
  readonly obsColumns: readonly string[];
  /** Where the values come from inside the file, e.g. `layers/counts`, `raw/X`, `X`, `matrix.mtx.gz`. */
  readonly matrixLocation: string;
  /**
   * The precision LangCell's numpy arithmetic has on this matrix: `float32` when the values are
   * stored as float32 (x / n_counts × 10,000 is then evaluated in float32), `float64` for integer
   * and float64 storage. Text formats (10x MTX, CSV) follow scanpy's readers, which load float32.
   * Values always arrive as Float32Array; integers up to 2^24 are exact there.
   */
  readonly valuePrecision: ValuePrecision;
  /** What the file itself says about its values (h5ad: scanpy's `uns/log1p/base`), when it says anything. */
  readonly valueNotes?: ValueNotes;
  /**
   * Streams the cells of `range` (default: all) in file order, in chunks of at most
   * `cellsPerChunk` cells; the first chunk starts at `range.start` and `CellChunk.start` is the
   * absolute row. Several processes may read disjoint ranges of one file: seekable layouts (h5ad
   * CSR and dense, 10x HDF5) read only the range; streamed ones (MTX, CSV, CSC) scan past the
   * cells before it but never hold more than a chunk (or one spool bucket) of cells.
   * Each call is an independent pass; a range outside [0, nCells] is INVALID_INPUT.
   */
  chunks(cellsPerChunk: number, range?: CellRange): AsyncIterable<CellChunk>;
  /** Every cell id in file order (obs index, barcodes, the CSV's first column or header), without reading the matrix. */
  cellIds(): Promise<readonly string[]>;
  close(): Promise<void>;
}

export interface OpenOptions {
  format?: ExpressionFormat;
  matrix?: MatrixChoice;
  /**
   * CSV/TSV orientation: true when rows are genes and columns cells, false when rows are cells;
   * detected from the ids when omitted (see delimited.ts). Ignored by the other formats.
   */
  genesAsRows?: boolean;
  /** Aborts the validating scans at open (a Ctrl-C, a client that went away); they then throw INTERRUPTED. */
  signal?: AbortSignal;
}
