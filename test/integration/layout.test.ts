/**
 * The explorer's map end to end on a real database: the layout job runs by itself after the demo
 * atlas is seeded (fit), again after a small ingestion (extend: placed cells do not move) and after
 * a deletion; the binary routes carry exactly what is stored, decoded by the page's own decoders.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Atlas } from '../../src/atlas/atlas.ts';
import { openConfiguredAtlas } from '../../src/cli/open-atlas.ts';
import { seedDemo } from '../../seed/seed-database.ts';
import { decodeColumn, decodeHeat, decodePoints, type MapPoints } from '../../web/src/api/layout-data.ts';
import { createTestDatabase, tempDir, writeDemoReference, testConfig, type TestDatabase } from '../helpers/atlas-db.ts';
import { startApi, type TestApi } from '../helpers/api-server.ts';

let database: TestDatabase;
let atlas: Atlas;
let api: TestApi;
let dir: string;

const SEEDED = 600;

interface Status {
  current: { version: number; method: string; processedCells: number; sampleCells: number; state: string } | null;
  pending: { state: string; errorMessage: string | null } | null;
  colorBy: string[];
}

async function status(): Promise<Status> {
  return (await (await fetch(`${api.url}/layout`)).json()) as Status;
}

/** Waits for the current layout to move past `version`. */
async function nextVersion(version: number): Promise<Status & { current: NonNullable<Status['current']> }> {
  for (let i = 0; i < 600; i++) {
    const now = await status();
    if (now.pending?.state === 'FAILED') throw new Error(`layout failed: ${now.pending.errorMessage}`);
    if (now.current && now.current.version > version) return now as Status & { current: NonNullable<Status['current']> };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no layout after version ${version} within 120 s`);
}

async function points(version: number): Promise<MapPoints> {
  const response = await fetch(`${api.url}/layout/${version}/points`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  return decodePoints(await response.arrayBuffer());
}

async function labelsById(): Promise<Map<number, string>> {
  const rows = await atlas.runtime.db.pool.query<{ id: number; label: string }>('SELECT id, label FROM cell');
  return new Map(rows.rows.map((row) => [row.id, row.label]));
}

/** Share of cells whose nearest other cell on the map (among `among`) has the same label. */
function neighbourAgreement(map: MapPoints, labels: Map<number, string>, which: (i: number) => boolean, among: (j: number) => boolean): number {
  let agree = 0;
  let total = 0;
  for (let i = 0; i < map.cellIds.length; i++) {
    if (!which(i)) continue;
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < map.cellIds.length; j++) {
      if (j === i || !among(j)) continue;
      const d = (map.x[i]! - map.x[j]!) ** 2 + (map.y[i]! - map.y[j]!) ** 2;
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    total += 1;
    if (labels.get(map.cellIds[i]!) === labels.get(map.cellIds[best]!)) agree += 1;
  }
  return agree / total;
}

/** The same agreement in the 256-d embedding space (cosine), new cells against the others. */
async function embeddingAgreement(labels: Map<number, string>, isNew: (id: number) => boolean): Promise<number> {
  const rows = (await atlas.runtime.db.pool.query<{ id: number; embedding: Buffer }>('SELECT id, embedding FROM cell')).rows;
  const vectors = rows.map((row) => ({ id: row.id, v: new Float32Array(new Uint8Array(row.embedding).buffer) }));
  let agree = 0;
  let total = 0;
  for (const a of vectors.filter((x) => isNew(x.id))) {
    let best = -Infinity;
    let bestId = -1;
    for (const b of vectors) {
      if (isNew(b.id)) continue;
      let dot = 0;
      for (let k = 0; k < a.v.length; k++) dot += a.v[k]! * b.v[k]!;
      if (dot > best) {
        best = dot;
        bestId = b.id;
      }
    }
    total += 1;
    if (labels.get(a.id) === labels.get(bestId)) agree += 1;
  }
  return agree / total;
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDir('layout');
  atlas = await openConfiguredAtlas(testConfig(database.url, join(dir, 'data'), { LANGCELL_LAYOUT_SAMPLE_CELLS: '400' }), {
    serving: true,
    log: () => undefined,
    prepare: (runtime) => seedDemo({ ...runtime, chunkSize: 300 }, SEEDED),
  });
  api = await startApi(atlas, {}, { layouts: atlas.layouts });
});

afterAll(async () => {
  await api?.close();
  await atlas?.close();
  await database?.drop();
});

describe('the layout job and the map routes', () => {
  let first: MapPoints;
  let firstVersion: number;

  it('computes a map of every cell after the atlas is seeded, where cells of one type lie together', async () => {
    const now = await nextVersion(0);
    firstVersion = now.current.version;
    expect(now.current).toMatchObject({ method: 'fit', processedCells: SEEDED, sampleCells: 400, state: 'READY' });
    expect(now.colorBy.slice(0, 3)).toEqual(['label', 'sourceLabel', 'dataset']);
    expect(now.colorBy).toContain('metadata.donor');
    first = await points(firstVersion);
    const ids = (await atlas.runtime.db.pool.query<{ id: number }>('SELECT id FROM cell ORDER BY id')).rows.map((row) => row.id);
    expect(Array.from(first.cellIds)).toEqual(ids);
    for (const v of [...first.x, ...first.y]) expect(Math.abs(v)).toBeLessThanOrEqual(1.0001);
    // Sampled (UMAP) and placed cells alike sit next to cells of their own type.
    expect(neighbourAgreement(first, await labelsById(), () => true, () => true)).toBeGreaterThan(0.85);
  });

  it('colours by label, dataset and metadata with counts that match the database', async () => {
    const response = await fetch(`${api.url}/layout/${firstVersion}/colors?by=label`);
    expect(response.status).toBe(200);
    const column = decodeColumn(await response.arrayBuffer());
    const counts = await atlas.runtime.db.pool.query<{ label: string; n: string }>('SELECT label, count(*) AS n FROM cell GROUP BY label');
    expect(Object.fromEntries(column.categories.map((c) => [c.name, c.cells]))).toEqual(Object.fromEntries(counts.rows.map((row) => [row.label, Number(row.n)])));
    const labels = await labelsById();
    first.cellIds.forEach((id, i) => expect(column.categories[column.codes[i]!]!.name).toBe(labels.get(id)));
    // Most cells first.
    expect(column.categories.map((c) => c.cells)).toEqual([...column.categories.map((c) => c.cells)].sort((a, b) => b - a));

    const byDataset = decodeColumn(await (await fetch(`${api.url}/layout/${firstVersion}/colors?by=dataset`)).arrayBuffer());
    expect(byDataset.categories).toEqual([{ name: 'demo-atlas', cells: SEEDED }]);
    const byDonor = decodeColumn(await (await fetch(`${api.url}/layout/${firstVersion}/colors?by=metadata.donor`)).arrayBuffer());
    expect(byDonor.categories.reduce((sum, c) => sum + c.cells, 0)).toBe(SEEDED);
    expect(byDonor.categories.length).toBeGreaterThan(1);
  });

  it('answers 400 for an unknown colour column and 404 for a version that does not exist', async () => {
    const bad = await fetch(`${api.url}/layout/${firstVersion}/colors?by=favourite_colour`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { message: string }[] }).errors[0]!.message).toContain('metadata.<column>');
    expect((await fetch(`${api.url}/layout/999/points`)).status).toBe(404);
    expect((await fetch(`${api.url}/layout/abc/colors?by=label`)).status).toBe(404);
  });

  it('scores every cell of a small atlas against a text for the heat mode, B cells hottest for "B cell"', async () => {
    const response = await fetch(`${api.url}/layout/${firstVersion}/similarity?text=${encodeURIComponent('cell type: B cell. ')}`);
    expect(response.status).toBe(200);
    const heat = decodeHeat(await response.arrayBuffer());
    expect(heat.scored).toBe(SEEDED);
    expect(heat.similarities.length).toBe(SEEDED);
    expect(Array.from(heat.similarities).some(Number.isNaN)).toBe(false);
    const labels = await labelsById();
    const mean = (want: boolean) => {
      const values = Array.from(first.cellIds).flatMap((id, i) => ((labels.get(id) === 'B cell') === want ? [heat.similarities[i]!] : []));
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    expect(mean(true)).toBeGreaterThan(mean(false) + 0.2);
    expect(heat.ceiling).toBe(Math.max(...heat.similarities));
    expect((await fetch(`${api.url}/layout/${firstVersion}/similarity?text=`)).status).toBe(400);
  });

  let extended: MapPoints;
  let extendedVersion: number;

  it('adds a small new reference without moving the cells already placed (extend)', async () => {
    const file = join(dir, 'small.h5ad');
    await writeDemoReference(file, 100, 11, 'small');
    const job = await atlas.ingestReference({ path: file, name: 'small' });
    for await (const update of atlas.watchIngestion(job.id)) if (update.state !== 'RUNNING' && update.state !== 'QUEUED') break;

    const now = await nextVersion(firstVersion);
    extendedVersion = now.current.version;
    expect(now.current).toMatchObject({ method: 'extend', processedCells: SEEDED + 100 });
    extended = await points(extendedVersion);
    expect(extended.cellIds.length).toBe(SEEDED + 100);
    // The first map's cells are exactly where they were.
    first.cellIds.forEach((id, i) => {
      const at = extended.cellIds.indexOf(id);
      expect([extended.x[at], extended.y[at]]).toEqual([first.x[i], first.y[i]]);
    });
    // New cells land among reference cells of their own type about as often as their embeddings
    // do: the map keeps what the model knows (the demo model's own 1-NN agreement is the ceiling).
    const old = new Set(first.cellIds);
    const isNew = (i: number) => !old.has(extended.cellIds[i]!);
    const labels = await labelsById();
    const onMap = neighbourAgreement(extended, labels, isNew, (j) => !isNew(j));
    const inEmbedding = await embeddingAgreement(labels, (id) => !old.has(id));
    expect(inEmbedding).toBeGreaterThan(0.6);
    expect(onMap).toBeGreaterThan(0.9 * inEmbedding);
  });

  it('drops a deleted reference from the map: its cells are hidden at once, gone in the next version', async () => {
    const small = (await atlas.datasets()).find((d) => d.name === 'small')!;
    await atlas.deleteDataset(small.id);
    // Before the next version: the extended map's colours mark the deleted cells as gone.
    const column = decodeColumn(await (await fetch(`${api.url}/layout/${extendedVersion}/colors?by=label`)).arrayBuffer());
    const hidden = Array.from(column.codes).filter((code) => code === column.hiddenCode).length;
    expect(hidden).toBe(100);

    const now = await nextVersion(extendedVersion);
    expect(now.current).toMatchObject({ method: 'extend', processedCells: SEEDED });
    const after = await points(now.current.version);
    expect(Array.from(after.cellIds)).toEqual(Array.from(first.cellIds));
    expect(Array.from(after.x)).toEqual(Array.from(first.x));
    // Versions before the previous one are removed.
    expect((await fetch(`${api.url}/layout/${firstVersion}/points`)).status).toBe(404);
  });
});
