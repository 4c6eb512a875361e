import type { Command } from 'commander';
import { Atlas } from '../atlas/atlas.ts';
import { createLogger } from '../api/logger.ts';
import { serve } from '../api/serve.ts';
import type { Config } from '../config.ts';

/**
 * `langcell-atlas serve` (what `npm start` runs): database (embedded unless DATABASE_URL),
 * migrations, demo atlas on an empty database, index verified or built, then the GraphQL service.
 */
export function registerServeCommand(program: Command, config: Config): void {
  program
    .command('serve')
    .description('the GraphQL service on PORT (GraphiQL at /graphql, health at /healthz)')
    .action(async () => {
      const logger = createLogger(config);
      const started = Date.now();
      const atlas = await Atlas.open(config, {
        worker: config.LANGCELL_INGEST_WORKER === 'on',
        seedWhenEmpty: true,
        persistIndex: true,
        log: (message) => logger.info(message),
      });
      const { url } = await serve({
        atlas,
        config,
        logger,
        onClosed: async () => {
          await atlas.close();
          logger.info('index saved, database closed');
        },
      });
      logger.info(
        { model: atlas.model().bundleId, cells: (await atlas.health()).indexedCells, seconds: (Date.now() - started) / 1000 },
        `langcell-atlas ready: GraphQL at ${url}/graphql`,
      );
    });
}
