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
import { stageTimer, storeChunk, type ChunkTarget } from '../src/ingest/store-chunk.ts';
import type { IngestionContext } from '../src/ingest/ingestion.ts';
import type { CellChunk, ObsValue } from '../src/model/cells.ts';
import { ValueKindGuard } from '../src/model/expression-values.ts';
import { bundleVocabulary } from '../src/model/gene-vocabulary.ts';
import { resolveGenes } from '../src/model/genes.ts';
import { openRuntime } from '../src/runtime.ts';
import { countDatasets, deleteDataset, getDataset } from '../src/store/datasets.ts';
import { createIngestion, endJob } from '../src/store/jobs.ts';
import { upsertLabels } from '../src/store/labels.ts';
import { upsertOntologyTerms } from '../src/store/ontology.ts';
import { DEMO_ONTOLOGY_TERMS } from './ontology.ts';
import { DEFAULT_CELL_COUNT, DEFAULT_SEED, demoChunk, iterateDemoAtlasCells, type DemoCellRow } from './atlas.ts';
import { GENES } from './genes.ts';
import { CELL_TYPE_LABELS } from './labels.ts';

export const DEMO_DATASET_NAME = 'demo-atlas';
const DEMO_SOURCE = 'seed:demo-atlas';

/** What seeding needs: the database and model of a runtime (its queue is not used: seeding runs in process). */
export type SeedContext = Pick<IngestionContext, 'db' | 'model' | 'chunkSize' | 'log'>;

export function demoLabelInputs(): LabelInput[] {
  return CELL_TYPE_LABELS.map((label) => ({
    name: label.name,
    ontologyId: label.ontologyId,
    description: label.definition,
    synonyms: label.synonyms,
    parents: label.parents.map((p) => p.id),
  }));
}

const METADATA_COLUMNS = ['split', 'donor', 'batch', 'n_counts', 'n_genes', 'cell_type_ontology_term_id'] as const;
type MetadataColumn = (typeof METADATA_COLUMNS)[number];

function metadataOf(row: DemoCellRow): Record<MetadataColumn, ObsValue> {
  const { cell } = row;
  return { split: cell.split, donor: cell.donor, batch: cell.batch, n_counts: cell.nCounts, n_genes: cell.nGenes, cell_type_ontology_term_id: cell.ontologyId };
}

/** Demo rows as a reader would yield them: counts as CSR, the label and metadata as obs columns. */
function demoCellChunk(rows: readonly DemoCellRow[], start: number): CellChunk {
  const obs: Record<string, ObsValue[]> = { cell_type: rows.map((row) => row.cell.label) };
  for (const column of METADATA_COLUMNS) obs[column] = rows.map((row) => metadataOf(row)[column]);
  return { ...demoChunk(rows, start), obs };
}

/** Labels (upserted) and the demo dataset (skipped when already there). Returns the dataset id. */
export async function seedDemo(ctx: SeedContext, cells = DEFAULT_CELL_COUNT): Promise<number> {
  const labels = await upsertLabels(ctx.db, demoLabelInputs());
  await upsertOntologyTerms(ctx.db, DEMO_ONTOLOGY_TERMS);
  ctx.log(`demo labels: ${labels.created} created, ${labels.updated} updated; ${DEMO_ONTOLOGY_TERMS.length} ontology terms above them`);
  const existing = await getDataset(ctx.db, { name: DEMO_DATASET_NAME });
  if (existing?.state === 'READY') return existing.id;
  if (existing) await deleteDataset(ctx.db, existing.id);

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
      metadataColumns: [...METADATA_COLUMNS],
    },
    options: { source: DEMO_SOURCE, seed: DEFAULT_SEED, cells },
    chunkSize: ctx.chunkSize,
  });
  const started = performance.now();
  const target: ChunkTarget = {
    jobId,
    datasetId,
    mapping,
    values: new ValueKindGuard(DEMO_SOURCE, 'counts'),
    valuePrecision: 'float64',
    labelColumn: 'cell_type',
  };
  let batch: DemoCellRow[] = [];
  let index = 0;
  let start = 0;
  const flush = async () => {
    await storeChunk(ctx, target, index, [demoCellChunk(batch, start)], stageTimer());
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
    await endJob(ctx.db, jobId, 'FAILED', { code: 'INTERNAL', message: `seeding failed: ${error instanceof Error ? error.message : String(error)}` });
    throw error;
  }
  ctx.log(`demo atlas: ${cells} cells stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return datasetId;
}

/**
 * Seeds a database that holds no dataset (a first start), or whose only dataset is an unfinished
 * demo atlas (a first start that was interrupted).
 */
/** An arbitrary constant: the advisory lock that lets one of several starting servers seed. */
const SEED_LOCK = 72_417_004;

/**
 * Seeds an empty database. Servers starting together on one database take turns (advisory lock):
 * the first seeds, the others then find the atlas there; without it the second deleted the first's
 * unfinished demo dataset and started over, and both reported the cells stored.
 */
export async function seedIfEmpty(ctx: SeedContext, cells = DEFAULT_CELL_COUNT): Promise<boolean> {
  return ctx.db.withLock(SEED_LOCK, async () => {
    if ((await countDatasets(ctx.db, { ignoreUnfinished: DEMO_DATASET_NAME })) > 0) return false;
    ctx.log('empty database: seeding the demo atlas and its labels');
    await seedDemo(ctx, cells);
    return true;
  });
}

/** `npm run db:seed`: the configured database and model (provider, threads, token budget), as the service opens them. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const runtime = await openRuntime(config, log);
  try {
    await seedDemo(runtime);
  } finally {
    await runtime.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
