/**
 * The store's plumbing against real PostgreSQL: migrations applied once and recorded as Prisma
 * records them, edits to an applied migration refused, concurrent starts serialized; the dataset
 * repository; and the zero-setup embedded cluster (initialised under the data directory, shared
 * by a second open, stopped by close).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellIdsWithMetadata, insertCells } from '../../src/store/cells.ts';
import { Database } from '../../src/store/database.ts';
import { deleteDataset, getDataset, indexableDatasets, listDatasets } from '../../src/store/datasets.ts';
import { createIngestion, type NewIngestion } from '../../src/store/jobs.ts';
import { MIGRATIONS_DIR, applyMigrations } from '../../src/store/migrate.ts';
import { createTestDatabase, tempDir, type TestDatabase } from '../helpers/atlas-db.ts';

const MIGRATION_NAMES = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const databases: TestDatabase[] = [];
const directories: string[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

function scratchDir(prefix: string): string {
  const dir = tempDir(prefix);
  directories.push(dir);
  return dir;
}

/** Opens the store on `url`, collecting what it logs. */
async function open(url: string, logs: string[] = []): Promise<Database> {
  return Database.open({ url, dataDir: scratchDir('store'), embeddedPort: 1, log: (message) => logs.push(message) });
}

afterAll(async () => {
  for (const database of databases) await database.drop();
  // maxRetries: a stopped cluster's last files can still be settling when the directory is removed.
  for (const dir of directories) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

describe('migrations', () => {
  it('apply on the first open only, recorded in _prisma_migrations as `prisma migrate deploy` records them', async () => {
    const { url } = await freshDatabase();
    const firstLogs: string[] = [];
    const first = await open(url, firstLogs);
    await first.close();
    expect(firstLogs).toContain(`applied migrations: ${MIGRATION_NAMES.join(', ')}`);

    const secondLogs: string[] = [];
    const second = await open(url, secondLogs);
    try {
      expect(secondLogs.filter((line) => line.startsWith('applied migrations'))).toEqual([]);
      expect(await applyMigrations(second.pool)).toEqual({ applied: [], alreadyApplied: MIGRATION_NAMES.length });

      const rows = await second.pool.query<{
        id: string;
        checksum: string;
        migration_name: string;
        finished_at: Date | null;
        started_at: Date;
        logs: string | null;
        rolled_back_at: Date | null;
        applied_steps_count: number;
      }>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
      expect(rows.rows.map((row) => row.migration_name)).toEqual(MIGRATION_NAMES);
      for (const row of rows.rows) {
        expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(row.checksum).toBe(sha256(join(MIGRATIONS_DIR, row.migration_name, 'migration.sql')));
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
        expect([row.logs, row.rolled_back_at, row.applied_steps_count]).toEqual([null, null, 1]);
      }
      // Prisma's own column types, so `prisma migrate status` can read the table.
      const columns = await second.pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      );
      expect(columns.rows.map((c) => `${c.column_name} ${c.data_type} ${c.is_nullable}`)).toEqual([
        'id character varying NO',
        'checksum character varying NO',
        'finished_at timestamp with time zone YES',
        'migration_name character varying NO',
        'logs text YES',
        'rolled_back_at timestamp with time zone YES',
        'started_at timestamp with time zone NO',
        'applied_steps_count integer NO',
      ]);
    } finally {
      await second.close();
    }
  });

  it('apply a new migration on the next start and refuse one that was edited after it was applied', async () => {
    const { url } = await freshDatabase();
    const dir = scratchDir('migrations');
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const pool = new pg.Pool({ connectionString: url });
    try {
      expect((await applyMigrations(pool, dir)).applied).toEqual(MIGRATION_NAMES);

      const added = '99991231000000_label_note';
      mkdirSync(join(dir, added));
      writeFileSync(join(dir, added, 'migration.sql'), 'ALTER TABLE "label" ADD COLUMN "note" TEXT;\n');
      expect(await applyMigrations(pool, dir)).toEqual({ applied: [added], alreadyApplied: MIGRATION_NAMES.length });

      appendFileSync(join(dir, added, 'migration.sql'), '-- an afterthought\n');
      await expect(applyMigrations(pool, dir)).rejects.toThrow(`Migration ${added} was changed after it was applied`);
      // The refusal applied nothing and recorded nothing.
      const recorded = await pool.query<{ checksum: string }>('SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1', [added]);
      expect(recorded.rows).toEqual([{ checksum: createHash('sha256').update('ALTER TABLE "label" ADD COLUMN "note" TEXT;\n').digest('hex') }]);
    } finally {
      await pool.end();
    }
  });

  it('refuse to open a database whose recorded checksum differs from the file', async () => {
    const { url } = await freshDatabase();
    await (await open(url)).close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, ['0'.repeat(64), MIGRATION_NAMES[0]]);
    } finally {
      await admin.end();
    }
    await expect(open(url)).rejects.toThrow(/was changed after it was applied/);
  });

  it('apply once when several processes open a fresh database at the same time (advisory lock)', async () => {
    const { url } = await freshDatabase();
    const logs: string[] = [];
    const opened = await Promise.all(Array.from({ length: 4 }, () => open(url, logs)));
    try {
      expect(logs.filter((line) => line.startsWith('applied migrations'))).toEqual([`applied migrations: ${MIGRATION_NAMES.join(', ')}`]);
      const rows = await opened[0]!.pool.query('SELECT migration_name FROM "_prisma_migrations"');
      expect(rows.rowCount).toBe(MIGRATION_NAMES.length);
    } finally {
      await Promise.all(opened.map((db) => db.close()));
    }
  });
});

