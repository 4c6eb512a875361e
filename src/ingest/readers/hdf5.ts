/**
 * Thin, typed layer over h5wasm for the readers: loading the wasm module once, opening files with
 * errors mapped to AtlasError codes, bounded slice reads, filter checks and string decoding.
 *
 * h5wasm (node build) reads through NODERAWFS, i.e. straight from the host file system with HDF5's
 * own chunk cache: a slice read touches only the chunks it needs, never the whole file.
 */
import { open as openFileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Attribute, Dataset, Entity, File as H5File, Group, Metadata, OutputData, h5wasm as h5wasmApi } from 'h5wasm/node';
import { AtlasError } from '../../errors.ts';

export type { Dataset, Entity, Group, H5File, Metadata, OutputData };

/** H5T class numbers as h5wasm reports them in `metadata.type`. */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, REFERENCE: 7, ENUM: 8 } as const;

/** Filters compiled into h5wasm's libhdf5 (deflate, shuffle, fletcher32, nbit, scaleoffset). */
const BUILT_IN_FILTERS = new Set([1, 2, 3, 5, 6]);
/** lzf (HDF5 filter 32000): anndata 0.7 wrote it through h5py; read with h5wasm-plugins' build. */
const LZF = 32000;
/**
 * Plugin filters read through h5wasm-plugins, each checked on files h5py wrote with hdf5plugin
 * (test/fixtures): bzip2 and lz4 on numbers and strings, blosc on fixed-size values only
 * (hdf5plugin crashes writing it on strings, so what it would do reading them is unknown).
 */
const PLUGIN_FILTERS: ReadonlySet<number> = new Set([307, 32004]);
const BLOSC = 32001;
/** Registered ids of filters that are not read here, for a readable refusal. */
const UNSUPPORTED_FILTERS: Readonly<Record<number, string>> = {
  4: 'szip',
  32008: 'bitshuffle',
  32013: 'zfp',
  32015: 'zstd',
  32017: 'SZ',
  32026: 'blosc2',
};

