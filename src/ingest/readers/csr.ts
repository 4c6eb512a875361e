/**
 * CSR helpers shared by the readers: row normalisation (ascending gene index, duplicates summed),
 * triplets → CSR (and a growable triplet buffer for chunks assembled entry by entry), dense rows →
 * CSR, and conversions from HDF5 typed arrays.
 */
import { AtlasError } from '../../errors.ts';
import type { NumericArray } from './hdf5.ts';

export interface CsrRows {
  readonly indptr: Uint32Array;
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

/**
 * Makes every row strictly ascending in gene index, as the CellChunk contract requires. Rows that
 * already are (the usual case: scipy with sorted indices) are returned untouched; otherwise each
 * unsorted row is sorted and duplicate (cell, gene) entries are summed, as scipy's
 * `sum_duplicates` would — or refused through `onDuplicate`, for formats where a repeat is damage.
 */
export function normalizeRows(rows: CsrRows, onDuplicate?: (row: number, gene: number) => never): CsrRows {
  const { indptr, indices, values } = rows;
  const nRows = indptr.length - 1;
  let firstBadRow = -1;
  for (let row = 0; row < nRows && firstBadRow < 0; row++) {
    const end = indptr[row + 1] ?? 0;
    for (let k = (indptr[row] ?? 0) + 1; k < end; k++) {
      if ((indices[k] ?? 0) <= (indices[k - 1] ?? 0)) {
        firstBadRow = row;
        break;
      }
    }
  }
  if (firstBadRow < 0) return rows;

  const outPtr = new Uint32Array(nRows + 1);
  const outIndices = new Uint32Array(indices.length);
  const outValues = new Float32Array(values.length);
  let written = 0;
  for (let row = 0; row < nRows; row++) {
    const start = indptr[row] ?? 0;
    const end = indptr[row + 1] ?? 0;
    const order = Array.from({ length: end - start }, (_, i) => start + i);
    if (row >= firstBadRow) order.sort((a, b) => (indices[a] ?? 0) - (indices[b] ?? 0));
    let previousGene = -1;
    for (const k of order) {
      const gene = indices[k] ?? 0;
      const value = values[k] ?? 0;
      if (gene === previousGene) {
        onDuplicate?.(row, gene);
        outValues[written - 1] = (outValues[written - 1] ?? 0) + value;
      } else {
        outIndices[written] = gene;
        outValues[written] = value;
        written++;
        previousGene = gene;
      }
    }
    outPtr[row + 1] = written;
  }
  return { indptr: outPtr, indices: outIndices.slice(0, written), values: outValues.slice(0, written) };
}

/**
 * Groups (row, gene, value) triplets into CSR by a stable counting sort on the row, then
 * normalises rows. `rowOf[k]` must lie in [0, nRows).
 */
export function tripletsToCsr(
  nRows: number,
  count: number,
  rowOf: Uint32Array,
  geneOf: Uint32Array,
  valueOf: Float32Array,
  onDuplicate?: (row: number, gene: number) => never,
): CsrRows {
  const indptr = new Uint32Array(nRows + 1);
  for (let k = 0; k < count; k++) indptr[(rowOf[k] ?? 0) + 1]!++;
  for (let row = 0; row < nRows; row++) indptr[row + 1]! += indptr[row] ?? 0;
  const cursor = indptr.slice(0, nRows);
  const indices = new Uint32Array(count);
  const values = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const row = rowOf[k] ?? 0;
    const at = cursor[row]!++;
    indices[at] = geneOf[k] ?? 0;
    values[at] = valueOf[k] ?? 0;
  }
  return normalizeRows({ indptr, indices, values }, onDuplicate);
}

/** Keeps the non-zero entries of row-major dense rows (`nGenes` values per row). */
export function denseRowsToCsr(dense: NumericArray, nRows: number, nGenes: number): CsrRows {
  const source = dense as ArrayLike<number | bigint>;
  let nonZero = 0;
  for (let k = 0; k < nRows * nGenes; k++) if (Number(source[k]) !== 0) nonZero++;
  const indptr = new Uint32Array(nRows + 1);
  const indices = new Uint32Array(nonZero);
  const values = new Float32Array(nonZero);
  let written = 0;
  for (let row = 0; row < nRows; row++) {
    const base = row * nGenes;
    for (let gene = 0; gene < nGenes; gene++) {
      const value = Number(source[base + gene]);
      if (value !== 0) {
        indices[written] = gene;
        values[written] = value;
        written++;
      }
    }
    indptr[row + 1] = written;
  }
  return { indptr, indices, values };
}

