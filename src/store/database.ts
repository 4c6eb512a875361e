/**
 * The one way to reach the database: `DATABASE_URL` when configured, otherwise the embedded
 * cluster. Migrations are applied on open. Prisma serves the typed CRUD; the same pg pool serves
 * the bulk paths (multi-row inserts, streaming embeddings) that Prisma would do row by row.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.ts';
import { startEmbeddedPostgres, type EmbeddedCluster } from './embedded-postgres.ts';
import { applyMigrations } from './migrate.ts';

export interface DatabaseOptions {
  readonly url?: string;
  /** Where the embedded cluster keeps its data (used only without `url`). */
  readonly dataDir: string;
  readonly embeddedPort: number;
  readonly poolSize?: number;
  readonly log?: (message: string) => void;
}

/** What a LISTEN connection reports when it is lost and when it is back. */
export type ListenState = { readonly connected: true } | { readonly connected: false; readonly error: string };

/** Reconnect delays of a lost LISTEN connection: 250 ms doubling to 10 s. */
const LISTEN_BACKOFF_START_MS = 250;
const LISTEN_BACKOFF_MAX_MS = 10_000;

export class Database {
  private constructor(
    readonly url: string,
    readonly pool: pg.Pool,
    readonly prisma: PrismaClient,
    private readonly cluster: EmbeddedCluster | undefined,
  ) {}

  static async open(options: DatabaseOptions): Promise<Database> {
    const log = options.log ?? (() => undefined);
    const cluster = options.url ? undefined : await startEmbeddedPostgres(options.dataDir, options.embeddedPort, log);
    const url = options.url ?? cluster!.url;
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // An idle client that loses its server (database restarted) must not crash the process.
    pool.on('error', (error) => log(`database pool: ${error.message}`));
    try {
      const { applied } = await applyMigrations(pool);
      if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`);
    } catch (error) {
      await pool.end();
      await cluster?.stop();
      throw error;
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return new Database(url, pool, prisma, cluster);
  }

  /** Where this database is, for logs: the embedded cluster's port, or DATABASE_URL's host and name (never its password). */
  describe(): string {
    const url = new URL(this.url);
    const where = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    return this.cluster ? `embedded PostgreSQL at ${where}` : `PostgreSQL at ${where} (DATABASE_URL)`;
  }

  /** Cheap liveness check for health probes: throws when the database cannot answer. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * Calls `onEvent` on every notification on `channel` (from any process on this database) until
   * the returned function is called. The listening connection is a client of its own, outside the
   * pool. A lost connection (server restarted, failover, idle-timeout proxy, pg_terminate_backend)
   * never throws: `onState` hears of it, the connection is re-made with backoff, and `onEvent`
   * runs once after reconnecting, because notifications sent meanwhile are lost and the listener
   * must catch up from the tables. Only the first connection must succeed.
   */
  async listen(channel: string, onEvent: () => void, onState: (state: ListenState) => void = () => undefined): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let closed = false;
    let attempt = 0;
    let retry: NodeJS.Timeout | undefined;

    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.url, application_name: 'langcell-atlas-listen' });
      // Without an 'error' listener a dropped connection is an uncaught exception that ends the process.
      next.on('error', (error) => lost(next, error));
      next.on('end', () => lost(next, new Error('connection ended')));
      next.on('notification', (message) => {
        if (message.channel === channel) onEvent();
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (error) {
        next.removeAllListeners('end');
        await next.end().catch(() => undefined);
        throw error;
      }
      client = next;
    };

    const lost = (which: pg.Client, error: Error): void => {
      if (closed || which !== client) return;
      client = undefined;
      which.removeAllListeners('end');
      void which.end().catch(() => undefined);
      onState({ connected: false, error: error.message });
      schedule();
    };

    const schedule = (): void => {
      const delay = Math.min(LISTEN_BACKOFF_MAX_MS, LISTEN_BACKOFF_START_MS * 2 ** attempt);
      attempt += 1;
      retry = setTimeout(() => {
        retry = undefined;
        connect().then(
          () => {
            attempt = 0;
            onState({ connected: true });
            onEvent();
          },
          (error: Error) => {
            if (closed) return;
            onState({ connected: false, error: error.message });
            schedule();
          },
        );
      }, delay);
      retry.unref();
    };

    await connect();
    return async () => {
      closed = true;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      if (!last) return;
      last.removeAllListeners('end');
      await last.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      await last.end().catch(() => undefined);
    };
  }

  /**
   * Runs `work` while holding PostgreSQL advisory lock `key` (session level, on a connection of its
   * own): processes sharing the database, on any machine, run such work one at a time.
   */
  async withLock<T>(key: number, work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.release();
    }
  }

  /** Runs `work` in one transaction on one pooled connection. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
    await this.pool.end().catch(() => undefined);
    await this.cluster?.stop();
  }
}
