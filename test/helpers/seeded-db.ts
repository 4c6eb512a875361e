/** A fresh database with the demo model registered and `cells` demo cells stored (chunks of 64), for index tests. */
import { LangCellModel } from '../../src/model/langcell.ts';
import { Database } from '../../src/store/database.ts';
import { registerModel } from '../../src/store/models.ts';
import { seedDemo } from '../../seed/seed-database.ts';
import { createTestDatabase, tempDir } from './atlas-db.ts';

export interface SeededDatabase {
  readonly db: Database;
  readonly model: LangCellModel;
  close(): Promise<void>;
}

export async function seededDatabase(cells: number): Promise<SeededDatabase> {
  const database = await createTestDatabase();
  const db = await Database.open({ url: database.url, dataDir: tempDir('seeded'), embeddedPort: 1 });
  const model = await LangCellModel.open();
  await registerModel(db, model.bundle);
  await seedDemo({ db, model, chunkSize: 64, log: () => undefined }, cells);
  return {
    db,
    model,
    async close() {
      await db.close();
      await database.drop();
    },
  };
}
