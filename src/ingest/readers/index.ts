/**
 * Entry point of the readers: `openExpressionFile` detects the format and returns a streaming
 * ExpressionSource. Detection, in order: an explicit `options.format`; a directory holding
 * `matrix.mtx[.gz]` (or that file itself) → 10x MTX; an HDF5 file → h5ad, unless it has the
 * top-level `matrix` group of Cell Ranger ≥ 3 or Cell Ranger 2's genome groups → 10x HDF5;
 * `.csv[.gz]` → CSV, `.tsv[.gz]` / `.txt[.gz]` → TSV; zarr and loom are refused with what to do
 * instead.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { AtlasError } from '../../errors.ts';
import type { ExpressionFormat, ExpressionSource, OpenOptions } from './types.ts';
import { getChild, hasHdf5Signature, isGroup, openHdf5 } from './hdf5.ts';
import { openH5ad } from './h5ad.ts';
import { openTenxMtx } from './tenx-mtx.ts';
import { openTenxH5 } from './tenx-h5.ts';
import { openDelimited } from './delimited.ts';

export { EXPRESSION_FORMATS, MATRIX_CHOICES, type CellRange, type ExpressionFormat, type ExpressionSource, type MatrixChoice, type OpenOptions } from './types.ts';

const MTX_FILE = /^matrix\.mtx(\.gz)?$/i;

async function detectFormat(path: string): Promise<ExpressionFormat> {
  const info = await stat(path);
  const name = basename(path).toLowerCase();
  if (info.isDirectory()) {
    const entries = await readdir(path);
    if (entries.some((entry) => MTX_FILE.test(entry))) return '10x-mtx';
    if (entries.some((entry) => entry === '.zattrs' || entry === 'zarr.json')) {
      throw unsupported(path, 'a zarr store', 'convert it: `anndata.read_zarr(path).write_h5ad("out.h5ad")`');
    }
    throw unsupported(path, 'a directory without matrix.mtx[.gz]', 'point at a 10x matrix folder or an .h5ad file');
  }
  if (MTX_FILE.test(name)) return '10x-mtx';
  if (await hasHdf5Signature(path)) {
    const file = await openHdf5(path);
    try {
      // Cell Ranger ≥ 3 HDF5 has /matrix; Cell Ranger 2 has one group per genome holding `barcodes`.
      const groups = file.keys();
      const cellRanger =
        getChild(file, 'matrix') !== null ||
        (!groups.includes('obs') &&
          groups.some((name) => {
            const group = file.get(name);
            return isGroup(group) && getChild(group, 'barcodes') !== null;
          }));
      return cellRanger ? '10x-h5' : 'h5ad';
    } finally {
      file.close();
    }
  }
  const extension = extname(name.replace(/\.gz$/, ''));
  if (extension === '.csv') return 'csv';
  if (extension === '.tsv' || extension === '.txt') return 'tsv';
  if (name.endsWith('.h5ad') || name.endsWith('.h5')) {
    throw new AtlasError(
      info.size === 0 ? 'FILE_TRUNCATED' : 'FILE_CORRUPT',
      `${path} is named like HDF5 but ${info.size === 0 ? 'is empty' : 'has no HDF5 signature'}. ` +
        'Copy the file again or write it with `adata.write_h5ad(path)`.',
      { path },
    );
  }
  if (name.endsWith('.zarr.zip') || name.endsWith('.zip')) {
    throw unsupported(path, 'a zip (zarr) archive', 'convert it: `anndata.read_zarr(path).write_h5ad("out.h5ad")`');
  }
  if (name.endsWith('.loom')) {
    throw unsupported(path, 'a loom file', 'convert it: `scanpy.read_loom(path).write_h5ad("out.h5ad")`');
  }
  throw unsupported(
    path,
    'a file of unknown format',
    'use .h5ad, a Cell Ranger .h5, a 10x matrix folder (matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz) or a .csv/.tsv table',
  );
}

function unsupported(path: string, what: string, fix: string): AtlasError {
  return new AtlasError('UNSUPPORTED_FORMAT', `${path} is ${what}; ${fix}.`, { path });
}

export async function openExpressionFile(path: string, options: OpenOptions = {}): Promise<ExpressionSource> {
  try {
    await stat(path);
  } catch {
    throw new AtlasError('FILE_NOT_FOUND', `${path} does not exist. Check the path (it is resolved from ${process.cwd()}).`, {
      path,
    });
  }
  const format = options.format ?? (await detectFormat(path));
  switch (format) {
    case 'h5ad':
      return openH5ad(path, options);
    case '10x-mtx':
      return openTenxMtx(path, options.signal);
    case '10x-h5':
      return openTenxH5(path);
    case 'csv':
    case 'tsv':
      return openDelimited(path, format, options);
  }
}
