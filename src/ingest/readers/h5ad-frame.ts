/**
 * anndata dataframes (obs, var, raw/var) in every encoding the readers accept:
 *
 * - modern (anndata ≥ 0.8): a group with `encoding-type=dataframe`, `_index` naming the index
 *   dataset, `column-order`, and per column a dataset (numeric, boolean enum, `string-array`) or a
 *   group (`categorical`: codes + categories; `nullable-integer` / `nullable-boolean` /
 *   `nullable-string-array`: values + mask);
 * - anndata 0.7: the same group, but categoricals are integer code datasets whose `categories`
 *   attribute references a dataset in `<frame>/__categories/`;
 * - legacy anndata ≤ 0.6: the frame is one HDF5 compound dataset (member `index` holds the ids);
 *   categoricals are integer codes whose labels live in `uns/<column>_categories`.
 *
 * Rows are read by slices, so reading obs for a chunk costs the chunk, not the file.
 */
import { AtlasError } from '../../errors.ts';
import type { Dataset, Group, H5File, Metadata, NumericArray, OutputData } from './hdf5.ts';
import {
  H5T,
  assertFiltersSupported,
  attributeValue,
  datasetLength,
  decodeString,
  decodeStrings,
  getChild,
  isDataset,
  isGroup,
  readNumericRows,
  readRows,
  stringAttribute,
  stringListAttribute,
} from './hdf5.ts';
import type { ObsValue } from '../../model/cells.ts';

export type ColumnKind = 'string' | 'number' | 'boolean';

export interface FrameRows {
  readonly index: string[];
  readonly columns: Record<string, ObsValue[]>;
}

export interface DataFrameReader {
  /** Where the frame lives in the file, e.g. `obs`, `raw/var`, `raw.var`. */
  readonly location: string;
  readonly length: number;
  readonly columnKinds: ReadonlyMap<string, ColumnKind>;
  readRows(start: number, end: number): FrameRows;
  /** The index (cell or gene ids) of rows [start, end), without the columns. */
  readIndex(start: number, end: number): string[];
}

interface ColumnReader {
  readonly kind: ColumnKind;
  read(start: number, end: number): ObsValue[];
}

/** Opens `location` (a group or a compound dataset) as a dataframe. */
export function openFrame(file: H5File, location: string, filePath: string): DataFrameReader {
  const entity = file.get(location);
  if (isGroup(entity)) return openGroupFrame(file, entity, location, filePath);
  if (isDataset(entity) && entity.metadata.type === H5T.COMPOUND) {
    return openCompoundFrame(file, entity, location, filePath);
  }
  throw new AtlasError(
    'FILE_CORRUPT',
    `${filePath}: ${location} is missing or is not an anndata dataframe; the file cannot be read as .h5ad. ` +
      'Write it again with `adata.write_h5ad(path)`.',
    { path: filePath, field: location },
  );
}

