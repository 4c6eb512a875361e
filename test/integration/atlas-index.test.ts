/**
 * The HNSW index as a cache of the database: filtered search inside the graph, visibility of
 * datasets only when READY, deletion, persistence, and rebuilds when the saved index disagrees
 * with the database or is corrupt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HNSW_PARAMS, INDEX_FILE, SyncedHnswIndex, type SyncedIndexOptions } from '../../src/index/index.ts';
import { LangCellModel } from '../../src/model/langcell.ts';
import { Database } from '../../src/store/database.ts';
import { deleteDataset, getDataset } from '../../src/store/datasets.ts';
import { commitChunk, createIngestion } from '../../src/store/jobs.ts';
import { registerModel } from '../../src/store/models.ts';
import { DEMO_DATASET_NAME, seedDemo } from '../../seed/seed-database.ts';
import { createTestDatabase, tempDir, type TestDatabase } from '../helpers/atlas-db.ts';

const CELLS = 1200;
let database: TestDatabase;
let db: Database;
let model: LangCellModel;
let scratch: string;
const messages: string[] = [];

async function labelCounts(): Promise<Map<string, number>> {
  const rows = await db.pool.query<{ label: string; n: number }>('SELECT label, count(*)::int AS n FROM cell GROUP BY label');
  return new Map(rows.rows.map((r) => [r.label, r.n]));
}

beforeAll(async () => {
  database = await createTestDatabase();
  scratch = tempDir('index');
  db = await Database.open({ url: database.url, dataDir: scratch, embeddedPort: 1 });
  model = await LangCellModel.open();
  await registerModel(db, model.bundle);
  await seedDemo({ db, model, chunkSize: 256, log: () => undefined }, CELLS);
});

/** Options for an index of its own: no case reads a file another case saved. */
function freshOptions(name: string): SyncedIndexOptions {
  return { modelId: model.id, dim: model.embeddingDim, dir: join(scratch, name), params: DEFAULT_HNSW_PARAMS, persist: true, log: (m) => messages.push(m) };
}

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe('SyncedHnswIndex', () => {
  it('builds from the database and filters inside the search', async () => {
    const index = await SyncedHnswIndex.open(db, freshOptions('filters'));
    expect(index.size).toBe(CELLS);
    expect(index.count()).toBe(CELLS);
    const counts = await labelCounts();
    const [rare, rareCount] = [...counts.entries()].sort((a, b) => a[1] - b[1])[0]!;
    const query = await model.embedTexts(['cell type: B cell. ']);
    // A selective filter still returns k hits when k matching cells exist.
    const k = Math.min(20, rareCount);
    const hits = await index.search(query, k, { labels: new Set([rare]) });
    expect(hits).toHaveLength(k);
    const labels = await db.pool.query<{ label: string }>('SELECT label FROM cell WHERE id = ANY($1::int[])', [hits.map((h) => h.cellId)]);
    expect(new Set(labels.rows.map((r) => r.label))).toEqual(new Set([rare]));
    // Metadata filters arrive as a set of cell ids.
    const donorCells = await db.pool.query<{ id: number }>(`SELECT id FROM cell WHERE metadata->>'donor' = (SELECT metadata->>'donor' FROM cell LIMIT 1)`);
    const allowed = new Set(donorCells.rows.map((r) => r.id));
    const byDonor = await index.search(query, 15, { cellIds: allowed });
    expect(byDonor).toHaveLength(15);
    expect(byDonor.every((h) => allowed.has(h.cellId))).toBe(true);
    await index.close();
  });

  it('indexes a dataset while it is ingested but returns it only when READY', async () => {
    const index = await SyncedHnswIndex.open(db, freshOptions('visibility'));
    expect(index.count()).toBe(CELLS);
    const source = await db.pool.query<{ row_index: number; external_id: string; token_ids: Buffer; embedding: Buffer; label: string }>(
      'SELECT row_index, external_id, token_ids, embedding, label FROM cell ORDER BY id LIMIT 100',
    );
    const { datasetId, jobId } = await createIngestion(db, {
      dataset: {
        name: 'copy', sourcePath: '/dev/null', sourceSha256: 'x', sourceBytes: 0, format: 'h5ad', matrixLocation: 'X', valueKind: 'counts', species: 'human',
        modelId: model.id, totalCells: 100, genesMatched: 1, genesTotal: 1, labelColumn: 'cell_type', metadataColumns: [],
      },
      options: {},
      chunkSize: 50,
    });
    const decode = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const cells = source.rows.map((r, i) => ({
      rowIndex: i, externalId: `copy-${r.external_id}`, label: r.label, metadata: {}, tokens: Int32Array.from(new Uint16Array(r.token_ids.buffer.slice(r.token_ids.byteOffset, r.token_ids.byteOffset + r.token_ids.byteLength))), embedding: decode(r.embedding),
    }));
    await commitChunk(db, { jobId, index: 0, datasetId, cells: cells.slice(0, 50), timings: {} });
    await index.sync();
    expect(index.size).toBe(CELLS + 50);
    const query = decode(source.rows[0]!.embedding);
    expect(await index.search(query, 10, { datasetIds: new Set([datasetId]) })).toHaveLength(0);
    await commitChunk(db, { jobId, index: 1, datasetId, cells: cells.slice(50), timings: {} });
    await index.sync();
    const hits = await index.search(query, 10, { datasetIds: new Set([datasetId]) });
    expect(hits).toHaveLength(10);
    expect(index.count()).toBe(CELLS + 100);

    // Deleting the dataset removes its cells from results at once.
    await deleteDataset(db, datasetId);
    await index.sync();
    expect(await index.search(query, 10, { datasetIds: new Set([datasetId]) })).toHaveLength(0);
    expect(index.size).toBe(CELLS);
    await index.close();
  });

  it('reuses the saved index when it agrees with the database and rebuilds it when not', async () => {
    const options = freshOptions('reuse');
    const built = await SyncedHnswIndex.open(db, options);
    expect(await built.verifyAgainst(db)).toBeNull();
    await built.close();
    const reopened = await SyncedHnswIndex.open(db, options);
    expect(messages.at(-1)).toMatch(/loaded 1200 cells/);
    await reopened.close();

    // The database changed while no index was open: the saved one no longer agrees.
    const demo = (await getDataset(db, { name: DEMO_DATASET_NAME }))!;
    await db.pool.query('DELETE FROM cell WHERE id = (SELECT max(id) FROM cell WHERE dataset_id = $1)', [demo.id]);
    expect(await reopened.verifyAgainst(db)).toMatch(/the index holds 1200 cells .* but the database has 1199/);
    const rebuilt = await SyncedHnswIndex.open(db, options);
    expect(messages.some((m) => /rebuilding it from the database/.test(m))).toBe(true);
    expect(rebuilt.size).toBe(CELLS - 1);
    await rebuilt.close();

    // A corrupt file is detected by its checksum and rebuilt, never handed to hnswlib.
    const file = join(options.dir, INDEX_FILE);
    const bytes = readFileSync(file);
    bytes.fill(0x5a, 1000, 3000);
    writeFileSync(file, bytes);
    messages.length = 0;
    const repaired = await SyncedHnswIndex.open(db, options);
    expect(messages[0]).toMatch(/building it from the database|rebuilding/);
    expect(repaired.size).toBe(CELLS - 1);
    await repaired.close();
  });

  it('reports a failed sync until one succeeds, instead of only logging it', async () => {
    const own = await Database.open({ url: database.url, dataDir: scratch, embeddedPort: 1 });
    const index = await SyncedHnswIndex.open(own, { ...freshOptions('failing'), persist: false });
    expect(index.problem()).toBeNull();
    await own.close();
    await expect(index.sync()).rejects.toThrow();
    expect(index.problem()).toMatch(/^index sync failed: /);
    await index.close();
  });
});
