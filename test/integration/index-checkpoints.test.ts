/**
 * Restarts that do not redo work: a following index saves itself in the background when it
 * changed, and a dataset deleted while no server ran is dropped from the saved index on open,
 * cell by cell, instead of rebuilding the whole index from the database.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_HNSW_PARAMS, SIDECAR_FILE, SyncedHnswIndex, type SyncedIndexOptions } from '../../src/index/index.ts';
import type { LangCellModel } from '../../src/model/langcell.ts';
import type { Database } from '../../src/store/database.ts';
import { deleteDataset } from '../../src/store/datasets.ts';
import { commitChunk, createIngestion } from '../../src/store/jobs.ts';
import { tempDir } from '../helpers/atlas-db.ts';
import { seededDatabase, type SeededDatabase } from '../helpers/seeded-db.ts';

const CELLS = 128;
let seeded: SeededDatabase;
let db: Database;
let model: LangCellModel;
const messages: string[] = [];

beforeAll(async () => {
  seeded = await seededDatabase(CELLS);
  ({ db, model } = seeded);
});

afterAll(() => seeded?.close());

/** A second dataset of `cells` copies of stored demo cells, stored as one chunk (which notifies). */
async function copyDataset(name: string, cells: number): Promise<number> {
  const rows = await db.pool.query<{ external_id: string; token_ids: Buffer; embedding: Buffer; label: string }>(
    'SELECT external_id, token_ids, embedding, label FROM cell ORDER BY id LIMIT $1',
    [cells],
  );
  const { datasetId, jobId } = await createIngestion(db, {
    dataset: {
      name, sourcePath: '/dev/null', sourceSha256: name, sourceBytes: 0, format: 'h5ad', matrixLocation: 'X', valueKind: 'counts', species: 'human',
      modelId: model.id, totalCells: cells, genesMatched: 1, genesTotal: 1, labelColumn: 'cell_type', metadataColumns: [],
    },
    options: {},
    chunkSize: cells,
  });
  const view = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  await commitChunk(db, {
    jobId, index: 0, datasetId, timings: {},
    cells: rows.rows.map((r, i) => ({
      rowIndex: i, externalId: `${name}-${r.external_id}`, label: r.label, metadata: {},
      tokens: Int32Array.from(new Uint16Array(view(r.token_ids))), embedding: new Float32Array(view(r.embedding)),
    })),
  });
  return datasetId;
}

function options(dir: string, extra: Partial<SyncedIndexOptions> = {}): SyncedIndexOptions {
  return { modelId: model.id, dim: model.embeddingDim, dir, params: DEFAULT_HNSW_PARAMS, persist: true, log: (m) => messages.push(m), ...extra };
}

describe('index restarts', () => {
  it('a dataset deleted while no index was open is removed from the saved index, not rebuilt', async () => {
    const dir = tempDir('deleted-while-down');
    const copy = await copyDataset('copy-deleted', 40);
    const first = await SyncedHnswIndex.open(db, options(dir));
    expect(first.count()).toBe(CELLS + 40);
    await first.close();

    await deleteDataset(db, copy);
    messages.length = 0;
    const reopened = await SyncedHnswIndex.open(db, options(dir));
    expect(messages.filter((m) => /rebuild|building/.test(m))).toEqual([]);
    expect(messages).toContain('index: removed 40 cells of 1 chunks deleted since the index was saved');
    expect(reopened.size).toBe(CELLS);
    expect(await reopened.verifyAgainst(db)).toBeNull();
    await reopened.close();
  });

  it('a following index saves itself in the background when it changed', async () => {
    const dir = tempDir('background');
    const index = await SyncedHnswIndex.open(db, options(dir, { checkpointSeconds: 1 }));
    await index.listen();
    const sidecarChunks = () => {
      try {
        return (JSON.parse(readFileSync(join(dir, SIDECAR_FILE), 'utf8')) as { extra: { chunks: string[] } }).extra.chunks.length;
      } catch {
        return 0;
      }
    };
    // The build itself was a change: it is saved without a close.
    await vi.waitFor(() => expect(sidecarChunks()).toBe(2), { timeout: 20_000, interval: 100 });
    await copyDataset('copy-live', 20);
    await vi.waitFor(() => expect(sidecarChunks()).toBe(3), { timeout: 20_000, interval: 100 });
    expect(index.size).toBe(CELLS + 20);
    await index.close();
  });
});
