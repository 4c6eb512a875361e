/**
 * Writes small .h5ad files with h5wasm in the layouts anndata produces, so reader tests need no
 * Python and no shared data:
 * - `modern`: anndata ≥ 0.8 (encoding-type attributes, categorical groups, string-array);
 * - `anndata-0.7`: categoricals as code datasets with a `categories` reference into `__categories`;
 * - `legacy-0.6`: obs/var as compound datasets, categorical labels in `uns/<col>_categories`,
 *   raw as `raw.X` (h5sparse_format) and `raw.var`.
 * Files are written with the v1.8 format bounds so that filter pipelines carry filter names,
 * which lets `withFilterReplaced` fake a blosc-compressed file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import type { File as H5File, Group } from 'h5wasm/node';

export type Matrix = readonly (readonly number[])[];
export type Layout = 'csr' | 'csc' | 'dense';
export type Encoding = 'modern' | 'anndata-0.7' | 'legacy-0.6';
export type ValueDtype = '<f' | '<d' | '<i' | '<q';

export type ObsColumn =
  | { readonly kind: 'categorical'; readonly values: readonly (string | null)[] }
  | { readonly kind: 'string'; readonly values: readonly string[] }
  | { readonly kind: 'number'; readonly values: readonly number[] }
  | { readonly kind: 'nullable-integer'; readonly values: readonly (number | null)[] };

export interface FrameSpec {
  readonly index: readonly string[];
  readonly columns?: Readonly<Record<string, ObsColumn>>;
}

export interface H5adSpec {
  readonly X: Matrix;
  readonly layout: Layout;
  readonly encoding: Encoding;
  readonly obs: FrameSpec;
  readonly var: FrameSpec;
  readonly dtype?: ValueDtype;
  readonly raw?: { readonly X: Matrix; readonly var: FrameSpec; readonly layout?: Layout };
  readonly layers?: { readonly counts: Matrix; readonly layout?: Layout };
  /** gzip the matrix datasets (needed by `withFilterReplaced`). */
  readonly compress?: boolean;
  /** Writes scanpy's `uns/log1p` note: a number as its `base`, `e` as the group alone (scanpy's default). */
  readonly log1pBase?: number | 'e';
  /** Overrides the stored `shape` attribute of X, to build inconsistent files. */
  readonly declaredShape?: readonly [number, number];
}

interface SparseArrays {
  readonly data: number[];
  readonly indices: number[];
  readonly indptr: number[];
}

/** scipy-style compressed arrays: by rows (CSR) or by columns (CSC). */
export function compress(matrix: Matrix, byColumns: boolean): SparseArrays {
  const nRows = matrix.length;
  const nCols = matrix[0]?.length ?? 0;
  const [outer, inner] = byColumns ? [nCols, nRows] : [nRows, nCols];
  const data: number[] = [];
  const indices: number[] = [];
  const indptr = [0];
  for (let major = 0; major < outer; major++) {
    for (let minor = 0; minor < inner; minor++) {
      const value = byColumns ? matrix[minor]?.[major] : matrix[major]?.[minor];
      if (value !== undefined && value !== 0) {
        data.push(value);
        indices.push(minor);
      }
    }
    indptr.push(data.length);
  }
  return { data, indices, indptr };
}

function typed(values: readonly number[], dtype: ValueDtype): Float32Array | Float64Array | Int32Array | BigInt64Array {
  switch (dtype) {
    case '<f':
      return Float32Array.from(values);
    case '<d':
      return Float64Array.from(values);
    case '<i':
      return Int32Array.from(values);
    case '<q':
      return BigInt64Array.from(values, (value) => BigInt(value));
  }
}

interface WriteOptions {
  readonly dtype: ValueDtype;
  readonly encoding: Encoding;
  readonly compress: boolean;
  readonly declaredShape?: readonly [number, number];
}

