// Loads the demo atlas and its cell-type labels into the database:
//   npm run db:seed            (the service's first start does the same on an empty database)
//
// The cells are generated in memory (seed/atlas.ts) and go through the same store path as a file
// ingestion — dataset, job, chunks, one transaction per chunk, READY when the last one commits —
// only the reader is replaced by the generator.

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { LabelInput } from '../src/atlas/types.ts';
import { loadConfig } from '../src/config.ts';
import { bundleVocabulary } from '../src/model/gene-vocabulary.ts';
import { resolveGenes } from '../src/model/genes.ts';
import { LangCellModel } from '../src/model/langcell.ts';
import type { NewCell } from '../src/store/cells.ts';
import { Database } from '../src/store/database.ts';
import { getDataset } from '../src/store/datasets.ts';
import { commitChunk, createIngestion, endJob } from '../src/store/jobs.ts';
import { upsertLabels } from '../src/store/labels.ts';
import { registerModel } from '../src/store/models.ts';
import { DEFAULT_CELL_COUNT, DEFAULT_SEED, demoChunk, iterateDemoAtlasCells, type DemoCellRow } from './atlas.ts';
import { GENES } from './genes.ts';
import { CELL_TYPE_LABELS } from './labels.ts';
import type { ObsValue } from '../src/model/cells.ts';

export const DEMO_DATASET_NAME = 'demo-atlas';
const DEMO_SOURCE = 'seed:demo-atlas';

export interface SeedContext {
  readonly db: Database;
  readonly model: LangCellModel;
  readonly chunkSize: number;
  readonly log: (message: string) => void;
}

export function demoLabelInputs(): LabelInput[] {
  return CELL_TYPE_LABELS.map((label) => ({
    name: label.name,
    ontologyId: label.ontologyId,
    description: label.definition,
    synonyms: label.synonyms,
    parents: label.parents.map((p) => p.id),
  }));
}

function metadataOf(row: DemoCellRow): Record<string, ObsValue> {
  const { cell } = row;
  return { split: cell.split, donor: cell.donor, batch: cell.batch, n_counts: cell.nCounts, n_genes: cell.nGenes, cell_type_ontology_term_id: cell.ontologyId };
}

/** Labels (upserted) and the demo dataset (skipped when already there). Returns the dataset id. */
export async function seedDemo(ctx: SeedContext, cells = DEFAULT_CELL_COUNT): Promise<number> {
  const labels = await upsertLabels(ctx.db, demoLabelInputs());
  ctx.log(`demo labels: ${labels.created} created, ${labels.updated} updated`);
  const existing = await getDataset(ctx.db, { name: DEMO_DATASET_NAME });
  if (existing?.state === 'READY') return existing.id;
  if (existing) await ctx.db.pool.query('DELETE FROM dataset WHERE id = $1', [existing.id]);

  const mapping = resolveGenes({ index: GENES.map((g) => g.ensemblId), columns: {} }, bundleVocabulary(ctx.model.bundle), DEMO_SOURCE);
  const digest = createHash('sha256').update(`demo-atlas seed=${DEFAULT_SEED} cells=${cells} model=${ctx.model.id}`).digest('hex');
  const { datasetId, jobId } = await createIngestion(ctx.db, {
    dataset: {
      name: DEMO_DATASET_NAME,
      sourcePath: DEMO_SOURCE,
      sourceSha256: digest,
      sourceBytes: 0,
      format: 'generated',
      matrixLocation: 'seed/atlas.ts',
      valueKind: 'counts',
      species: 'human',
      modelId: ctx.model.id,
      totalCells: cells,
      genesMatched: mapping.matched,
      genesTotal: mapping.total,
      labelColumn: 'cell_type',
      metadataColumns: ['split', 'donor', 'batch', 'n_counts', 'n_genes', 'cell_type_ontology_term_id'],
    },
    options: { source: DEMO_SOURCE, seed: DEFAULT_SEED, cells },
    chunkSize: ctx.chunkSize,
  });
  const started = performance.now();
  let batch: DemoCellRow[] = [];
  let index = 0;
  let start = 0;
  const flush = async () => {
    const chunk = demoChunk(batch, start);
    const tokens = ctx.model.cellTokenizer.tokenizeChunk(chunk, mapping, 'counts');
    const { embeddings } = await ctx.model.embedCells(tokens);
    const dim = ctx.model.embeddingDim;
    const rows: NewCell[] = batch.map((row, i) => ({
      rowIndex: start + i,
      externalId: row.cell.id,
      label: row.cell.label,
      metadata: metadataOf(row),
      tokens: tokens[i]!,
      embedding: embeddings.subarray(i * dim, (i + 1) * dim),
    }));
    await commitChunk(ctx.db, { jobId, index, datasetId, cells: rows, timings: {} });
    index += 1;
    start += batch.length;
    batch = [];
    ctx.log(`demo atlas: ${start}/${cells} cells`);
  };
  try {
    for (const row of iterateDemoAtlasCells({ cells })) {
      batch.push(row);
      if (batch.length === ctx.chunkSize) await flush();
    }
    if (batch.length > 0) await flush();
  } catch (error) {
    await endJob(ctx.db, jobId, 'FAILED', { code: 'SEED_FAILED', message: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  ctx.log(`demo atlas: ${cells} cells stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return datasetId;
}

/**
 * Seeds a database that holds no dataset (a first start), or whose only dataset is an unfinished
 * demo atlas (a first start that was interrupted).
 */
export async function seedIfEmpty(ctx: SeedContext): Promise<boolean> {
  const others = await ctx.db.pool.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM dataset WHERE NOT (name = $1 AND state <> 'READY')`,
    [DEMO_DATASET_NAME],
  );
  if (Number(others.rows[0]!.count) > 0) return false;
  ctx.log('empty database: seeding the demo atlas and its labels');
  await seedDemo(ctx);
  return true;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const db = await Database.open({ url: config.DATABASE_URL, dataDir: resolve(config.LANGCELL_DATA_DIR), embeddedPort: config.LANGCELL_EMBEDDED_PG_PORT, log });
  try {
    const model = await LangCellModel.open({ bundleDir: config.LANGCELL_BUNDLE });
    await registerModel(db, model.bundle);
    await seedDemo({ db, model, chunkSize: config.LANGCELL_INGEST_CHUNK_CELLS, log });
  } finally {
    await db.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
