/**
 * The .h5ad reader. Matrices: `layers/counts`, `raw/X` (legacy: `raw.X`), `X`; each stored as CSR
 * (`csr_matrix` / `h5sparse_format=csr`), CSC (`csc_matrix` / `h5sparse_format=csc`) or a dense
 * 2-D dataset, with any integer or float dtype (values become Float32).
 *
 * Memory per layout while streaming `cellsPerChunk` cells:
 * - CSR: the chunk's indptr slice and its own entries (indices + data slices), nothing more.
 * - dense: row blocks of at most DENSE_READ_VALUES values (32 MB as float64) plus the chunk's CSR.
 * - CSC (gene-major): one pass over the matrix in blocks of CSC_READ_ENTRIES entries spools
 *   entries to temporary per-bucket files (see cell-spool.ts: ≤ 16 MiB of buffers, then one
 *   bucket ≈ 12 B × nnz / 256 in memory), plus O(nGenes) column pointers. Each `chunks()` call
 *   makes its own spool and deletes it when iteration ends.
 * A cell range is read directly for CSR and dense (indptr / row slices); CSC still passes over
 * every entry but spools only the range's cells.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AtlasError } from '../../errors.ts';
import type { CellRange, ExpressionSource, MatrixChoice, OpenOptions } from './types.ts';
import type { Dataset, Entity, H5File } from './hdf5.ts';
import {
  H5T,
  assertFiltersSupported,
  assertNumericDataset,
  datasetLength,
  getChild,
  isDataset,
  isGroup,
  numberListAttribute,
  openHdf5,
  readNumericRows,
  stringAttribute,
} from './hdf5.ts';
import type { CsrRows } from './csr.ts';
import { concatCsr, denseRowsToCsr, normalizeRows } from './csr.ts';
import type { CompressedArrays, CompressedLayout } from './hdf5-sparse.ts';
import { checkCompressedArrays, dimensionMismatch, readAllPointers, readCompressedRows, readEntries } from './hdf5-sparse.ts';
import { CellBucketSpool, sliceRows } from './cell-spool.ts';
import { checkChunkRequest, chunkBounds } from './chunk-request.ts';
import type { DataFrameReader } from './h5ad-frame.ts';
import { openFrame } from './h5ad-frame.ts';
import type { CellChunk, GeneTable, ValuePrecision } from '../../model/cells.ts';
import type { ValueNotes } from '../../model/expression-values.ts';

function optionalNotes(notes: ValueNotes | undefined): { valueNotes?: ValueNotes } {
  return notes === undefined ? {} : { valueNotes: notes };
}

const DENSE_READ_VALUES = 4 * 1024 * 1024;
const CSC_READ_ENTRIES = 1024 * 1024;

type SparseLayout = 'csr' | 'csc';

interface SparseStorage extends CompressedArrays {
  readonly layout: SparseLayout;
}

type MatrixStorage = SparseStorage | { readonly layout: 'dense'; readonly dataset: Dataset };

interface MatrixCandidate {
  readonly choice: Exclude<MatrixChoice, 'auto'>;
  /** Path of the matrix in the file. */
  readonly location: string;
  /** Path of the dataframe describing its genes. */
  readonly geneFrame: string;
}

export interface H5adSource extends ExpressionSource {
  readonly nGenes: number;
  readonly layout: MatrixStorage['layout'];
  /** Stored entries (sparse) or cells × genes (dense). */
  readonly storedEntries: number;
}

/** The matrices present, in the `auto` preference order: raw counts first. */
function findMatrices(file: H5File): MatrixCandidate[] {
  const found: MatrixCandidate[] = [];
  const layers = file.get('layers');
  if (isGroup(layers) && getChild(layers, 'counts')) {
    found.push({ choice: 'counts', location: 'layers/counts', geneFrame: 'var' });
  }
  const raw = file.get('raw');
  if (isGroup(raw) && getChild(raw, 'X')) {
    found.push({ choice: 'raw', location: 'raw/X', geneFrame: getChild(raw, 'var') ? 'raw/var' : 'var' });
  } else if (getChild(file, 'raw.X')) {
    // anndata ≤ 0.6 wrote raw as dotted top-level names.
    found.push({ choice: 'raw', location: 'raw.X', geneFrame: getChild(file, 'raw.var') ? 'raw.var' : 'var' });
  }
  if (getChild(file, 'X')) found.push({ choice: 'X', location: 'X', geneFrame: 'var' });
  return found;
}

