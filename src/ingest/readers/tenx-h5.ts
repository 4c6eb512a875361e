/**
 * Cell Ranger's HDF5 feature-barcode matrix (`filtered_feature_bc_matrix.h5`):
 * - Cell Ranger ≥ 3: `/matrix/{data,indices,indptr,shape,barcodes}` and
 *   `/matrix/features/{id,name,feature_type,genome}`;
 * - Cell Ranger 2: one group per genome, `/<genome>/{data,indices,indptr,shape,barcodes,genes,gene_names}`.
 *   Files with several genome groups are refused (scanpy also makes you pick one).
 *
 * The matrix is CSC over features × barcodes: indptr runs over barcodes, so each barcode's slice
 * of indices/data is one cell's row over the features. A chunk (or a cell range) is read by
 * slicing indptr, so memory is the chunk's own entries and several processes can read disjoint
 * ranges of one file. As `scanpy.read_10x_h5` does by default (`gex_only=True`), only
 * "Gene Expression" features are kept; antibody capture, CRISPR guide and other features are
 * dropped and the gene indices renumbered.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AtlasError } from '../../errors.ts';
import type { CellRange, ExpressionSource } from './types.ts';
import type { Dataset, Group, H5File } from './hdf5.ts';
import {
  assertFiltersSupported,
  assertNumericDataset,
  datasetLength,
  decodeStrings,
  getChild,
  isDataset,
  isGroup,
  openHdf5,
  readNumericRows,
  readRows,
  toNumberArray,
} from './hdf5.ts';
import { normalizeRows, remapColumns } from './csr.ts';
import type { CompressedArrays, CompressedLayout } from './hdf5-sparse.ts';
import { checkCompressedArrays, dimensionMismatch, readCompressedRows } from './hdf5-sparse.ts';
import { checkChunkRequest, chunkBounds } from './chunk-request.ts';
import type { CellChunk, GeneTable } from '../../model/cells.ts';

const GENE_EXPRESSION = 'Gene Expression';
const REMEDY = 'export it again with Cell Ranger, or read the matrix folder it wrote next to it';

export interface TenxH5Source extends ExpressionSource {
  readonly version: 'v2' | 'v3';
  /** Genes kept (Gene Expression features). */
  readonly nGenes: number;
  /** Features in the file, kept or not. */
  readonly nFeatures: number;
  readonly storedEntries: number;
}

interface MatrixGroup {
  readonly version: 'v2' | 'v3';
  /** `matrix` (v3) or the genome's name (v2). */
  readonly location: string;
  readonly group: Group;
}

/** The matrix group: `/matrix`, or the only top-level group holding `barcodes` (Cell Ranger 2). */
function findMatrixGroup(file: H5File, filePath: string): MatrixGroup {
  const matrix = getChild(file, 'matrix');
  if (isGroup(matrix)) return { version: 'v3', location: 'matrix', group: matrix };
  const genomes = file.keys().filter((name) => {
    const entity = file.get(name);
    return isGroup(entity) && getChild(entity, 'barcodes') !== null;
  });
  const [only] = genomes;
  if (genomes.length === 1 && only !== undefined) return { version: 'v2', location: only, group: file.get(only) as Group };
  if (genomes.length === 0) {
    throw new AtlasError(
      'UNSUPPORTED_FORMAT',
      `${filePath} is HDF5 but holds neither /matrix (Cell Ranger ≥ 3) nor a genome group with barcodes ` +
        '(Cell Ranger 2); it is not a Cell Ranger matrix. Pass an .h5ad or a 10x matrix folder.',
      { path: filePath },
    );
  }
  throw new AtlasError(
    'UNSUPPORTED_FORMAT',
    `${filePath} holds ${genomes.length} genome matrices (${genomes.join(', ')}), Cell Ranger 2's layout for a ` +
      'multi-genome reference; this reader takes one matrix per file. Read one genome at a time: use its matrix ' +
      `folder (filtered_gene_bc_matrices/${genomes[0]}/), or split in Python: ` +
      `\`scanpy.read_10x_h5(path, genome="${genomes[0]}").write_h5ad("${genomes[0]}.h5ad")\`.`,
    { path: filePath, genomes },
  );
}