describe('dataset repository', () => {
  let db: Database;

  beforeAll(async () => {
    db = await open((await freshDatabase()).url);
    await db.prisma.modelBundle.create({ data: { id: 'model-a', name: 'model-a', embeddingDim: 4, cellHidden: 4, vocabularySize: 10 } });
  });
  afterAll(async () => {
    await db?.close();
  });

  const ingestion = (name: string): NewIngestion => ({
    dataset: {
      name,
      sourcePath: `/data/${name}.h5ad`,
      sourceSha256: 'ab'.repeat(32),
      sourceBytes: 5_000_000_000,
      format: 'h5ad',
      matrixLocation: 'layers/counts',
      valueKind: 'counts',
      species: 'human',
      modelId: 'model-a',
      totalCells: 3,
      genesMatched: 700,
      genesTotal: 765,
      labelColumn: 'cell_type',
      metadataColumns: ['donor', 'tissue'],
    },
    options: { path: `/data/${name}.h5ad` },
    chunkSize: 2,
  });

  it('lists, gets by id or name, and maps rows to records (Dates kept, sourceBytes left out)', async () => {
    const { datasetId } = await createIngestion(db, ingestion('pbmc'));
    const record = await getDataset(db, { id: datasetId });
    expect(record).toEqual({
      id: datasetId,
      name: 'pbmc',
      state: 'INGESTING',
      sourcePath: '/data/pbmc.h5ad',
      sourceSha256: 'ab'.repeat(32),
      format: 'h5ad',
      matrixLocation: 'layers/counts',
      valueKind: 'counts',
      species: 'human',
      modelId: 'model-a',
      cellCount: 0,
      totalCells: 3,
      genesMatched: 700,
      genesTotal: 765,
      labelColumn: 'cell_type',
      metadataColumns: ['donor', 'tissue'],
      createdAt: expect.any(Date),
      completedAt: null,
    });
    expect(await getDataset(db, { name: 'pbmc' })).toEqual(record);
    expect(await getDataset(db, { name: 'absent' })).toBeNull();
    expect(await listDatasets(db)).toEqual([record]);
  });

  it('lists indexable datasets (READY and INGESTING) and deletes a dataset with its cells and jobs', async () => {
    const ready = (await createIngestion(db, ingestion('ready'))).datasetId;
    const failed = (await createIngestion(db, ingestion('failed'))).datasetId;
    await db.prisma.dataset.update({ where: { id: ready }, data: { state: 'READY' } });
    await db.prisma.dataset.update({ where: { id: failed }, data: { state: 'FAILED' } });
    const indexable = await indexableDatasets(db);
    expect(indexable).toContainEqual({ id: ready, state: 'READY' });
    expect(indexable.map((d) => d.id)).not.toContain(failed);
    expect(indexable.map((d) => d.id)).toEqual([...indexable.map((d) => d.id)].sort((a, b) => a - b));

    await db.transaction((client) =>
      insertCells(client, ready, [0, 1, 2].map((row) => ({
        rowIndex: row,
        externalId: `c${row}`,
        label: 'T cell',
        metadata: { donor: 'd1' },
        tokens: Int32Array.from([9, 2]),
        embedding: Float32Array.from([1, 0, 0, 0]),
      }))),
    );
    const deleted = await deleteDataset(db, ready);
    expect(deleted).toMatchObject({ id: ready, name: 'ready', state: 'READY' });
    expect(await db.prisma.cell.count({ where: { datasetId: ready } })).toBe(0);
    expect(await db.prisma.ingestionJob.count({ where: { datasetId: ready } })).toBe(0);
    expect(await deleteDataset(db, ready)).toBeNull();
  });
});