function writeMatrix(parent: Group, name: string, matrix: Matrix, layout: Layout, options: WriteOptions): void {
  const shape = options.declaredShape ?? [matrix.length, matrix[0]?.length ?? 0];
  const compression = options.compress ? { compression: 'gzip' as const, compression_opts: 4 } : {};
  const chunked = (length: number) => (options.compress ? { chunks: [Math.max(1, Math.min(length, 4))] } : {});
  if (layout === 'dense') {
    const dataset = parent.create_dataset({
      name,
      data: typed(matrix.flat(), options.dtype),
      shape: [matrix.length, matrix[0]?.length ?? 0],
      ...(options.compress ? { compression: 'gzip' as const, compression_opts: 4, chunks: [1, matrix[0]?.length ?? 1] } : {}),
    });
    if (options.encoding === 'modern') {
      dataset.create_attribute('encoding-type', 'array');
      dataset.create_attribute('encoding-version', '0.2.0');
    }
    return;
  }
  const arrays = compress(matrix, layout === 'csc');
  const group = parent.create_group(name);
  if (options.encoding === 'legacy-0.6') {
    group.create_attribute('h5sparse_format', layout);
    group.create_attribute('h5sparse_shape', BigInt64Array.from(shape, (n) => BigInt(n)));
  } else {
    group.create_attribute('encoding-type', `${layout}_matrix`);
    group.create_attribute('encoding-version', '0.1.0');
    group.create_attribute('shape', BigInt64Array.from(shape, (n) => BigInt(n)));
  }
  group.create_dataset({ name: 'data', data: typed(arrays.data, options.dtype), ...compression, ...chunked(arrays.data.length) });
  group.create_dataset({ name: 'indices', data: Int32Array.from(arrays.indices), ...compression, ...chunked(arrays.indices.length) });
  group.create_dataset({ name: 'indptr', data: Int32Array.from(arrays.indptr), ...compression, ...chunked(arrays.indptr.length) });
}

function categoriesOf(values: readonly (string | null)[]): { categories: string[]; codes: Int8Array } {
  const categories = [...new Set(values.filter((value): value is string => value !== null))].sort();
  const codes = Int8Array.from(values, (value) => (value === null ? -1 : categories.indexOf(value)));
  return { categories, codes };
}

function writeGroupFrame(parent: Group, name: string, frame: FrameSpec, encoding: Encoding): void {
  const group = parent.create_group(name);
  const columns = Object.entries(frame.columns ?? {});
  group.create_attribute('encoding-type', 'dataframe');
  group.create_attribute('encoding-version', '0.2.0');
  group.create_attribute('_index', '_index');
  group.create_attribute('column-order', columns.length > 0 ? columns.map(([column]) => column) : new Float64Array(0));
  group.create_dataset({ name: '_index', data: [...frame.index] });
  for (const [column, spec] of columns) {
    switch (spec.kind) {
      case 'string': {
        group.create_dataset({ name: column, data: [...spec.values] }).create_attribute('encoding-type', 'string-array');
        break;
      }
      case 'number':
        group.create_dataset({ name: column, data: Float64Array.from(spec.values) });
        break;
      case 'nullable-integer': {
        const holder = group.create_group(column);
        holder.create_attribute('encoding-type', 'nullable-integer');
        holder.create_attribute('encoding-version', '0.1.0');
        holder.create_dataset({ name: 'values', data: BigInt64Array.from(spec.values, (value) => BigInt(value ?? 0)) });
        holder.create_dataset({ name: 'mask', data: Uint8Array.from(spec.values, (value) => (value === null ? 1 : 0)) });
        break;
      }
      case 'categorical': {
        const { categories, codes } = categoriesOf(spec.values);
        if (encoding === 'anndata-0.7') {
          const holder = (group.get('__categories') as Group | null) ?? group.create_group('__categories');
          const labels = holder.create_dataset({ name: column, data: categories });
          group.create_dataset({ name: column, data: codes }).create_attribute('categories', labels.create_reference());
        } else {
          const holder = group.create_group(column);
          holder.create_attribute('encoding-type', 'categorical');
          holder.create_attribute('encoding-version', '0.2.0');
          holder.create_dataset({ name: 'codes', data: codes });
          holder.create_dataset({ name: 'categories', data: categories });
        }
        break;
      }
    }
  }
}

