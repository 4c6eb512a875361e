/**
 * Lost connections: a LISTEN connection terminated by the server (restart, failover, an idle-timeout
 * proxy, pg_terminate_backend) must not end the process; the index reports it, reconnects and
 * catches up with what changed meanwhile. The pool and the job queue survive the same.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_HNSW_PARAMS, SyncedHnswIndex } from '../../src/index/index.ts';
import { IngestQueue } from '../../src/ingest/queue.ts';
import type { LangCellModel } from '../../src/model/langcell.ts';
import type { Database } from '../../src/store/database.ts';
import { deleteDataset, getDataset } from '../../src/store/datasets.ts';
import { DEMO_DATASET_NAME } from '../../seed/seed-database.ts';
import { tempDir } from '../helpers/atlas-db.ts';
import { seededDatabase, type SeededDatabase } from '../helpers/seeded-db.ts';

const CELLS = 128;
let seeded: SeededDatabase;
let db: Database;
let model: LangCellModel;
const messages: string[] = [];

/** Terminates this database's connections from `application` (every other one when omitted); returns how many. */
async function terminate(application?: string): Promise<number> {
  const result = await db.pool.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND ($1::text IS NULL OR application_name = $1)`,
    [application ?? null],
  );
  return result.rows[0]!.n;
}

beforeAll(async () => {
  seeded = await seededDatabase(CELLS);
  ({ db, model } = seeded);
});

afterAll(() => seeded?.close());

describe('a lost database connection', () => {
  it('is reported by the index, re-made, and what changed meanwhile is caught up', async () => {
    const index = await SyncedHnswIndex.open(db, { modelId: model.id, dim: model.embeddingDim, dir: tempDir('conn-index'), params: DEFAULT_HNSW_PARAMS, persist: false, log: (m) => messages.push(m) });
    await index.listen();
    expect(index.count()).toBe(CELLS);
    // A change nobody announces (as if made while the connection was down): only a catch-up sees it.
    const demo = (await getDataset(db, { name: DEMO_DATASET_NAME }))!;
    await deleteDataset(db, demo.id);
    expect(index.count()).toBe(CELLS);

    expect(await terminate('langcell-atlas-listen')).toBe(1);
    await vi.waitFor(() => expect(messages.some((m) => m.includes('index not following the database'))).toBe(true), { timeout: 20_000, interval: 20 });
    await vi.waitFor(() => expect(index.count()).toBe(0), { timeout: 20_000, interval: 50 });
    await vi.waitFor(() => expect(index.problem()).toBeNull(), { timeout: 20_000, interval: 50 });
    expect(messages).toContain('index: database notifications reconnected; catching up');

    // Twice: the re-made connection has the same protection.
    expect(await terminate('langcell-atlas-listen')).toBe(1);
    await vi.waitFor(() => expect(messages.filter((m) => m.includes('reconnected')).length).toBe(2), { timeout: 20_000, interval: 50 });
    await index.close();
  });

  it('leaves the pool and the job queue working', async () => {
    const queueLog: string[] = [];
    const queue = await IngestQueue.start(db.url, { chunkTimeoutSeconds: 60 }, (m) => queueLog.push(m));
    await db.ping();
    expect(await terminate()).toBeGreaterThan(0);
    await vi.waitFor(async () => expect(await db.ping()).toBeUndefined(), { timeout: 20_000, interval: 100 });
    await vi.waitFor(async () => expect(await queue.enqueue([{ jobId: 1, index: 0, start: 0, end: 1 }])).toBeUndefined(), { timeout: 20_000, interval: 100 });
    await queue.stop();
  });
});
