import type { DatasetRecord, DatasetState } from '../atlas/types.ts';
import type { Database } from './database.ts';

interface DatasetRow {
  id: number;
  name: string;
  state: DatasetState;
  source_path: string;
  source_sha256: string;
  format: string;
  species: string;
  model_id: string;
  cell_count: number;
  total_cells: number;
  genes_matched: number;
  genes_total: number;
  label_column: string | null;
  metadata_columns: string[] | null;
  created_at: Date;
  completed_at: Date | null;
}

function toRecord(row: DatasetRow): DatasetRecord {
  return {
    id: row.id,
    name: row.name,
    state: row.state,
    sourcePath: row.source_path,
    sourceSha256: row.source_sha256,
    format: row.format,
    species: row.species,
    modelId: row.model_id,
    cellCount: row.cell_count,
    totalCells: row.total_cells,
    genesMatched: row.genes_matched,
    genesTotal: row.genes_total,
    labelColumn: row.label_column,
    metadataColumns: row.metadata_columns ?? [],
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

export async function listDatasets(db: Database): Promise<DatasetRecord[]> {
  const result = await db.pool.query<DatasetRow>('SELECT * FROM dataset ORDER BY id');
  return result.rows.map(toRecord);
}

export async function getDataset(db: Database, where: { id: number } | { name: string }): Promise<DatasetRecord | null> {
  const result =
    'id' in where
      ? await db.pool.query<DatasetRow>('SELECT * FROM dataset WHERE id = $1', [where.id])
      : await db.pool.query<DatasetRow>('SELECT * FROM dataset WHERE name = $1', [where.name]);
  return result.rows[0] ? toRecord(result.rows[0]) : null;
}

/** Deletes a dataset with its cells and jobs (cascade); returns what it was. */
export async function deleteDataset(db: Database, id: number): Promise<DatasetRecord | null> {
  const result = await db.pool.query<DatasetRow>('DELETE FROM dataset WHERE id = $1 RETURNING *', [id]);
  return result.rows[0] ? toRecord(result.rows[0]) : null;
}

/** Datasets whose cells belong in the index: complete ones and those still being ingested. */
export async function indexableDatasets(db: Database): Promise<{ id: number; state: DatasetState }[]> {
  const result = await db.pool.query<{ id: number; state: DatasetState }>(
    `SELECT id, state FROM dataset WHERE state IN ('READY', 'INGESTING') ORDER BY id`,
  );
  return result.rows;
}
