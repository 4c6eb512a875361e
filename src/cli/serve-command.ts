import type { Command } from 'commander';
import type { AtlasOptions } from '../atlas/atlas.ts';
import { createLogger } from '../api/logger.ts';
import { serve } from '../api/serve.ts';
import type { Config } from '../config.ts';
import { openConfiguredAtlas } from './open-atlas.ts';

export interface ServeHooks {
  /** Seeds an empty database before the index opens (the CLI entry passes the demo atlas's seed). */
  readonly seedWhenEmpty?: AtlasOptions['prepare'];
}

/**
 * `langcell-atlas serve` (what `npm start` runs): database (embedded unless DATABASE_URL),
 * migrations, demo atlas on an empty database, index verified or built, then the GraphQL service.
 */
export function registerServeCommand(program: Command, config: Config, hooks: ServeHooks): void {
  program
    .command('serve')
    .description('the service on PORT: the explorer at /, GraphQL (GraphiQL) at /graphql, health at /healthz')
    .action(async () => {
      const logger = createLogger(config);
      const started = Date.now();
      const atlas = await openConfiguredAtlas(config, {
        serving: true,
        log: (message: string) => logger.info(message),
        ...(hooks.seedWhenEmpty ? { prepare: hooks.seedWhenEmpty } : {}),
      });
      const { url } = await serve({
        atlas,
        config,
        logger,
        layouts: atlas.layouts,
        onClosed: async () => {
          await atlas.close();
          logger.info('index saved, database closed');
        },
      });
      logger.info(
        { model: atlas.model().bundleId, cells: (await atlas.health()).indexedCells, seconds: (Date.now() - started) / 1000 },
        `langcell-atlas ready: the explorer at ${url}/, GraphQL at ${url}/graphql`,
      );
    });
}
