/** Two servers starting on one empty database: exactly one seeds the demo atlas, and it is whole. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LangCellModel } from '../../src/model/langcell.ts';
import { Database } from '../../src/store/database.ts';
import { getDataset } from '../../src/store/datasets.ts';
import { registerModel } from '../../src/store/models.ts';
import { DEMO_DATASET_NAME, seedIfEmpty } from '../../seed/seed-database.ts';
import { createTestDatabase, tempDir, type TestDatabase } from '../helpers/atlas-db.ts';

let database: TestDatabase;
const opened: Database[] = [];
let model: LangCellModel;

beforeAll(async () => {
  database = await createTestDatabase();
  model = await LangCellModel.open();
});

afterAll(async () => {
  for (const db of opened) await db.close();
  await database?.drop();
});

describe('seedIfEmpty', () => {
  it('seeds once when two processes start together; the other finds the atlas', async () => {
    // Two pools, as two server processes would have.
    for (let i = 0; i < 2; i += 1) opened.push(await Database.open({ url: database.url, dataDir: tempDir('seed-race'), embeddedPort: 1 }));
    await registerModel(opened[0]!, model.bundle);
    const logs: string[][] = [[], []];
    const seeded = await Promise.all(opened.map((db, i) => seedIfEmpty({ db, model, chunkSize: 32, log: (m) => logs[i]!.push(m) }, 96)));
    expect(seeded.sort()).toEqual([false, true]);
    expect(logs.flat().filter((m) => m.includes('cells stored'))).toHaveLength(1);
    expect(await getDataset(opened[0]!, { name: DEMO_DATASET_NAME })).toMatchObject({ state: 'READY', cellCount: 96 });
  });
});
