/** The atlas as the configuration describes it, for `serve` and the CLI's atlas commands. */
import { Atlas, type AtlasOptions } from '../atlas/atlas.ts';
import type { Config } from '../config.ts';
import { indexOptions, openRuntime, type Log } from '../runtime.ts';

export interface AtlasUse {
  /** A serving process: takes chunks, follows the database, opens and saves the index. */
  readonly serving: boolean;
  readonly log: Log;
  readonly prepare?: AtlasOptions['prepare'];
}

export async function openConfiguredAtlas(config: Config, use: AtlasUse): Promise<Atlas> {
  const runtime = await openRuntime(config, use.log);
  return Atlas.open(runtime, {
    worker: use.serving && config.LANGCELL_INGEST_WORKER === 'on',
    openIndexAtStart: use.serving,
    // A CLI command reads the index beside a possibly running server: it never writes the file.
    index: indexOptions(config, runtime.model, { persist: use.serving, follow: use.serving, log: use.log }),
    abstainBelow: config.LANGCELL_ABSTAIN_BELOW,
    maxRerank: config.LANGCELL_MAX_RERANK,
    textCacheSize: config.LANGCELL_TEXT_CACHE_SIZE,
    fitInBackground: use.serving,
    ...(use.prepare ? { prepare: use.prepare } : {}),
  });
}
