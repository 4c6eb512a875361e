import type { DatasetRecord, DatasetState } from './records.ts';
import { parseValueKind, type ValueKind } from '../model/expression-values.ts';
import type { Database } from './database.ts';
import { Prisma, type Dataset } from './generated/client.ts';

/** Every column the record carries (`sourceBytes`, a BigInt, stays in the store). */
const RECORD_COLUMNS = {
  id: true,
  name: true,
  state: true,
  sourcePath: true,
  sourceSha256: true,
  format: true,
  matrixLocation: true,
  valueKind: true,
  species: true,
  modelId: true,
  cellCount: true,
  totalCells: true,
  genesMatched: true,
  genesTotal: true,
  labelColumn: true,
  metadataColumns: true,
  createdAt: true,
  completedAt: true,
} as const satisfies Prisma.DatasetSelect;

type DatasetRow = Pick<Dataset, keyof typeof RECORD_COLUMNS>;

/** The column is text; every writer stores a `ValueKind`, and a row that does not is refused loudly. */
function toValueKind(value: string): ValueKind {
  const kind = parseValueKind(value);
  if (kind !== null) return kind;
  throw new Error(`dataset.value_kind holds ${JSON.stringify(value)}, not a value kind (counts, normalized, log1p, logB(x+1))`);
}

function toRecord(row: DatasetRow): DatasetRecord {
  return {
    id: row.id,
    name: row.name,
    state: row.state,
    sourcePath: row.sourcePath,
    sourceSha256: row.sourceSha256,
    format: row.format,
    matrixLocation: row.matrixLocation,
    valueKind: toValueKind(row.valueKind),
    species: row.species,
    modelId: row.modelId,
    cellCount: row.cellCount,
    totalCells: row.totalCells,
    genesMatched: row.genesMatched,
    genesTotal: row.genesTotal,
    labelColumn: row.labelColumn,
    metadataColumns: row.metadataColumns,
    createdAt: row.createdAt,
    completedAt: row.completedAt,
  };
}

export async function listDatasets(db: Database): Promise<DatasetRecord[]> {
  const rows = await db.prisma.dataset.findMany({ select: RECORD_COLUMNS, orderBy: { id: 'asc' } });
  return rows.map(toRecord);
}

export async function getDataset(db: Database, where: { id: number } | { name: string }): Promise<DatasetRecord | null> {
  const row = await db.prisma.dataset.findUnique({ where: 'id' in where ? { id: where.id } : { name: where.name }, select: RECORD_COLUMNS });
  return row ? toRecord(row) : null;
}

/** Deletes a dataset with its cells and jobs (cascade); returns what it was, or null when there was none. */
export async function deleteDataset(db: Database, id: number): Promise<DatasetRecord | null> {
  try {
    return toRecord(await db.prisma.dataset.delete({ where: { id }, select: RECORD_COLUMNS }));
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
    throw error;
  }
}

/** Datasets whose cells belong in the index: complete ones and those still being ingested. */
export async function indexableDatasets(db: Database): Promise<{ id: number; state: DatasetState }[]> {
  return db.prisma.dataset.findMany({
    where: { state: { in: ['READY', 'INGESTING'] } },
    select: { id: true, state: true },
    orderBy: { id: 'asc' },
  });
}

/** How many datasets there are, not counting an unfinished dataset of the given name (an interrupted first seeding). */
export async function countDatasets(db: Database, options: { ignoreUnfinished?: string } = {}): Promise<number> {
  const ignored = options.ignoreUnfinished;
  if (ignored === undefined) return db.prisma.dataset.count();
  return db.prisma.dataset.count({ where: { NOT: { name: ignored, state: { not: 'READY' } } } });
}
