/**
 * Writes small Cell Ranger HDF5 matrices with h5wasm, in the layouts Cell Ranger produces:
 * - `v3` (Cell Ranger ≥ 3): `/matrix/{data,indices,indptr,shape,barcodes}` and
 *   `/matrix/features/{_all_tag_keys,id,name,feature_type,genome}`;
 * - `v2` (Cell Ranger 2): `/<genome>/{data,indices,indptr,shape,barcodes,genes,gene_names}`, one
 *   group per genome.
 * Strings are fixed-length ASCII (`S<n>`), indices/indptr int64, data int32, shape int32, as
 * Cell Ranger writes them; the matrix is stored CSC over features × barcodes.
 */
import h5wasm from 'h5wasm/node';
import type { Group } from 'h5wasm/node';
import type { Matrix } from './h5ad-writer.ts';

export interface TenxH5Spec {
  readonly version: 'v2' | 'v3';
  /** barcodes × features, as the readers return cells (before any feature filtering). */
  readonly matrix: Matrix;
  readonly featureIds: readonly string[];
  readonly featureNames: readonly string[];
  /** v3 only; every feature is 'Gene Expression' when omitted. */
  readonly featureTypes?: readonly string[];
  readonly barcodes: readonly string[];
  /** v2: the genome group's name; v3: the `genome` of every feature. Default GRCh38. */
  readonly genome?: string;
  /** v2: further genome groups holding the same matrix (a multi-genome file). */
  readonly extraGenomes?: readonly string[];
  /** Overrides the `shape` dataset, to build inconsistent files. */
  readonly declaredShape?: readonly [number, number];
  /** gzip + shuffle the datasets in small chunks, as Cell Ranger does. */
  readonly compress?: boolean;
}

/** Fixed-length byte strings as Cell Ranger (numpy `S`) stores them. */
function writeStrings(group: Group, name: string, values: readonly string[], compress: boolean): void {
  const width = Math.max(1, ...values.map((value) => Buffer.byteLength(value)));
  group.create_dataset({ name, data: [...values], dtype: `S${width}`, ...filters(values.length, compress) });
}

function filters(length: number, compress: boolean): object {
  return compress && length > 0
    ? { compression: 'gzip' as const, compression_opts: 4, shuffle: true, chunks: [Math.min(length, 3)] }
    : {};
}

/** CSC over features × barcodes: one pointer per barcode, feature indices ascending within it. */
function barcodeMajor(matrix: Matrix): { data: number[]; indices: number[]; indptr: number[] } {
  const data: number[] = [];
  const indices: number[] = [];
  const indptr = [0];
  for (const row of matrix) {
    row.forEach((value, feature) => {
      if (value === 0) return;
      data.push(value);
      indices.push(feature);
    });
    indptr.push(data.length);
  }
  return { data, indices, indptr };
}

function writeMatrixGroup(group: Group, spec: TenxH5Spec): void {
  const compress = spec.compress ?? false;
  const { data, indices, indptr } = barcodeMajor(spec.matrix);
  const shape = spec.declaredShape ?? [spec.featureIds.length, spec.barcodes.length];
  group.create_dataset({ name: 'data', data: Int32Array.from(data), ...filters(data.length, compress) });
  group.create_dataset({ name: 'indices', data: BigInt64Array.from(indices, BigInt), ...filters(indices.length, compress) });
  group.create_dataset({ name: 'indptr', data: BigInt64Array.from(indptr, BigInt), ...filters(indptr.length, compress) });
  group.create_dataset({ name: 'shape', data: Int32Array.from(shape) });
  writeStrings(group, 'barcodes', spec.barcodes, compress);
}

export async function writeTenxH5(path: string, spec: TenxH5Spec): Promise<void> {
  const module = await h5wasm.ready;
  // Same global error mode as the readers use, so helper and reader can share one process.
  module.activate_throwing_error_handler();
  const file = new h5wasm.File(path, 'w');
  const genome = spec.genome ?? 'GRCh38';
  const compress = spec.compress ?? false;
  try {
    if (spec.version === 'v3') {
      const matrix = file.create_group('matrix');
      writeMatrixGroup(matrix, spec);
      const features = matrix.create_group('features');
      writeStrings(features, '_all_tag_keys', ['genome'], false);
      writeStrings(features, 'id', spec.featureIds, compress);
      writeStrings(features, 'name', spec.featureNames, compress);
      writeStrings(features, 'feature_type', spec.featureTypes ?? spec.featureIds.map(() => 'Gene Expression'), compress);
      writeStrings(features, 'genome', spec.featureIds.map(() => genome), compress);
      return;
    }
    for (const name of [genome, ...(spec.extraGenomes ?? [])]) {
      const group = file.create_group(name);
      writeMatrixGroup(group, spec);
      writeStrings(group, 'genes', spec.featureIds, compress);
      writeStrings(group, 'gene_names', spec.featureNames, compress);
    }
  } finally {
    file.close();
  }
}