/** The folder of h5wasm-plugins' compiled filters (NODERAWFS: h5wasm reads it from the host). */
function pluginFolder(): string {
  return join(dirname(createRequire(import.meta.url).resolve('h5wasm-plugins')), 'plugins');
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

type H5wasmApi = typeof h5wasmApi;

let api: H5wasmApi | undefined;
let apiReady: Promise<H5wasmApi> | undefined;

/**
 * Loads h5wasm once, on first use: importing it costs ≈ 600 MB of resident memory (the embedded
 * wasm binary), which MTX-only processes should not pay. The compression plugins are found on
 * first use of their filter. The throwing error handler turns HDF5
 * failures into JS exceptions carrying HDF5's error stack; by default h5wasm prints the stack to
 * stderr and returns bogus ids.
 */
export function loadHdf5(): Promise<H5wasmApi> {
  apiReady ??= import('h5wasm/node').then(async ({ default: h5wasm }) => {
    const module = await h5wasm.ready;
    module.activate_throwing_error_handler();
    module.insert_plugin_search_path(pluginFolder(), 0);
    api = h5wasm;
    return h5wasm;
  });
  return apiReady;
}

/** The innermost message of an HDF5 error stack, e.g. "truncated file: eof = 1000, …". */
export function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const frames = [...text.matchAll(/#\d+: .*? in [^(]*\(\): (.*)$/gm)].map((match) => match[1] ?? '');
  return frames.at(-1)?.trim() || text.split('\n')[0] || 'unknown HDF5 error';
}

/** Whether the file starts with the HDF5 signature (at 0 or at a user-block offset 512, 1024, …). */
export async function hasHdf5Signature(path: string): Promise<boolean> {
  const handle = await openFileHandle(path, 'r');
  try {
    const { size } = await handle.stat();
    const probe = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let offset = 0; offset + probe.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(probe, 0, probe.length, offset);
      if (probe.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** Opens an HDF5 file read-only; truncation and corruption become FILE_TRUNCATED / FILE_CORRUPT. */
export async function openHdf5(path: string): Promise<H5File> {
  const h5wasm = await loadHdf5();
  if (!(await hasHdf5Signature(path))) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${path} is not an HDF5 file (no HDF5 signature). An .h5ad must be written by anndata ` +
        '(`adata.write_h5ad(path)`); zarr stores and loom files are not read here.',
      { path },
    );
  }
  try {
    return new h5wasm.File(path, 'r');
  } catch (error) {
    const reason = hdf5Reason(error);
    if (/truncated file/i.test(reason)) {
      throw new AtlasError(
        'FILE_TRUNCATED',
        `${path} is truncated (${reason}). The copy or download did not finish; copy the file again.`,
        { path, reason },
      );
    }
    throw new AtlasError('FILE_CORRUPT', `${path} could not be opened as HDF5: ${reason}.`, { path, reason });
  }
}

// Entities only exist once a file was opened, i.e. after loadHdf5().
export function isGroup(entity: unknown): entity is Group {
  return api !== undefined && entity instanceof api.Group;
}

export function isDataset(entity: unknown): entity is Dataset {
  return api !== undefined && entity instanceof api.Dataset;
}

/** `group.get(name)` that treats a missing member as null instead of relying on HDF5 errors. */
export function getChild(group: Group, name: string): Entity | null {
  return group.keys().includes(name) ? group.get(name) : null;
}

export function attributeValue(entity: Dataset | Group, name: string): OutputData | null | undefined {
  const attribute: Attribute | undefined = entity.attrs[name];
  return attribute?.value;
}

export function stringAttribute(entity: Dataset | Group, name: string): string | undefined {
  const value = attributeValue(entity, name);
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return decodeBytes(value);
  return undefined;
}

/** Array-valued attribute as strings (e.g. `column-order`); a scalar string counts as one item. */
export function stringListAttribute(entity: Dataset | Group, name: string): string[] | undefined {
  const value = attributeValue(entity, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? [] : [value];
  return decodeStrings(value);
}

export function numberListAttribute(entity: Dataset | Group, name: string): number[] | undefined {
  const value = attributeValue(entity, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'bigint') return [Number(value)];
  if (ArrayBuffer.isView(value) || Array.isArray(value)) return Array.from(value as ArrayLike<number | bigint>, Number);
  return undefined;
}

/**
 * Refuses datasets whose compression filter h5wasm cannot decode, before any read fails deep in
 * libhdf5 with a plugin-path message nobody can act on — or, for a plugin that was never checked
 * here, aborts the wasm module (zstd, bitshuffle and blosc2 are in h5wasm-plugins but Debian's
 * hdf5plugin cannot write them to check against).
 *
 * lzf is read when the filter recorded the chunk's size (h5py does for fixed-size values: the
 * matrix, codes, numbers). Without it (variable-length strings) the plugin grows its buffer by
 * reading C's errno, a symbol h5wasm does not export: the read would abort the whole wasm module,
 * so such datasets are refused instead.
 */
export function assertFiltersSupported(dataset: Dataset, filePath: string): void {
  for (const filter of dataset.filters) {
    if (BUILT_IN_FILTERS.has(filter.id) || PLUGIN_FILTERS.has(filter.id)) continue;
    if (filter.id === LZF && (filter.cd_values[2] ?? 0) > 0) continue;
    if (filter.id === BLOSC && !dataset.metadata.vlen) continue;
    const limited = { [LZF]: 'lzf', [BLOSC]: 'blosc' }[filter.id];
    const name = limited ? `${limited} (on variable-length strings)` : (UNSUPPORTED_FILTERS[filter.id] ?? (filter.name || `filter id ${filter.id}`));
    throw new AtlasError(
      'HDF5_FILTER_UNSUPPORTED',
      `${filePath}: dataset ${dataset.path} is compressed with ${name} (HDF5 filter ${filter.id}), which this ` +
        'reader cannot decode. Rewrite the file with gzip in Python: ' +
        '`import anndata as ad; adata = ad.read_h5ad(path); adata.write_h5ad(path, compression="gzip")`.',
      { path: filePath, dataset: dataset.path, filterId: filter.id, filter: name },
    );
  }
}

export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

function isNumericArray(value: unknown): value is NumericArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof Uint8ClampedArray);
}

/** The length of a 1-D dataset (first dimension of an n-D one). */
export function datasetLength(dataset: Dataset): number {
  return dataset.shape?.[0] ?? 1;
}

/**
 * Reads rows [start, end) of a dataset along its first axis. h5wasm silently clamps out-of-range
 * slices, so the range is checked here; HDF5 read failures name the file and dataset.
 */
export function readRows(dataset: Dataset, start: number, end: number, filePath: string): OutputData {
  const length = datasetLength(dataset);
  if (start < 0 || end < start || end > length) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${filePath}: attempted to read rows ${start}–${end} of ${dataset.path}, which has ${length}; ` +
        'the file is inconsistent (regenerate it with anndata).',
      { path: filePath, dataset: dataset.path },
    );
  }
  const rank = dataset.shape?.length ?? 0;
  const ranges: [number, number][] = [[start, end]];
  for (let axis = 1; axis < rank; axis++) ranges.push([0, dataset.shape?.[axis] ?? 0]);
  try {
    const value = dataset.slice(ranges);
    if (value === null) throw new Error('h5wasm returned no data');
    return value;
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    const reason = hdf5Reason(error);
    const filterProblem = /filter/i.test(reason);
    throw new AtlasError(
      filterProblem ? 'HDF5_FILTER_UNSUPPORTED' : 'FILE_CORRUPT',
      `${filePath}: reading ${dataset.path} failed: ${reason}.` +
        (filterProblem
          ? ' Rewrite the file with gzip: `adata.write_h5ad(path, compression="gzip")`.'
          : ' The file is damaged; write it again with anndata.'),
      { path: filePath, dataset: dataset.path, reason },
    );
  }
}

export function readNumericRows(dataset: Dataset, start: number, end: number, filePath: string): NumericArray {
  if (start === end) return new Float64Array(0);
  const value = readRows(dataset, start, end, filePath);
  if (isNumericArray(value)) return value;
  throw new AtlasError(
    'UNSUPPORTED_FORMAT',
    `${filePath}: ${dataset.path} holds ${describeDtype(dataset.metadata)} values where numbers were expected.`,
    { path: filePath, dataset: dataset.path },
  );
}

/** Refuses a matrix dataset whose values are not integers or floats (strings, compounds, …). */
export function assertNumericDataset(dataset: Dataset, filePath: string): void {
  const { type } = dataset.metadata;
  if (type !== H5T.INTEGER && type !== H5T.FLOAT) {
    throw new AtlasError(
      'UNSUPPORTED_FORMAT',
      `${filePath}: ${dataset.path} holds ${describeDtype(dataset.metadata)} values; expression values must be ` +
        'integers or floats.',
      { path: filePath, dataset: dataset.path },
    );
  }
}

export function describeDtype(metadata: Metadata): string {
  const names: Record<number, string> = { 0: 'integer', 1: 'float', 3: 'string', 6: 'compound', 8: 'enum' };
  return `${names[metadata.type] ?? `type-${metadata.type}`} (${metadata.size} bytes)`;
}

const utf8 = new TextDecoder('utf-8');

/** Decodes fixed-length byte strings, dropping NUL and (space-padded types') trailing padding. */
export function decodeBytes(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return utf8.decode(bytes.subarray(0, end));
}

/** Turns whatever h5wasm returned for a string-ish dataset into JS strings. */
export function decodeStrings(value: OutputData): string[] {
  if (typeof value === 'string') return [value];
  if (isNumericArray(value)) return Array.from(value as ArrayLike<number | bigint>, (item) => String(item));
  if (Array.isArray(value)) return value.map(decodeString);
  return [decodeString(value)];
}

export function decodeString(value: OutputData): string {
  if (typeof value === 'string') return value.replace(/\0+$/, '');
  if (value instanceof Uint8Array) return decodeBytes(value);
  return String(value);
}

/** Numbers from an integer/float typed array; bigint items become numbers (exact below 2^53). */
export function toNumberArray(values: NumericArray): number[] {
  return Array.from(values as ArrayLike<number | bigint>, Number);
}
