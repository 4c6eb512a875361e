/**
 * The label store and model registration against a real, freshly migrated PostgreSQL: CRUD and
 * its refusals, search, the ontology import's matching (by ontology id, then name), LangCell's
 * prompt text, label embeddings that go stale with their prompt, and the model-mismatch guard.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../src/atlas/types.ts';
import { AtlasError } from '../../src/errors.ts';
import { loadBundle, type ModelBundle } from '../../src/model/bundle.ts';
import { insertCells } from '../../src/store/cells.ts';
import { Database } from '../../src/store/database.ts';
import { createIngestion } from '../../src/store/jobs.ts';
import {
  createLabel,
  deleteLabel,
  getLabelEmbeddings,
  listLabels,
  saveLabelEmbeddings,
  updateLabel,
  upsertLabels,
} from '../../src/store/labels.ts';
import { registerModel } from '../../src/store/models.ts';
import { createTestDatabase, tempDir, type TestDatabase } from '../helpers/atlas-db.ts';

let database: TestDatabase;
let db: Database;
const dataDir = tempDir('labels');

beforeAll(async () => {
  database = await createTestDatabase();
  db = await Database.open({ url: database.url, dataDir, embeddedPort: 1 });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await db.prisma.label.deleteMany();
});

async function refusal(work: Promise<unknown>): Promise<AtlasError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AtlasError)) throw new Error(`expected an AtlasError, got ${String(error)}`);
  return error;
}

const names = (labels: readonly LabelRecord[]) => labels.map((l) => l.name);
/** Names in code-point order: the store orders by the database's collation, which differs between servers. */
const sortedNames = (labels: readonly LabelRecord[]) => names(labels).sort();
const labelNamed = async (name: string) => (await listLabels(db)).find((label) => label.name === name);