function requireDataset(group: Group, member: string, location: string, filePath: string): Dataset {
  const entity = getChild(group, member);
  if (!isDataset(entity)) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${filePath}: Cell Ranger matrix /${location} has no '${member}' dataset. The file is damaged or incomplete; ${REMEDY}.`,
      { path: filePath, field: `${location}/${member}` },
    );
  }
  assertFiltersSupported(entity, filePath);
  return entity;
}

function optionalDataset(group: Group, member: string, filePath: string): Dataset | undefined {
  const entity = getChild(group, member);
  if (!isDataset(entity)) return undefined;
  assertFiltersSupported(entity, filePath);
  return entity;
}

function readAllStrings(dataset: Dataset, filePath: string): string[] {
  const length = datasetLength(dataset);
  return length === 0 ? [] : decodeStrings(readRows(dataset, 0, length, filePath));
}

interface FeatureDatasets {
  readonly ids: Dataset;
  readonly names: Dataset | undefined;
  readonly types: Dataset | undefined;
  readonly genomes: Dataset | undefined;
}

function featureDatasets(matrix: MatrixGroup, filePath: string): FeatureDatasets {
  if (matrix.version === 'v2') {
    return {
      ids: requireDataset(matrix.group, 'genes', matrix.location, filePath),
      names: optionalDataset(matrix.group, 'gene_names', filePath),
      types: undefined,
      genomes: undefined,
    };
  }
  const features = getChild(matrix.group, 'features');
  if (!isGroup(features)) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${filePath}: Cell Ranger matrix /matrix has no 'features' group. The file is damaged or incomplete; ${REMEDY}.`,
      { path: filePath, field: 'matrix/features' },
    );
  }
  return {
    ids: requireDataset(features, 'id', 'matrix/features', filePath),
    names: optionalDataset(features, 'name', filePath),
    types: optionalDataset(features, 'feature_type', filePath),
    genomes: optionalDataset(features, 'genome', filePath),
  };
}