function openGroupFrame(file: H5File, group: Group, location: string, filePath: string): DataFrameReader {
  const members = group.keys();
  const indexName =
    stringAttribute(group, '_index') ?? (members.includes('_index') ? '_index' : members.includes('index') ? 'index' : undefined);
  const indexEntity = indexName === undefined ? null : getChild(group, indexName);
  if (!isDataset(indexEntity)) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${filePath}: ${location} has no index dataset (looked for ${indexName ?? '_index / index'}). ` +
        'Write the file again with anndata.',
      { path: filePath, field: location },
    );
  }
  assertFiltersSupported(indexEntity, filePath);
  const length = datasetLength(indexEntity);

  const declaredOrder = stringListAttribute(group, 'column-order');
  const names = (declaredOrder ?? members).filter((name) => name !== indexName && name !== '__categories');
  const columns = new Map<string, ColumnReader>();
  for (const name of names) {
    const column = openGroupColumn(file, group, name, location, filePath);
    if (!column) continue;
    columns.set(name, column.reader);
    if (column.length !== length) {
      throw new AtlasError(
        'DIMENSION_MISMATCH',
        `${filePath}: column ${location}/${name} has ${column.length} rows but ${location} has ${length}. ` +
          'The file is inconsistent; write it again with anndata.',
        { path: filePath, field: `${location}/${name}`, rows: column.length, expected: length },
      );
    }
  }

  const readIndex = (start: number, end: number): string[] =>
    start === end ? [] : decodeStrings(readRows(indexEntity, start, end, filePath));
  return {
    location,
    length,
    columnKinds: new Map([...columns].map(([name, reader]) => [name, reader.kind])),
    readRows(start, end) {
      const values: Record<string, ObsValue[]> = {};
      for (const [name, reader] of columns) values[name] = reader.read(start, end);
      return { index: readIndex(start, end), columns: values };
    },
    readIndex,
  };
}

function openGroupColumn(
  file: H5File,
  frame: Group,
  name: string,
  location: string,
  filePath: string,
): { reader: ColumnReader; length: number } | undefined {
  const entity = getChild(frame, name);
  if (isDataset(entity)) {
    if ((entity.shape?.length ?? 0) !== 1) return undefined;
    assertFiltersSupported(entity, filePath);
    if (attributeValue(entity, 'categories') !== undefined) {
      const categories = findLegacyCategories(file, frame, entity, name);
      if (!categories) {
        throw new AtlasError(
          'FILE_CORRUPT',
          `${filePath}: ${location}/${name} is categorical (anndata 0.7) but its categories ` +
            `(${location}/__categories/${name}) are missing. Write the file again with anndata.`,
          { path: filePath, field: `${location}/${name}` },
        );
      }
      return { reader: categoricalReader(entity, categories, filePath), length: datasetLength(entity) };
    }
    const reader = plainColumnReader(entity, filePath);
    return reader && { reader, length: datasetLength(entity) };
  }
  if (!isGroup(entity)) return undefined;
  const encoding = stringAttribute(entity, 'encoding-type');
  if (encoding === 'categorical') {
    const codes = getChild(entity, 'codes');
    const categories = getChild(entity, 'categories');
    if (!isDataset(codes) || !isDataset(categories)) {
      throw new AtlasError(
        'FILE_CORRUPT',
        `${filePath}: categorical column ${location}/${name} lacks codes or categories. Write the file again with anndata.`,
        { path: filePath, field: `${location}/${name}` },
      );
    }
    assertFiltersSupported(codes, filePath);
    assertFiltersSupported(categories, filePath);
    return { reader: categoricalReader(codes, categories, filePath), length: datasetLength(codes) };
  }
  if (encoding === 'nullable-integer' || encoding === 'nullable-boolean' || encoding === 'nullable-string-array') {
    const values = getChild(entity, 'values');
    const mask = getChild(entity, 'mask');
    if (!isDataset(values)) return undefined;
    assertFiltersSupported(values, filePath);
    const inner = plainColumnReader(values, filePath);
    if (!inner) return undefined;
    const kind: ColumnKind = encoding === 'nullable-boolean' ? 'boolean' : inner.kind;
    const reader: ColumnReader = {
      kind,
      read(start, end) {
        const read = inner.read(start, end).map((value) => (kind === 'boolean' ? Boolean(value) : value));
        if (!isDataset(mask)) return read;
        const missing = readNumericRows(mask, start, end, filePath);
        return read.map((value, k) => (Number(missing[k]) !== 0 ? null : value));
      },
    };
    return { reader, length: datasetLength(values) };
  }
  return undefined;
}

/** anndata 0.7: categories sit in `<frame>/__categories/<name>`, also referenced by an attribute. */
function findLegacyCategories(file: H5File, frame: Group, codes: Dataset, name: string): Dataset | undefined {
  const holder = getChild(frame, '__categories');
  if (isGroup(holder)) {
    const byName = getChild(holder, name);
    if (isDataset(byName)) return byName;
  }
  // Fallback: follow the object reference (h5py stores it as a scalar, h5wasm may wrap it in an array).
  const stored = attributeValue(codes, 'categories');
  const reference = Array.isArray(stored) ? stored[0] : stored;
  if (reference && typeof reference === 'object' && 'ref_data' in reference) {
    try {
      const target = file.dereference(reference);
      if (isDataset(target)) return target;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function isBooleanEnum(metadata: Metadata): boolean {
  const members = metadata.enum_type?.members;
  return metadata.type === H5T.ENUM && members !== undefined && members['FALSE'] === 0 && members['TRUE'] === 1;
}

function kindOf(metadata: Metadata): ColumnKind | undefined {
  if (metadata.type === H5T.STRING) return 'string';
  if (isBooleanEnum(metadata)) return 'boolean';
  if (metadata.type === H5T.INTEGER || metadata.type === H5T.FLOAT) return 'number';
  return undefined;
}

function plainColumnReader(dataset: Dataset, filePath: string): ColumnReader | undefined {
  const kind = kindOf(dataset.metadata);
  if (kind === undefined) return undefined;
  return {
    kind,
    read(start, end) {
      if (start === end) return [];
      if (kind === 'string') return decodeStrings(readRows(dataset, start, end, filePath));
      const numbers = readNumericRows(dataset, start, end, filePath);
      return Array.from(numbers as ArrayLike<number | bigint>, (value) =>
        kind === 'boolean' ? Number(value) !== 0 : Number(value),
      );
    },
  };
}

function readCategoryLabels(categories: Dataset, filePath: string): ObsValue[] {
  const count = datasetLength(categories);
  if (count === 0) return [];
  const kind = kindOf(categories.metadata);
  if (kind === 'string') return decodeStrings(readRows(categories, 0, count, filePath));
  return Array.from(readNumericRows(categories, 0, count, filePath) as ArrayLike<number | bigint>, (value) =>
    kind === 'boolean' ? Number(value) !== 0 : Number(value),
  );
}

/** Integer codes → labels; code −1 (pandas' missing) → null. Labels are read once. */
function categoricalReader(codes: Dataset, categories: Dataset, filePath: string): ColumnReader {
  let labels: ObsValue[] | undefined;
  return {
    kind: kindOf(categories.metadata) ?? 'string',
    read(start, end) {
      labels ??= readCategoryLabels(categories, filePath);
      const known = labels;
      return decodeCodes(readNumericRows(codes, start, end, filePath), known, codes.path, filePath);
    },
  };
}

function decodeCodes(codes: NumericArray, labels: readonly ObsValue[], field: string, filePath: string): ObsValue[] {
  return Array.from(codes as ArrayLike<number | bigint>, (raw) => {
    const code = Number(raw);
    if (code < 0) return null;
    const label = labels[code];
    if (label === undefined) {
      throw new AtlasError(
        'FILE_CORRUPT',
        `${filePath}: ${field} has category code ${code} but only ${labels.length} categories. ` +
          'Write the file again with anndata.',
        { path: filePath, field, code },
      );
    }
    return label;
  });
}

/** Legacy anndata ≤ 0.6: the whole frame is a compound dataset, one member per column. */
function openCompoundFrame(file: H5File, dataset: Dataset, location: string, filePath: string): DataFrameReader {
  assertFiltersSupported(dataset, filePath);
  const members = dataset.metadata.compound_type?.members ?? [];
  const indexPosition = members.findIndex((member) => member.name === 'index');
  if (indexPosition < 0) {
    throw new AtlasError(
      'FILE_CORRUPT',
      `${filePath}: legacy compound dataframe ${location} has no 'index' member. Re-save the file with a current anndata.`,
      { path: filePath, field: location },
    );
  }
  const uns = file.get('uns');
  const columns: { name: string; position: number; kind: ColumnKind; labels?: ObsValue[] }[] = [];
  members.forEach((member, position) => {
    if (position === indexPosition) return;
    const categories = isGroup(uns) ? getChild(uns, `${member.name}_categories`) : null;
    if (member.type === H5T.INTEGER && isDataset(categories)) {
      const labels = readCategoryLabels(categories, filePath);
      const kind = kindOf(categories.metadata) ?? 'string';
      columns.push({ name: member.name, position, kind, labels });
      return;
    }
    const kind = kindOf(member);
    if (kind) columns.push({ name: member.name, position, kind });
  });

  const readRecords = (start: number, end: number): OutputData[][] => {
    const rows = start === end ? [] : readRows(dataset, start, end, filePath);
    if (!Array.isArray(rows)) {
      throw new AtlasError('FILE_CORRUPT', `${filePath}: could not read rows of ${location}.`, {
        path: filePath,
        field: location,
      });
    }
    return rows.map((row) => (Array.isArray(row) ? row : [row]));
  };
  const indexOf = (records: readonly OutputData[][]): string[] =>
    records.map((record) => decodeString(record[indexPosition] ?? ''));
  return {
    location,
    length: datasetLength(dataset),
    columnKinds: new Map(columns.map((column) => [column.name, column.kind])),
    readRows(start, end) {
      const records = readRecords(start, end);
      const index = indexOf(records);
      const values: Record<string, ObsValue[]> = {};
      for (const column of columns) {
        const cells = records.map((record) => record[column.position]);
        if (column.labels) {
          const codes = Float64Array.from(cells, (cell) => Number(cell));
          values[column.name] = decodeCodes(codes, column.labels, `${location}.${column.name}`, filePath);
        } else if (column.kind === 'string') {
          values[column.name] = cells.map((cell) => (cell === undefined ? null : decodeString(cell)));
        } else if (column.kind === 'boolean') {
          values[column.name] = cells.map((cell) => Number(cell) !== 0);
        } else {
          values[column.name] = cells.map((cell) => Number(cell));
        }
      }
      return { index, columns: values };
    },
    // The compound type is read whole; only the index member is decoded.
    readIndex: (start, end) => indexOf(readRecords(start, end)),
  };
}