/** Concatenates consecutive CSR blocks (e.g. the sub-blocks of a dense chunk). */
export function concatCsr(blocks: readonly CsrRows[]): CsrRows {
  if (blocks.length === 1 && blocks[0]) return blocks[0];
  const nRows = blocks.reduce((sum, block) => sum + block.indptr.length - 1, 0);
  const nnz = blocks.reduce((sum, block) => sum + block.indices.length, 0);
  const indptr = new Uint32Array(nRows + 1);
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  let rowOffset = 0;
  let entryOffset = 0;
  for (const block of blocks) {
    const blockRows = block.indptr.length - 1;
    for (let row = 1; row <= blockRows; row++) indptr[rowOffset + row] = entryOffset + (block.indptr[row] ?? 0);
    indices.set(block.indices, entryOffset);
    values.set(block.values, entryOffset);
    rowOffset += blockRows;
    entryOffset += block.indices.length;
  }
  return { indptr, indices, values };
}

export function toFloat32(values: NumericArray): Float32Array {
  if (values instanceof Float32Array) return values;
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = Number(values[k]);
  return out;
}

/**
 * Gene (or cell) indices as Uint32, refusing negative or out-of-range ones: a corrupt index would
 * otherwise silently attribute counts to the wrong gene.
 */
export function toCheckedIndices(
  raw: NumericArray,
  bound: number,
  describe: (position: number, value: number) => string,
): Uint32Array {
  const out = new Uint32Array(raw.length);
  for (let k = 0; k < raw.length; k++) {
    const value = Number(raw[k]);
    if (!(value >= 0 && value < bound && Number.isInteger(value))) {
      throw new AtlasError('FILE_CORRUPT', describe(k, value), { index: value, bound });
    }
    out[k] = value;
  }
  return out;
}

/** Growable (row, gene, value) buffer for a chunk assembled entry by entry (MTX, CSV rows). */
export class TripletBuffer {
  count = 0;
  private rows = new Uint32Array(1024);
  private genes = new Uint32Array(1024);
  private values = new Float32Array(1024);

  add(row: number, gene: number, value: number): void {
    if (this.count === this.rows.length) {
      const grow = <T extends Uint32Array | Float32Array>(old: T, make: (n: number) => T): T => {
        const next = make(old.length * 2);
        next.set(old);
        return next;
      };
      this.rows = grow(this.rows, (n) => new Uint32Array(n));
      this.genes = grow(this.genes, (n) => new Uint32Array(n));
      this.values = grow(this.values, (n) => new Float32Array(n));
    }
    this.rows[this.count] = row;
    this.genes[this.count] = gene;
    this.values[this.count] = value;
    this.count++;
  }

  /** The buffered entries as CSR over `nRows` rows; the buffer is empty afterwards. */
  takeCsr(nRows: number): CsrRows {
    const rows = tripletsToCsr(nRows, this.count, this.rows, this.genes, this.values);
    this.count = 0;
    return rows;
  }
}

/**
 * Renumbers the gene columns of CSR rows: `newIndexOf[gene]` is the kept gene's new index, or −1
 * to drop its entries (e.g. non-expression features). A monotonic renumbering keeps rows sorted.
 */
export function remapColumns(rows: CsrRows, newIndexOf: Int32Array): CsrRows {
  const nRows = rows.indptr.length - 1;
  const indptr = new Uint32Array(nRows + 1);
  const indices = new Uint32Array(rows.indices.length);
  const values = new Float32Array(rows.values.length);
  let written = 0;
  for (let row = 0; row < nRows; row++) {
    const end = rows.indptr[row + 1] ?? 0;
    for (let k = rows.indptr[row] ?? 0; k < end; k++) {
      const gene = newIndexOf[rows.indices[k] ?? 0] ?? -1;
      if (gene < 0) continue;
      indices[written] = gene;
      values[written] = rows.values[k] ?? 0;
      written++;
    }
    indptr[row + 1] = written;
  }
  return { indptr, indices: indices.slice(0, written), values: values.slice(0, written) };
}
