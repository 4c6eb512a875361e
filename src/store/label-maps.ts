/** Each reference dataset's own label strings mapped onto catalogue labels (harmonisation), with how and for how many cells. */
import type { Database } from './database.ts';

/** How a mapping entry was made: from a mapping file, by an admin, by name/synonym/ontology id, via the ontology graph, by text embedding, or not at all. */
export const MAPPING_METHODS = ['FILE', 'ADMIN', 'NAME', 'SYNONYM', 'ONTOLOGY_ID', 'ANCESTOR', 'EMBEDDING', 'UNMAPPED'] as const;
export type MappingMethod = (typeof MAPPING_METHODS)[number];

export interface LabelMapEntry {
  readonly datasetId: number;
  readonly sourceLabel: string;
  readonly labelId: number | null;
  /** The ontology term the source label stands for, when known (it may be finer than `labelId`). */
  readonly ontologyId: string | null;
  readonly method: MappingMethod;
  /** Embedding similarity (EMBEDDING) or the margin-checked score; null for rule-based methods. */
  readonly score: number | null;
  readonly cells: number;
  /** The label catalogue version an automatic entry was decided under (recomputed when it changes). */
  readonly catalogueVersion: string | null;
}

function toMethod(value: string): MappingMethod {
  return (MAPPING_METHODS as readonly string[]).includes(value) ? (value as MappingMethod) : 'UNMAPPED';
}

export async function listLabelMaps(db: Database, datasetIds?: readonly number[]): Promise<LabelMapEntry[]> {
  const rows = await db.prisma.datasetLabelMap.findMany({
    ...(datasetIds ? { where: { datasetId: { in: [...datasetIds] } } } : {}),
    orderBy: [{ datasetId: 'asc' }, { cells: 'desc' }, { sourceLabel: 'asc' }],
  });
  return rows.map((row) => ({ ...row, method: toMethod(row.method) }));
}

/** Inserts or replaces entries by (dataset, source label). */
export async function upsertLabelMaps(db: Database, entries: readonly LabelMapEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.pool.query(
    `INSERT INTO dataset_label_map (dataset_id, source_label, label_id, ontology_id, method, score, cells, catalogue_version, updated_at)
     SELECT dataset_id, source_label, label_id, ontology_id, method, score, cells, catalogue_version, now()
       FROM jsonb_to_recordset($1::jsonb)
         AS e(dataset_id int, source_label text, label_id int, ontology_id text, method text, score float8, cells int, catalogue_version text)
     ON CONFLICT (dataset_id, source_label) DO UPDATE SET label_id = excluded.label_id, ontology_id = excluded.ontology_id,
       method = excluded.method, score = excluded.score, cells = excluded.cells, catalogue_version = excluded.catalogue_version, updated_at = now()`,
    [
      JSON.stringify(
        entries.map((e) => ({
          dataset_id: e.datasetId,
          source_label: e.sourceLabel,
          label_id: e.labelId,
          ontology_id: e.ontologyId,
          method: e.method,
          score: e.score,
          cells: e.cells,
          catalogue_version: e.catalogueVersion,
        })),
      ),
    ],
  );
}

/** Distinct label strings of a dataset's cells with their counts (unlabelled cells not included). */
export async function datasetLabelCounts(db: Database, datasetId: number): Promise<{ label: string; cells: number }[]> {
  const { rows } = await db.pool.query<{ label: string; cells: number }>(
    'SELECT label, count(*)::int AS cells FROM cell WHERE dataset_id = $1 AND label IS NOT NULL GROUP BY label ORDER BY count(*) DESC, label',
    [datasetId],
  );
  return rows;
}

/** Changes whenever any mapping entry changes (for caches). */
export async function labelMapsVersion(db: Database): Promise<string> {
  const { rows } = await db.pool.query<{ version: string }>(
    `SELECT count(*) || ':' || coalesce(extract(epoch FROM max(updated_at))::text, '') AS version FROM dataset_label_map`,
  );
  return rows[0]!.version;
}
