/**
 * Compressed sparse matrices stored as three HDF5 datasets, `data`, `indices` and `indptr`:
 * anndata's CSR and CSC groups and Cell Ranger's HDF5 matrix (CSC over features × barcodes, i.e.
 * one compressed row per cell). The arrays are checked once against the shape; rows (entries of
 * the pointer axis) are then read by slices, so reading a range of rows costs that range only.
 */
import { AtlasError } from '../../errors.ts';
import type { CsrRows } from './csr.ts';
import { toCheckedIndices, toFloat32 } from './csr.ts';
import type { Dataset } from './hdf5.ts';
import { datasetLength, readNumericRows, toNumberArray } from './hdf5.ts';

export interface CompressedArrays {
  readonly data: Dataset;
  readonly indices: Dataset;
  readonly indptr: Dataset;
}

/** How the arrays are to be read and how problems are explained. */
export interface CompressedLayout {
  readonly filePath: string;
  /** Where the arrays live, e.g. `X`, `raw/X`, `matrix`, `GRCh38`. */
  readonly location: string;
  /** The pointer axis (indptr has `length + 1` entries): its length and what it counts, e.g. `cells (obs)`. */
  readonly major: { readonly length: number; readonly name: string };
  /** The axis of the stored indices. */
  readonly minor: { readonly length: number; readonly name: string };
  /** The fix for a damaged file, a clause such as `write the file again with anndata`. */
  readonly remedy: string;
  /** Why indptr may not fit the pointer axis, e.g. `The matrix does not belong to this obs/var`. */
  readonly misfit: string;
}

export function dimensionMismatch(filePath: string, field: string, message: string, details: Record<string, unknown>): AtlasError {
  return new AtlasError('DIMENSION_MISMATCH', `${filePath}: ${message}`, { path: filePath, field, ...details });
}

/** Checks data/indices/indptr against each other and the pointer axis before any row is read. */
export function checkCompressedArrays(arrays: CompressedArrays, layout: CompressedLayout): void {
  const { filePath, location, major, remedy } = layout;
  const nnz = datasetLength(arrays.data);
  const nIndices = datasetLength(arrays.indices);
  if (nIndices !== nnz) {
    throw dimensionMismatch(
      filePath,
      `${location}/indices`,
      `${location}/indices has ${nIndices} entries but ${location}/data has ${nnz}. The file is damaged; ${remedy}.`,
      { indices: nIndices, data: nnz },
    );
  }
  const pointers = datasetLength(arrays.indptr);
  if (pointers !== major.length + 1) {
    throw dimensionMismatch(
      filePath,
      `${location}/indptr`,
      `${location}/indptr has ${pointers} entries but the matrix has ${major.length} ${major.name}, so it needs ` +
        `${major.length + 1}. ${layout.misfit}; ${remedy}.`,
      { indptr: pointers, expected: major.length + 1 },
    );
  }
  const first = Number(readNumericRows(arrays.indptr, 0, 1, filePath)[0]);
  const last = Number(readNumericRows(arrays.indptr, pointers - 1, pointers, filePath)[0]);
  if (first !== 0 || last !== nnz) {
    throw dimensionMismatch(
      filePath,
      `${location}/indptr`,
      `${location}/indptr runs from ${first} to ${last} but ${location}/data has ${nnz} entries. The file is damaged; ${remedy}.`,
      { first, last, nnz },
    );
  }
}

/** indptr[index] < indptr[index − 1]. */
function decreasing(layout: CompressedLayout, index: number): AtlasError {
  return dimensionMismatch(
    layout.filePath,
    `${layout.location}/indptr`,
    `${layout.location}/indptr decreases at index ${index}; the file is damaged. ${capitalized(layout.remedy)}.`,
    { index },
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The whole indptr as numbers, checked to never decrease (for passes over every entry). */
export function readAllPointers(arrays: CompressedArrays, layout: CompressedLayout): number[] {
  const pointers = toNumberArray(readNumericRows(arrays.indptr, 0, layout.major.length + 1, layout.filePath));
  for (let row = 0; row < layout.major.length; row++) {
    if ((pointers[row + 1] ?? 0) < (pointers[row] ?? 0)) throw decreasing(layout, row + 1);
  }
  return pointers;
}

/** Entries [from, to) in storage order: minor indices (range-checked) and values as Float32. */
export function readEntries(
  arrays: CompressedArrays,
  from: number,
  to: number,
  layout: CompressedLayout,
): { readonly indices: Uint32Array; readonly values: Float32Array } {
  const { filePath, location, minor } = layout;
  const indices = toCheckedIndices(
    readNumericRows(arrays.indices, from, to, filePath),
    minor.length,
    (position, value) =>
      `${filePath}: ${location}/indices[${from + position}] = ${value} is outside 0…${minor.length - 1} (${minor.name}). ` +
      `The file is damaged; ${layout.remedy}.`,
  );
  return { indices, values: toFloat32(readNumericRows(arrays.data, from, to, filePath)) };
}

/**
 * Rows [start, end) of the pointer axis as CSR rows, in storage order within each row (callers
 * normalise, after remapping indices where they must).
 */
export function readCompressedRows(arrays: CompressedArrays, start: number, end: number, layout: CompressedLayout): CsrRows {
  const pointers = toNumberArray(readNumericRows(arrays.indptr, start, end + 1, layout.filePath));
  const lo = pointers[0] ?? 0;
  const hi = pointers[end - start] ?? 0;
  const indptr = new Uint32Array(end - start + 1);
  for (let row = 0; row <= end - start; row++) {
    const pointer = (pointers[row] ?? 0) - lo;
    if (pointer < (indptr[row - 1] ?? 0) || pointer > hi - lo) throw decreasing(layout, start + row);
    indptr[row] = pointer;
  }
  return { indptr, ...readEntries(arrays, lo, hi, layout) };
}
