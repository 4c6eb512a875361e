import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import { DEFAULT_BATCHING } from '../model/batching.ts';
import { LangCellModel } from '../model/langcell.ts';
import { Database } from '../store/database.ts';
import { registerModel } from '../store/models.ts';
import type { IngestionContext } from './ingestion.ts';
import { IngestQueue } from './queue.ts';

/** The model as configured (bundle, execution provider, threads, token budget). */
export function openConfiguredModel(config: Config): Promise<LangCellModel> {
  return LangCellModel.open({
    bundleDir: config.LANGCELL_BUNDLE,
    session: { provider: config.LANGCELL_EXECUTION_PROVIDER, cpuThreads: config.LANGCELL_CPU_THREADS },
    batching: { ...DEFAULT_BATCHING, tokenBudget: config.LANGCELL_TOKEN_BUDGET },
  });
}

export function openConfiguredDatabase(config: Config, log: (message: string) => void): Promise<Database> {
  return Database.open({ url: config.DATABASE_URL, dataDir: resolve(config.LANGCELL_DATA_DIR), embeddedPort: config.LANGCELL_EMBEDDED_PG_PORT, log });
}

/** An ingestion context that owns its database and queue connections. */
export type OpenIngestionContext = IngestionContext & { close(): Promise<void> };

/**
 * Database (migrated), model (registered against stored embeddings) and queue: what ingestion
 * needs, and what the Atlas builds on. `ingest` and `worker` processes use it without an index.
 */
export async function openIngestionContext(config: Config, log: (message: string) => void): Promise<OpenIngestionContext> {
  const db = await openConfiguredDatabase(config, log);
  try {
    const model = await openConfiguredModel(config);
    await registerModel(db, model.bundle);
    const queue = await IngestQueue.start(db.url, { chunkTimeoutSeconds: config.LANGCELL_CHUNK_TIMEOUT_S }, log);
    return {
      db,
      model,
      queue,
      chunkSize: config.LANGCELL_INGEST_CHUNK_CELLS,
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
