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
   * the returned function is called. The listening connection is held out of the pool.
   */
  async listen(channel: string, onEvent: () => void): Promise<() => Promise<void>> {
    const client = await this.pool.connect();
    client.on('notification', (message) => {
      if (message.channel === channel) onEvent();
    });
    await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    return async () => {
      await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      client.release();
    };
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