/** [features, barcodes] from the `shape` dataset. */
function readShape(group: Group, location: string, filePath: string): [number, number] {
  const dataset = requireDataset(group, 'shape', location, filePath);
  const values = datasetLength(dataset) === 2 ? toNumberArray(readNumericRows(dataset, 0, 2, filePath)) : [];
  const [nFeatures, nBarcodes] = values;
  if (nFeatures === undefined || nBarcodes === undefined) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${filePath}: /${location}/shape must hold 2 numbers (features, barcodes); the file is damaged. ${REMEDY}.`,
      { path: filePath, field: `${location}/shape` },
    );
  }
  return [nFeatures, nBarcodes];
}

export async function openTenxH5(filePath: string): Promise<TenxH5Source> {
  const file = await openHdf5(filePath);
  try {
    return buildSource(file, filePath);
  } catch (error) {
    file.close();
    throw error;
  }
}

function buildSource(file: H5File, filePath: string): TenxH5Source {
  const matrix = findMatrixGroup(file, filePath);
  const { location, group } = matrix;
  const arrays: CompressedArrays = {
    data: requireDataset(group, 'data', location, filePath),
    indices: requireDataset(group, 'indices', location, filePath),
    indptr: requireDataset(group, 'indptr', location, filePath),
  };
  assertNumericDataset(arrays.data, filePath);
  const barcodes = requireDataset(group, 'barcodes', location, filePath);
  const features = featureDatasets(matrix, filePath);
  const [nFeatures, nCells] = readShape(group, location, filePath);

  const listed = (dataset: Dataset | undefined, expected: number, what: string): void => {
    if (!dataset || datasetLength(dataset) === expected) return;
    throw dimensionMismatch(
      filePath,
      dataset.path,
      `${dataset.path} lists ${datasetLength(dataset)} ${what} but /${location}/shape says the matrix is ` +
        `${nFeatures} features × ${nCells} barcodes. The file is damaged; ${REMEDY}.`,
      { listed: datasetLength(dataset), nFeatures, nCells },
    );
  };
  listed(barcodes, nCells, 'barcodes');
  for (const dataset of [features.ids, features.names, features.types, features.genomes]) listed(dataset, nFeatures, 'features');

  const layout: CompressedLayout = {
    filePath,
    location,
    major: { length: nCells, name: 'barcodes' },
    minor: { length: nFeatures, name: 'features' },
    remedy: REMEDY,
    misfit: 'The matrix and its barcode list do not belong together',
  };
  if (nCells > 0) checkCompressedArrays(arrays, layout);

  const ids = readAllStrings(features.ids, filePath);
  const names = features.names ? readAllStrings(features.names, filePath) : undefined;
  const types = features.types ? readAllStrings(features.types, filePath) : undefined;
  const genomes = features.genomes ? readAllStrings(features.genomes, filePath) : undefined;

  // Gene Expression features keep their order; every other feature maps to −1 (dropped).
  const newIndexOf = new Int32Array(nFeatures).fill(-1);
  const kept: number[] = [];
  for (let feature = 0; feature < nFeatures; feature++) {
    if (types && types[feature] !== GENE_EXPRESSION) continue;
    newIndexOf[feature] = kept.length;
    kept.push(feature);
  }
  if (nCells === 0 || kept.length === 0) {
    const found = types ? [...new Set(types)].join(', ') : 'none';
    throw new AtlasError(
      'EMPTY_MATRIX',
      `${filePath}: /${location} has ${nCells} barcodes and ${kept.length} Gene Expression features ` +
        `(of ${nFeatures}; feature types present: ${found || 'none'}); there is nothing to read.`,
      { path: filePath, field: location, nCells, nGenes: kept.length, nFeatures },
    );
  }
  const dropsFeatures = kept.length < nFeatures;
  const pick = (values: readonly string[]): string[] => (dropsFeatures ? kept.map((feature) => values[feature] ?? '') : [...values]);
  const columns: Record<string, string[]> = {};
  if (names) columns['gene_symbols'] = pick(names);
  if (types) columns['feature_types'] = pick(types);
  if (genomes) columns['genome'] = pick(genomes);
  const genes: GeneTable = { index: pick(ids), columns };

  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new AtlasError('INVALID_INPUT', `${filePath} was closed; open it again to read it.`);
  };

  async function* chunksOf(range: CellRange, cellsPerChunk: number): AsyncGenerator<CellChunk> {
    for (const { start, end } of chunkBounds(range, cellsPerChunk)) {
      const stored = readCompressedRows(arrays, start, end, layout);
      const { indptr, indices, values } = normalizeRows(dropsFeatures ? remapColumns(stored, newIndexOf) : stored);
      const cellIds = decodeStrings(readRows(barcodes, start, end, filePath));
      yield { start, cellIds, indptr, indices, values, obs: {} };
      await yieldToEventLoop();
    }
  }

  return {
    path: filePath,
    format: '10x-h5',
    version: matrix.version,
    nCells,
    nGenes: kept.length,
    nFeatures,
    genes,
    obsColumns: [],
    matrixLocation: `${location}/data`,
    // scanpy.read_10x_h5 loads the counts as float32, so LangCell's arithmetic on them is float32.
    valuePrecision: 'float32',
    storedEntries: datasetLength(arrays.data),
    chunks(cellsPerChunk, requested) {
      const range = checkChunkRequest(cellsPerChunk, requested, nCells, filePath);
      assertOpen();
      return chunksOf(range, cellsPerChunk);
    },
    async cellIds() {
      assertOpen();
      return readAllStrings(barcodes, filePath);
    },
    async close() {
      if (closed) return;
      closed = true;
      file.close();
    },
  };
}