/** anndata ≤ 0.6: one compound dataset; categoricals are int8 codes + `uns/<col>_categories`. */
function writeCompoundFrame(file: H5File, name: string, frame: FrameSpec): void {
  const width = (values: readonly string[]): number => Math.max(1, ...values.map((value) => Buffer.byteLength(value)));
  const members = new Map<string, unknown>([['index', [...frame.index]]]);
  const dtype: [string, string][] = [['index', `S${width(frame.index)}`]];
  for (const [column, spec] of Object.entries(frame.columns ?? {})) {
    if (spec.kind === 'categorical') {
      const { categories, codes } = categoriesOf(spec.values);
      members.set(column, codes);
      dtype.push([column, '<b']);
      const uns = (file.get('uns') as Group | null) ?? file.create_group('uns');
      uns.create_dataset({ name: `${column}_categories`, data: categories, dtype: `S${width(categories)}` });
    } else if (spec.kind === 'string') {
      members.set(column, [...spec.values]);
      dtype.push([column, `S${width(spec.values)}`]);
    } else {
      members.set(column, Float64Array.from(spec.values, (value) => value ?? Number.NaN));
      dtype.push([column, '<d']);
    }
  }
  file.create_dataset({ name, data: members as Map<string, never>, dtype });
}

export async function writeH5ad(path: string, spec: H5adSpec): Promise<void> {
  const module = await h5wasm.ready;
  // Same global error mode as the readers use, so helper and reader can share one process.
  module.activate_throwing_error_handler();
  const file = new h5wasm.File(path, 'w', { libver: ['earliest', 'v108'] });
  try {
    const options: WriteOptions = {
      dtype: spec.dtype ?? '<f',
      encoding: spec.encoding,
      compress: spec.compress ?? false,
      ...(spec.declaredShape ? { declaredShape: spec.declaredShape } : {}),
    };
    // Only X gets the overridden shape.
    const plain: WriteOptions = { dtype: options.dtype, encoding: options.encoding, compress: options.compress };
    if (spec.encoding !== 'legacy-0.6') {
      file.create_attribute('encoding-type', 'anndata');
      file.create_attribute('encoding-version', '0.1.0');
    }
    writeMatrix(file, 'X', spec.X, spec.layout, options);
    if (spec.encoding === 'legacy-0.6') {
      writeCompoundFrame(file, 'obs', spec.obs);
      writeCompoundFrame(file, 'var', spec.var);
      if (spec.raw) {
        writeMatrix(file, 'raw.X', spec.raw.X, spec.raw.layout ?? 'csr', plain);
        writeCompoundFrame(file, 'raw.var', spec.raw.var);
      }
      return;
    }
    writeGroupFrame(file, 'obs', spec.obs, spec.encoding);
    writeGroupFrame(file, 'var', spec.var, spec.encoding);
    if (spec.log1pBase !== undefined) {
      const note = file.create_group('uns').create_group('log1p');
      if (spec.log1pBase !== 'e') note.create_dataset({ name: 'base', data: spec.log1pBase, dtype: '<d' });
    }
    const layers = file.create_group('layers');
    if (spec.layers) writeMatrix(layers, 'counts', spec.layers.counts, spec.layers.layout ?? 'csr', plain);
    if (spec.raw) {
      const raw = file.create_group('raw');
      raw.create_attribute('encoding-type', 'raw');
      writeMatrix(raw, 'X', spec.raw.X, spec.raw.layout ?? 'csr', plain);
      writeGroupFrame(raw, 'var', spec.raw.var, spec.encoding);
    }
  } finally {
    file.close();
  }
}

/**
 * Rewrites every deflate filter of a file written by `writeH5ad(…, { compress: true })` into SZ
 * (id 32017), which neither h5wasm nor its plugins decode: the v1 filter pipeline message stores
 * the id 8 bytes before the name and v1 object headers carry no checksum.
 */
export function withFilterReplaced(path: string): void {
  const bytes = readFileSync(path);
  const deflate = Buffer.from('deflate\0');
  let replaced = 0;
  for (let at = bytes.indexOf(deflate); at >= 0; at = bytes.indexOf(deflate, at + 1)) {
    bytes.writeUInt16LE(32017, at - 8);
    Buffer.from('sz\0\0\0\0\0\0').copy(bytes, at);
    replaced++;
  }
  if (replaced === 0) throw new Error(`${path}: no deflate filter to replace`);
  writeFileSync(path, bytes);
}