describe('label CRUD', () => {
  it('creates a label with LangCell prompt text ("cell type: NAME. DEFINITION; ")', async () => {
    const label = await createLabel(db, {
      name: '  B cell ',
      ontologyId: 'CL:0000236',
      description: 'A lymphocyte of B lineage.',
      synonyms: ['B lymphocyte'],
      parents: ['CL:0000945'],
    });
    expect(label).toEqual({
      id: expect.any(Number),
      name: 'B cell',
      ontologyId: 'CL:0000236',
      description: 'A lymphocyte of B lineage.',
      synonyms: ['B lymphocyte'],
      parents: ['CL:0000945'],
      promptText: 'cell type: B cell. A lymphocyte of B lineage.; ',
    });
    const bare = await createLabel(db, { name: 'platelet' });
    expect(bare).toMatchObject({ ontologyId: null, description: null, synonyms: [], parents: [], promptText: 'cell type: platelet. ' });
  });

  it('refuses a second label with the same name or ontology id, and an empty name, as INVALID_INPUT on the field', async () => {
    await createLabel(db, { name: 'T cell', ontologyId: 'CL:0000084' });
    const sameName = await refusal(createLabel(db, { name: 'T cell' }));
    expect([sameName.code, sameName.details.field]).toEqual(['INVALID_INPUT', 'name']);
    const sameId = await refusal(createLabel(db, { name: 'T lymphocyte', ontologyId: 'CL:0000084' }));
    expect([sameId.code, sameId.details.field]).toEqual(['INVALID_INPUT', 'ontologyId']);
    const empty = await refusal(createLabel(db, { name: '   ' }));
    expect([empty.code, empty.details.field]).toEqual(['INVALID_INPUT', 'name']);
    expect(names(await listLabels(db))).toEqual(['T cell']);
  });

  it('updates given fields only; the prompt follows the description; null clears; refusals leave the row as it was', async () => {
    const nk = await createLabel(db, { name: 'NK cell', ontologyId: 'CL:0000623', synonyms: ['natural killer cell'] });
    await createLabel(db, { name: 'monocyte' });
    const before = (await db.prisma.label.findUniqueOrThrow({ where: { id: nk.id } })).updatedAt;

    const described = await updateLabel(db, nk.id, { description: 'A lymphocyte that kills without priming.' });
    expect(described).toEqual({ ...nk, description: 'A lymphocyte that kills without priming.', promptText: 'cell type: NK cell. A lymphocyte that kills without priming.; ' });
    const after = (await db.prisma.label.findUniqueOrThrow({ where: { id: nk.id } })).updatedAt;
    expect(after.getTime()).toBeGreaterThan(before.getTime());

    const renamed = await updateLabel(db, nk.id, { name: 'natural killer cell', ontologyId: null });
    expect(renamed).toMatchObject({ name: 'natural killer cell', ontologyId: null, synonyms: ['natural killer cell'] });
    expect(renamed.promptText).toBe('cell type: natural killer cell. A lymphocyte that kills without priming.; ');

    const taken = await refusal(updateLabel(db, nk.id, { name: 'monocyte' }));
    expect([taken.code, taken.details.field]).toEqual(['INVALID_INPUT', 'name']);
    expect(await labelNamed('natural killer cell')).toEqual(renamed);

    const missing = await refusal(updateLabel(db, nk.id + 1000, { description: 'x' }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('deletes a label and returns it; a second delete is NOT_FOUND', async () => {
    const mast = await createLabel(db, { name: 'mast cell', ontologyId: 'CL:0000097' });
    expect(await deleteLabel(db, mast.id)).toEqual(mast);
    expect(await listLabels(db)).toEqual([]);
    expect((await refusal(deleteLabel(db, mast.id))).code).toBe('NOT_FOUND');
  });
});

describe('label search', () => {
  beforeEach(async () => {
    await upsertLabels(db, [
      { name: 'B cell', ontologyId: 'CL:0000236', synonyms: ['B lymphocyte', 'B-cell'] },
      { name: 'T cell', ontologyId: 'CL:0000084', synonyms: ['T lymphocyte'] },
      { name: 'CD14-positive monocyte', ontologyId: 'CL:0001054', synonyms: ['CD14+ monocyte'] },
      { name: 'CD4_positive helper', ontologyId: 'TEST:0000001' },
      { name: 'CD4xpositive helper', ontologyId: 'TEST:0000002' },
      { name: '100% pure cell', ontologyId: 'TEST:0000003' },
      { name: '1000 cells', ontologyId: 'TEST:0000004' },
    ]);
  });

  it('lists every label, in name order, without a search', async () => {
    const all = await listLabels(db);
    expect(all).toHaveLength(7);
    const order = await db.prisma.$queryRaw<{ name: string }[]>`SELECT name FROM label ORDER BY name`;
    expect(names(all)).toEqual(order.map((row) => row.name));
    expect(names(await listLabels(db, '   '))).toEqual(names(await listLabels(db)));
  });

  it('matches name, ontology id and synonym substrings, ignoring case', async () => {
    expect(names(await listLabels(db, 'b CELL'))).toEqual(['B cell']);
    expect(names(await listLabels(db, 'cl:00002'))).toEqual(['B cell']);
    expect(sortedNames(await listLabels(db, 'cl:0000'))).toEqual(['B cell', 'T cell']);
    expect(sortedNames(await listLabels(db, 'lymphocyte'))).toEqual(['B cell', 'T cell']);
    expect(names(await listLabels(db, 'cd14+'))).toEqual(['CD14-positive monocyte']);
    expect(await listLabels(db, 'no such cell')).toEqual([]);
  });

  it('takes % and _ literally', async () => {
    expect(names(await listLabels(db, 'CD4_'))).toEqual(['CD4_positive helper']);
    expect(names(await listLabels(db, '0%'))).toEqual(['100% pure cell']);
    expect(await listLabels(db, '%')).toHaveLength(1);
    expect(await listLabels(db, '\\')).toEqual([]);
  });
});

describe('label import (upsertLabels)', () => {
  it('creates, then matches by ontology id (a renamed term updates its row) and then by name', async () => {
    expect(
      await upsertLabels(db, [
        { name: 'B cell', ontologyId: 'CL:0000236', description: 'A lymphocyte of B lineage.' },
        { name: 'T-cell', ontologyId: 'CL:0000084' },
        { name: 'platelet' },
      ]),
    ).toEqual({ created: 3, updated: 0 });
    const bBefore = await labelNamed('B cell');

    expect(
      await upsertLabels(db, [
        { name: 'T cell', ontologyId: 'CL:0000084', description: 'A lymphocyte with a T cell receptor.' },
        { name: 'platelet', ontologyId: 'CL:0000233', description: 'A cell fragment.' },
        { name: 'B cell', description: 'A lymphocyte of B lineage that makes antibodies.' },
        { name: 'mast cell', ontologyId: 'CL:0000097' },
      ]),
    ).toEqual({ created: 1, updated: 3 });

    const all = (await listLabels(db)).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(all.map((l) => [l.name, l.ontologyId, l.promptText])).toEqual([
      ['B cell', 'CL:0000236', 'cell type: B cell. A lymphocyte of B lineage that makes antibodies.; '],
      ['T cell', 'CL:0000084', 'cell type: T cell. A lymphocyte with a T cell receptor.; '],
      ['mast cell', 'CL:0000097', 'cell type: mast cell. '],
      ['platelet', 'CL:0000233', 'cell type: platelet. A cell fragment.; '],
    ]);
    // The import matched B cell by name, kept its id and its stored ontology id.
    expect(all[0]!.id).toBe(bBefore!.id);
  });

  it('moves names between labels within one import (A takes B’s name while B takes a new one)', async () => {
    await upsertLabels(db, [
      { name: 'alpha', ontologyId: 'TEST:1' },
      { name: 'beta', ontologyId: 'TEST:2' },
    ]);
    const ids = new Map((await listLabels(db)).map((l) => [l.ontologyId, l.id]));
    expect(
      await upsertLabels(db, [
        { name: 'beta', ontologyId: 'TEST:1' },
        { name: 'alpha', ontologyId: 'TEST:2' },
      ]),
    ).toEqual({ created: 0, updated: 2 });
    expect((await listLabels(db)).map((l) => [l.name, l.ontologyId, l.id])).toEqual([
      ['alpha', 'TEST:2', ids.get('TEST:2')],
      ['beta', 'TEST:1', ids.get('TEST:1')],
    ]);
  });

  it('refuses, and changes nothing, when a term would take the name of a label the file does not list', async () => {
    await upsertLabels(db, [
      { name: 'old name', ontologyId: 'TEST:1' },
      { name: 'kept', ontologyId: 'TEST:2' },
    ]);
    const before = await listLabels(db);
    const error = await refusal(
      upsertLabels(db, [
        { name: 'new label', ontologyId: 'TEST:3' },
        { name: 'kept', ontologyId: 'TEST:1' },
      ]),
    );
    expect([error.code, error.details.field]).toEqual(['INVALID_INPUT', 'name']);
    expect(error.message).toContain('"kept"');
    expect(await listLabels(db)).toEqual(before);
  });

  it('leaves unchanged labels untouched (updated_at kept) and refuses an empty name', async () => {
    await upsertLabels(db, [{ name: 'B cell', ontologyId: 'CL:0000236', description: 'A lymphocyte.' }]);
    const stamp = async () => (await db.prisma.label.findFirstOrThrow({ where: { name: 'B cell' } })).updatedAt.getTime();
    const first = await stamp();
    expect(await upsertLabels(db, [{ name: 'B cell', ontologyId: 'CL:0000236', description: 'A lymphocyte.' }])).toEqual({ created: 0, updated: 1 });
    expect(await stamp()).toBe(first);
    expect((await refusal(upsertLabels(db, [{ name: 'x' }, { name: ' ' }]))).code).toBe('INVALID_INPUT');
    expect(names(await listLabels(db))).toEqual(['B cell']);
  });
});

describe('label embeddings', () => {
  const vector = (seed: number) => Float32Array.from({ length: 8 }, (_, i) => seed + i / 8);

  beforeAll(async () => {
    await db.prisma.modelBundle.createMany({
      data: ['model-a', 'model-b'].map((id) => ({ id, name: id, embeddingDim: 8, cellHidden: 4, vocabularySize: 10 })),
      skipDuplicates: true,
    });
  });

  it('are stored per model and ignored once the prompt changed', async () => {
    const b = await createLabel(db, { name: 'B cell', description: 'A lymphocyte.' });
    const t = await createLabel(db, { name: 'T cell' });
    await saveLabelEmbeddings(db, 'model-a', [
      { label: b, embedding: vector(1) },
      { label: t, embedding: vector(2) },
    ]);
    const stored = await getLabelEmbeddings(db, 'model-a', [b, t]);
    expect([...stored.keys()].sort()).toEqual([b.id, t.id].sort());
    expect(stored.get(b.id)).toEqual(vector(1));
    expect(stored.get(t.id)).toEqual(vector(2));
    expect((await getLabelEmbeddings(db, 'model-b', [b, t])).size).toBe(0);

    const redefined = await updateLabel(db, b.id, { description: 'A lymphocyte that makes antibodies.' });
    const afterEdit = await getLabelEmbeddings(db, 'model-a', [redefined, t]);
    expect([...afterEdit.keys()]).toEqual([t.id]);

    await saveLabelEmbeddings(db, 'model-a', [{ label: redefined, embedding: vector(3) }]);
    expect((await getLabelEmbeddings(db, 'model-a', [redefined])).get(b.id)).toEqual(vector(3));
    expect(await db.prisma.labelEmbedding.count({ where: { labelId: b.id } })).toBe(1);
  });

  it('skips labels deleted before their embedding is saved', async () => {
    const gone = await createLabel(db, { name: 'gone' });
    const kept = await createLabel(db, { name: 'kept' });
    await deleteLabel(db, gone.id);
    await saveLabelEmbeddings(db, 'model-b', [
      { label: gone, embedding: vector(4) },
      { label: kept, embedding: vector(5) },
    ]);
    expect([...(await getLabelEmbeddings(db, 'model-b', [gone, kept])).keys()]).toEqual([kept.id]);
  });

  it('skips a label whose deletion commits while its embedding is being saved (no foreign-key failure)', async () => {
    const gone = await createLabel(db, { name: 'deleted meanwhile' });
    const kept = await createLabel(db, { name: 'still here' });
    // The deletion holds the label's row until it commits, as a concurrent deleteLabel does.
    const deleting = await db.pool.connect();
    try {
      await deleting.query('BEGIN');
      await deleting.query('DELETE FROM label WHERE id = $1', [gone.id]);
      const saving = saveLabelEmbeddings(db, 'model-b', [
        { label: gone, embedding: vector(6) },
        { label: kept, embedding: vector(7) },
      ]);
      const settled = saving.then(() => 'saved', (error: Error) => error.message);
      await expect
        .poll(async () => (await db.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`)).rows[0].n)
        .toBe(1);
      await deleting.query('COMMIT');
      expect(await settled).toBe('saved');
    } finally {
      deleting.release();
    }
    expect([...(await getLabelEmbeddings(db, 'model-b', [gone, kept])).keys()]).toEqual([kept.id]);
  });
});

describe('registerModel', () => {
  let demo: ModelBundle;
  let other: ModelBundle;

  beforeAll(async () => {
    demo = await loadBundle();
    other = { ...demo, manifest: { ...demo.manifest, id: 'langcell-other-000000000000', embeddingDim: 128 } };
  });

  it('accepts a second model while no cells are stored, and refuses it (MODEL_MISMATCH) once another model’s cells are', async () => {
    await registerModel(db, demo);
    await registerModel(db, demo);
    await registerModel(db, other);
    expect((await db.prisma.modelBundle.findMany({ where: { id: { in: [demo.manifest.id, other.manifest.id] } } })).length).toBe(2);

    const { datasetId } = await createIngestion(db, {
      dataset: {
        name: 'registered-model-cells',
        sourcePath: '/nowhere/reference.h5ad',
        sourceSha256: '0'.repeat(64),
        sourceBytes: 1,
        format: 'h5ad',
        matrixLocation: 'X',
        valueKind: 'counts',
        species: 'human',
        modelId: demo.manifest.id,
        totalCells: 2,
        genesMatched: 1,
        genesTotal: 1,
        labelColumn: null,
        metadataColumns: [],
      },
      options: {},
      chunkSize: 2,
    });
    // A dataset of the other model with no cells yet does not count.
    await registerModel(db, other);

    await db.transaction((client) =>
      insertCells(client, datasetId, [0, 1].map((row) => ({
        rowIndex: row,
        externalId: `cell-${row}`,
        label: null,
        metadata: {},
        tokens: Int32Array.from([demo.manifest.cell.clsId, 5]),
        embedding: new Float32Array(demo.manifest.embeddingDim).fill(row),
      }))),
    );
    const mismatch = await refusal(registerModel(db, other));
    expect(mismatch.code).toBe('MODEL_MISMATCH');
    expect(mismatch.details).toEqual({ stored: demo.manifest.id, configured: other.manifest.id });
    expect(mismatch.message).toContain('holds 2 cells');
    await registerModel(db, demo);
  });
});
