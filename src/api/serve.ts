/**
 * `langcell-atlas serve`: the service on PORT/HOST until SIGINT or SIGTERM, then a graceful close
 * (requests in flight finish, subscriptions end) followed by the caller's own cleanup.
 */
import type { Logger } from 'pino';
import type { AtlasApi } from '../atlas/types.ts';
import type { Config } from '../config.ts';
import type { MapLayoutsApi } from './layout-route.ts';
import { createServer } from './server.ts';

export interface ServeOptions {
  readonly atlas: AtlasApi;
  readonly config: Config;
  readonly logger: Logger;
  /** The explorer's map (`Atlas.layouts`). */
  readonly layouts?: MapLayoutsApi;
  /** Runs after the HTTP server has closed (close the atlas, the database). */
  readonly onClosed?: () => Promise<void>;
}

export async function serve({ atlas, config, logger, layouts, onClosed }: ServeOptions): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer({ atlas, config, logger, ...(layouts ? { layouts } : {}) });
  const { url } = await server.listen();
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await server.close();
      await onClosed?.();
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { url, close };
}
