/**
 * Start-up: the one place that opens what every process of the service stands on — the database
 * (embedded unless DATABASE_URL, migrated), the model (bundle verified, execution provider chosen
 * and logged, registered against the stored embeddings) and the ingestion queue — from the config.
 * `Atlas.open`, the CLI, the demo seed and the benchmarks all start here.
 */
import { join, resolve } from 'node:path';
import type { Config } from './config.ts';
import type { IngestionContext } from './ingest/ingestion.ts';
import { IngestQueue } from './ingest/queue.ts';
import { DEFAULT_HNSW_PARAMS, type VectorIndexOptions } from './index/index.ts';
import { DEFAULT_BATCHING } from './model/batching.ts';
import { LangCellModel } from './model/langcell.ts';
import { Database } from './store/database.ts';
import { registerModel } from './store/models.ts';

export type Log = (message: string) => void;

/** Benchmarks only: open a bundle's int8 graphs that have no fidelity record yet. */
export interface ModelUse {
  readonly allowUnmeasuredInt8?: boolean;
}

/**
 * The model as configured: bundle, precision (fp32 or the bundle's measured int8 twins), execution
 * provider (the chosen one is logged when the first graph loads), threads, token budget.
 */
export async function openModel(config: Config, log: Log, use: ModelUse = {}): Promise<LangCellModel> {
  const model = await LangCellModel.open({
    bundleDir: config.LANGCELL_BUNDLE,
    session: { provider: config.LANGCELL_EXECUTION_PROVIDER, cpuThreads: config.LANGCELL_CPU_THREADS, log },
    batching: { ...DEFAULT_BATCHING, tokenBudget: config.LANGCELL_TOKEN_BUDGET },
    precision: config.LANGCELL_PRECISION,
    ...(use.allowUnmeasuredInt8 ? { allowUnmeasuredInt8: true } : {}),
    log,
  });
  log(`execution provider ${config.LANGCELL_EXECUTION_PROVIDER} requested`);
  return model;
}

/** The configured database, migrated; says which one it opened (a CLI run without the server's environment opens another). */
export async function openDatabase(config: Config, log: Log): Promise<Database> {
  const db = await Database.open({ url: config.DATABASE_URL, dataDir: resolve(config.LANGCELL_DATA_DIR), embeddedPort: config.LANGCELL_EMBEDDED_PG_PORT, log });
  log(`database: ${db.describe()}`);
  return db;
}

/** Database, model and queue, open together; `close` stops the queue, then the database. */
export interface Runtime extends IngestionContext {
  close(): Promise<void>;
}

export async function openRuntime(config: Config, log: Log, use: ModelUse = {}): Promise<Runtime> {
  const db = await openDatabase(config, log);
  try {
    const model = await openModel(config, log, use);
    await registerModel(db, model.bundle);
    const queue = await IngestQueue.start(db.url, { chunkTimeoutSeconds: config.LANGCELL_CHUNK_TIMEOUT_S }, log);
    return {
      db,
      model,
      queue,
      chunkSize: config.LANGCELL_INGEST_CHUNK_CELLS,
      shareSources: config.LANGCELL_SHARE_SOURCES === 'on',
      sourceCacheDir: join(resolve(config.LANGCELL_DATA_DIR), 'sources'),
      log,
      close: async () => {
        await queue.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The vector index as configured: `<LANGCELL_DATA_DIR>/index/<model id>`, HNSW parameters with tuned defaults. */
export function indexOptions(
  config: Config,
  model: { readonly id: string; readonly embeddingDim: number },
  use: Pick<VectorIndexOptions, 'persist' | 'follow' | 'rebuild' | 'log'>,
): VectorIndexOptions {
  return {
    modelId: model.id,
    dim: model.embeddingDim,
    dir: join(resolve(config.LANGCELL_DATA_DIR), 'index', model.id),
    params: {
      M: config.LANGCELL_HNSW_M ?? DEFAULT_HNSW_PARAMS.M,
      efConstruction: config.LANGCELL_HNSW_EF_CONSTRUCTION ?? DEFAULT_HNSW_PARAMS.efConstruction,
      efSearch: config.LANGCELL_HNSW_EF_SEARCH ?? DEFAULT_HNSW_PARAMS.efSearch,
    },
    checkpointSeconds: config.LANGCELL_INDEX_CHECKPOINT_S,
    ...use,
  };
}
