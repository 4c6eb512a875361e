/**
 * Cells as the model consumes them: a block of cells as CSR rows over a file's genes, the genes
 * themselves and per-cell metadata. Every reader yields these and everything downstream (tokenizer,
 * encoder, store) consumes them without knowing the file format.
 */

/** The file's genes (columns of the cell × gene matrix), in file order. */
export interface GeneTable {
  /** The var index (h5ad) or the first column of features.tsv (10x): ids or symbols. */
  readonly index: readonly string[];
  /** Other string-valued per-gene columns, e.g. `gene_ids`, `feature_id`, `gene_symbols`. */
  readonly columns: Readonly<Record<string, readonly string[]>>;
}

/** One cell's value in a metadata (obs) column; categoricals arrive decoded to their labels. */
export type ObsValue = string | number | boolean | null;

/**
 * The precision LangCell's numpy arithmetic has on a matrix: `float32` when the values are stored
 * as float32, `float64` for integer and float64 storage (see ExpressionSource.valuePrecision).
 */
export type ValuePrecision = 'float32' | 'float64';

/** A block of consecutive cells as CSR rows over the file's genes. */
export interface CellChunk {
  /** Row number (0-based, file order) of the first cell in this chunk. */
  readonly start: number;
  readonly cellIds: readonly string[];
  /** CSR row pointers, length cellIds.length + 1, starting at 0. */
  readonly indptr: Uint32Array;
  /** Gene column of each stored value; ascending within a row. */
  readonly indices: Uint32Array;
  readonly values: Float32Array;
  /** Per-cell metadata columns (categoricals decoded to their labels). */
  readonly obs: Readonly<Record<string, readonly ObsValue[]>>;
}