function chooseMatrix(found: readonly MatrixCandidate[], choice: MatrixChoice, filePath: string): MatrixCandidate {
  const picked = choice === 'auto' ? found[0] : found.find((candidate) => candidate.choice === choice);
  if (picked) return picked;
  const wanted = choice === 'auto' ? 'any of layers/counts, raw/X, X' : { counts: 'layers/counts', raw: 'raw/X', X: 'X' }[choice];
  const present = found.map((candidate) => `${candidate.location} (layer ${candidate.choice})`).join(', ');
  throw new AtlasError(
    'MATRIX_NOT_FOUND',
    (choice === 'auto' ? `${filePath} has no expression matrix (looked for layers/counts, raw/X and X). ` : `${filePath} has no matrix ${wanted}. `) +
      (present
        ? `Matrices present: ${present}; choose one of them (CLI --layer, API layer).`
        : 'Write the counts into the file first, e.g. `adata.X = counts; adata.write_h5ad(path)` in anndata.'),
    { path: filePath, field: wanted, present: found.map((candidate) => candidate.location) },
  );
}

function requireDataset(group: Entity, member: string, location: string, filePath: string): Dataset {
  const entity = isGroup(group) ? getChild(group, member) : null;
  if (!isDataset(entity)) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${filePath}: sparse matrix ${location} has no '${member}' dataset. Write the file again with anndata.`,
      { path: filePath, field: `${location}/${member}` },
    );
  }
  assertFiltersSupported(entity, filePath);
  return entity;
}

/** float32 (or float16) storage makes numpy compute in float32; integers and float64 in float64. */
function storedPrecision(dataset: Dataset): ValuePrecision {
  return dataset.metadata.type === H5T.FLOAT && dataset.metadata.size <= 4 ? 'float32' : 'float64';
}

/** Storage layout and shape [cells, genes] of the matrix at `location`. */
function describeMatrix(
  file: H5File,
  location: string,
  frameLengths: { cells: number; genes: number },
  filePath: string,
): { storage: MatrixStorage; shape: [number, number] } {
  const entity = file.get(location);
  if (isDataset(entity)) {
    assertFiltersSupported(entity, filePath);
    assertNumericDataset(entity, filePath);
    const shape = entity.shape ?? [];
    if (shape.length !== 2) {
      throw new AtlasError(
        'UNSUPPORTED_FORMAT',
        `${filePath}: ${location} is a ${shape.length}-D dataset; a dense matrix must be 2-D (cells × genes).`,
        { path: filePath, field: location },
      );
    }
    return { storage: { layout: 'dense', dataset: entity }, shape: [shape[0] ?? 0, shape[1] ?? 0] };
  }
  if (!isGroup(entity)) {
    throw new AtlasError('FILE_CORRUPT', `${filePath}: ${location} is neither a dataset nor a group.`, {
      path: filePath,
      field: location,
    });
  }
  const encoding = stringAttribute(entity, 'encoding-type') ?? stringAttribute(entity, 'h5sparse_format');
  const layout: SparseLayout | undefined =
    encoding === 'csr_matrix' || encoding === 'csr' ? 'csr' : encoding === 'csc_matrix' || encoding === 'csc' ? 'csc' : undefined;
  if (!layout) {
    throw new AtlasError(
      'UNSUPPORTED_FORMAT',
      `${filePath}: ${location} is stored as '${encoding ?? 'an unmarked group'}'; this reader handles CSR, CSC and ` +
        'dense matrices. Convert it in Python: `adata.X = scipy.sparse.csr_matrix(adata.X); adata.write_h5ad(path)`.',
      { path: filePath, field: location, encoding },
    );
  }
  const data = requireDataset(entity, 'data', location, filePath);
  const indices = requireDataset(entity, 'indices', location, filePath);
  const indptr = requireDataset(entity, 'indptr', location, filePath);
  assertNumericDataset(data, filePath);
  const declared = numberListAttribute(entity, 'shape') ?? numberListAttribute(entity, 'h5sparse_shape');
  const pointers = datasetLength(indptr) - 1;
  // anndata always writes the shape; without it, the pointer axis comes from indptr and the other from obs/var.
  const shape: [number, number] =
    declared && declared.length === 2
      ? [declared[0] ?? 0, declared[1] ?? 0]
      : layout === 'csr'
        ? [pointers, frameLengths.genes]
        : [frameLengths.cells, pointers];
  return { storage: { layout, data, indices, indptr }, shape };
}

const REMEDY = 'write the file again with anndata';

/** How the sparse arrays of `location` are laid out: CSR points at cells, CSC at genes. */
function compressedLayout(storage: SparseStorage, shape: [number, number], location: string, filePath: string): CompressedLayout {
  const cells = { length: shape[0], name: 'cells (obs)' };
  const genes = { length: shape[1], name: 'genes (var)' };
  return {
    filePath,
    location,
    major: storage.layout === 'csr' ? cells : genes,
    minor: storage.layout === 'csr' ? genes : cells,
    remedy: REMEDY,
    misfit: 'The matrix does not belong to this obs/var',
  };
}

export async function openH5ad(filePath: string, options: OpenOptions = {}): Promise<H5adSource> {
  const file = await openHdf5(filePath);
  try {
    return buildSource(file, filePath, options.matrix ?? 'auto');
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * scanpy's `log1p` records itself in `uns/log1p` (with `base` when not e). It describes X (and raw/X
 * when raw was set after it), never a counts layer; a base that is not a positive number is no note.
 */
function logNotes(file: H5File, location: string): ValueNotes | undefined {
  if (location !== 'X' && !location.startsWith('raw')) return undefined;
  const uns = getChild(file, 'uns');
  const log1p = uns !== null && isGroup(uns) ? getChild(uns, 'log1p') : null;
  if (log1p === null || !isGroup(log1p)) return undefined;
  const baseEntity = getChild(log1p, 'base');
  if (baseEntity === null) return { logBase: Math.E, source: 'uns/log1p (base e)' };
  const base = isDataset(baseEntity) ? Number(baseEntity.value) : NaN;
  return Number.isFinite(base) && base > 1 ? { logBase: base, source: `uns/log1p/base = ${base}` } : undefined;
}

function buildSource(file: H5File, filePath: string, choice: MatrixChoice): H5adSource {
  const candidate = chooseMatrix(findMatrices(file), choice, filePath);
  const obsFrame = openFrame(file, 'obs', filePath);
  const geneFrame = openFrame(file, candidate.geneFrame, filePath);
  const { storage, shape } = describeMatrix(
    file,
    candidate.location,
    { cells: obsFrame.length, genes: geneFrame.length },
    filePath,
  );
  const [nCells, nGenes] = shape;

  if (nCells === 0 || nGenes === 0) {
    throw new AtlasError(
      'EMPTY_MATRIX',
      `${filePath}: ${candidate.location} is ${nCells} cells × ${nGenes} genes; there is nothing to read. ` +
        'Check that the file was written after filtering, not instead of it.',
      { path: filePath, field: candidate.location, nCells, nGenes },
    );
  }
  if (obsFrame.length !== nCells) {
    throw dimensionMismatch(filePath, 'obs', `${candidate.location} has ${nCells} cells but obs has ${obsFrame.length} rows. Write the file again with anndata.`, { nCells, obs: obsFrame.length });
  }
  if (geneFrame.length !== nGenes) {
    throw dimensionMismatch(
      filePath,
      geneFrame.location,
      `${candidate.location} has ${nGenes} genes but ${geneFrame.location} has ${geneFrame.length} rows` +
        (geneFrame.location === 'var' && candidate.choice === 'raw' ? ' (raw has no var of its own)' : '') +
        '. Write the file again with anndata.',
      { nGenes, var: geneFrame.length },
    );
  }
  if (storage.layout !== 'dense') checkCompressedArrays(storage, compressedLayout(storage, shape, candidate.location, filePath));

  const geneRows = geneFrame.readRows(0, nGenes);
  const geneColumns: Record<string, string[]> = {};
  for (const [name, kind] of geneFrame.columnKinds) {
    if (kind !== 'string') continue;
    geneColumns[name] = (geneRows.columns[name] ?? []).map((value) => (value === null ? '' : String(value)));
  }
  const genes: GeneTable = { index: geneRows.index, columns: geneColumns };

  const spools = new Set<CellBucketSpool>();
  let closed = false;
  const context: ChunkContext = { filePath, nCells, nGenes, obsFrame };

  return {
    path: filePath,
    format: 'h5ad',
    nCells,
    nGenes,
    genes,
    obsColumns: [...obsFrame.columnKinds.keys()],
    matrixLocation: candidate.location,
    ...optionalNotes(logNotes(file, candidate.location)),
    valuePrecision: storedPrecision(storage.layout === 'dense' ? storage.dataset : storage.data),
    layout: storage.layout,
    storedEntries: storage.layout === 'dense' ? nCells * nGenes : datasetLength(storage.data),
    chunks(cellsPerChunk, requested) {
      const range = checkChunkRequest(cellsPerChunk, requested, nCells, filePath);
      if (closed) throw new AtlasError('INVALID_INPUT', `${filePath} was closed; open it again to read chunks.`);
      if (storage.layout === 'dense') return denseChunks(storage.dataset, context, cellsPerChunk, range);
      const layout = compressedLayout(storage, shape, candidate.location, filePath);
      return storage.layout === 'csr'
        ? csrChunks(storage, layout, context, cellsPerChunk, range)
        : cscChunks(storage, layout, context, cellsPerChunk, range, spools);
    },
    async cellIds() {
      if (closed) throw new AtlasError('INVALID_INPUT', `${filePath} was closed; open it again to read cell ids.`);
      return obsFrame.readIndex(0, nCells);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const spool of spools) spool.dispose();
      file.close();
    },
  };
}

interface ChunkContext {
  readonly filePath: string;
  readonly nCells: number;
  readonly nGenes: number;
  readonly obsFrame: DataFrameReader;
}

function makeChunk(context: ChunkContext, start: number, rows: CsrRows): CellChunk {
  const end = start + rows.indptr.length - 1;
  const { index, columns } = context.obsFrame.readRows(start, end);
  return { start, cellIds: index, indptr: rows.indptr, indices: rows.indices, values: rows.values, obs: columns };
}

async function* csrChunks(
  storage: SparseStorage,
  layout: CompressedLayout,
  context: ChunkContext,
  cellsPerChunk: number,
  range: CellRange,
): AsyncGenerator<CellChunk> {
  for (const { start, end } of chunkBounds(range, cellsPerChunk)) {
    yield makeChunk(context, start, normalizeRows(readCompressedRows(storage, start, end, layout)));
    await yieldToEventLoop();
  }
}

async function* denseChunks(
  dataset: Dataset,
  context: ChunkContext,
  cellsPerChunk: number,
  range: CellRange,
): AsyncGenerator<CellChunk> {
  const { filePath, nGenes } = context;
  const rowsPerRead = Math.max(1, Math.floor(DENSE_READ_VALUES / nGenes));
  for (const { start, end } of chunkBounds(range, cellsPerChunk)) {
    const blocks: CsrRows[] = [];
    for (let from = start; from < end; from += rowsPerRead) {
      const to = Math.min(end, from + rowsPerRead);
      blocks.push(denseRowsToCsr(readNumericRows(dataset, from, to, filePath), to - from, nGenes));
    }
    yield makeChunk(context, start, concatCsr(blocks));
    await yieldToEventLoop();
  }
}

/** Gene-major storage: one pass over every entry, spooling those of the range's cells (see cell-spool.ts). */
async function* cscChunks(
  storage: SparseStorage,
  layout: CompressedLayout,
  context: ChunkContext,
  cellsPerChunk: number,
  range: CellRange,
  spools: Set<CellBucketSpool>,
): AsyncGenerator<CellChunk> {
  if (range.start === range.end) return;
  const spool = new CellBucketSpool(range.end - range.start, cellsPerChunk);
  spools.add(spool);
  try {
    const geneStarts = readAllPointers(storage, layout);
    const nnz = geneStarts[context.nGenes] ?? 0;
    let gene = 0;
    for (let blockStart = 0; blockStart < nnz; blockStart += CSC_READ_ENTRIES) {
      const blockEnd = Math.min(nnz, blockStart + CSC_READ_ENTRIES);
      const { indices: cells, values } = readEntries(storage, blockStart, blockEnd, layout);
      for (let k = 0; k < cells.length; k++) {
        const position = blockStart + k;
        while ((geneStarts[gene + 1] ?? nnz) <= position) gene++;
        const cell = cells[k] ?? 0;
        if (cell >= range.start && cell < range.end) spool.add(cell - range.start, gene, values[k] ?? 0);
      }
      await yieldToEventLoop();
    }
    spool.finish();
    for (const bucket of spool.buckets()) {
      for (const rows of sliceRows(bucket, cellsPerChunk)) {
        yield makeChunk(context, range.start + bucket.firstCell + rows.offset, rows);
      }
      await yieldToEventLoop();
    }
  } finally {
    spool.dispose();
    spools.delete(spool);
  }
}