describe('metadata filters', () => {
  it('a NUL character matches nothing instead of failing the query (text cannot hold one)', async () => {
    const db = await open((await freshDatabase()).url);
    try {
      expect(await cellIdsWithMetadata(db, { donor: 'a\u0000b' })).toEqual(new Set());
      expect(await cellIdsWithMetadata(db, { donor: 'ab' })).toEqual(new Set());
    } finally {
      await db.close();
    }
  });
});

describe('embedded PostgreSQL', () => {
  async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
  }

  async function accepts(url: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  it('initialises a cluster under dataDir/postgres, shares it with a second open, stops on close, and restarts on the kept data', async () => {
    const root = scratchDir('embedded');
    // As root, initdb runs as the `postgres` user, which must be able to reach the data directory
    // (mkdtemp makes it 0700).
    chmodSync(root, 0o755);
    const dataDir = join(root, 'data');
    const port = await freePort();
    const logs: string[] = [];

    const started = Date.now();
    const first = await Database.open({ dataDir, embeddedPort: port, log: (message) => logs.push(message) });
    const startSeconds = (Date.now() - started) / 1000;
    let second: Database | undefined;
    try {
      expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
      expect(first.url).toBe(`postgresql://postgres:langcell@127.0.0.1:${port}/langcell`);
      expect(logs).toContain(`applied migrations: ${MIGRATION_NAMES.join(', ')}`);
      // Cold start: initdb + start + migrations. Reported, and bounded so a regression shows.
      console.info(`embedded PostgreSQL: initialised, started and migrated in ${startSeconds.toFixed(1)} s`);
      expect(startSeconds).toBeLessThan(60);

      second = await Database.open({ dataDir, embeddedPort: port, log: (message) => logs.push(message) });
      expect(second.url).toBe(first.url);
      await second.prisma.label.create({ data: { name: 'B cell', promptText: 'cell type: B cell. ' } });
      await second.close();
      second = undefined;
      // Only the process that started the cluster stops it.
      expect(await first.prisma.label.count()).toBe(1);
    } finally {
      await second?.close();
      await first.close();
    }
    expect(await accepts(first.url)).toBe(false);

    const reopenedLogs: string[] = [];
    const reopened = await Database.open({ dataDir, embeddedPort: port, log: (message) => reopenedLogs.push(message) });
    try {
      expect(reopenedLogs.some((line) => line.startsWith('initialising'))).toBe(false);
      expect(reopenedLogs.some((line) => line.startsWith('applied migrations'))).toBe(false);
      expect((await reopened.prisma.label.findMany()).map((l) => l.name)).toEqual(['B cell']);
    } finally {
      await reopened.close();
    }
    expect(await accepts(first.url)).toBe(false);
  });

  it('a Ctrl-C to the whole process group reaches only our process: the query in flight finishes, then the cluster stops', async () => {
    const root = scratchDir('embedded-signal');
    chmodSync(root, 0o755);
    const dataDir = join(root, 'data');
    const port = await freePort();
    // detached: the child leads its own process group, like a shell's foreground job.
    const child = spawn(process.execPath, ['--import', './bin/typescript-loader.mjs', 'test/helpers/embedded-shutdown-child.ts', dataDir, String(port)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    const deadline = Date.now() + 90_000;
    while (!output.includes('querying')) {
      if (Date.now() > deadline) throw new Error(`child never started its query:\n${output}`);
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
    }
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited, output).toBe(0);
    expect(output.split('\n').filter(Boolean)).toEqual(['querying', 'signal received', 'query finished', 'closed']);
    expect(await accepts(`postgresql://postgres:langcell@127.0.0.1:${port}/postgres`)).toBe(false);
  }, 120_000);
});
