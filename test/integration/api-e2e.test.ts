/**
 * The service end to end: HTTP → GraphQL → the real Atlas → PostgreSQL, on a small demo atlas.
 * Scientific answers are checked against the generator's truth labels.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Atlas } from '../../src/atlas/atlas.ts';
import { openConfiguredAtlas } from '../../src/cli/open-atlas.ts';
import { generateDemoAtlas } from '../../seed/atlas.ts';
import { DEMO_DATASET_NAME, seedDemo } from '../../seed/seed-database.ts';
import { createTestDatabase, referenceCells, tempDir, testConfig, type TestDatabase } from '../helpers/atlas-db.ts';
import { ADMIN_TOKEN, codes, gql, startApi, type TestApi } from '../helpers/api-server.ts';
import { writeH5ad } from '../helpers/h5ad-writer.ts';

let database: TestDatabase;
let atlas: Atlas;
let api: TestApi;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDir('e2e');
  atlas = await openConfiguredAtlas(testConfig(database.url, join(dir, 'data')), {
    serving: true,
    log: () => undefined,
    prepare: (runtime) => seedDemo({ ...runtime, chunkSize: 300 }, 1200),
  });
  api = await startApi(atlas, { LANGCELL_INGEST_ROOT: dir });
});

afterAll(async () => {
  await api?.close();
  await atlas?.close();
  await database?.drop();
});

/** The advisory lock that holds an ingestion before it succeeds (see the upload test). */
const HOLD_LOCK = 4242;

const HIT = 'similarity ctmProbability cell { id externalId label datasetName metadata }';

describe('queries on the demo atlas', () => {
  it('searchCells finds cells of the described type, with and without CTM rerank', async () => {
    for (const rerank of [false, true]) {
      const response = await gql(api.url, `query($r: Boolean!) { searchCells(text: "cell type: B cell. ", k: 5, rerank: $r) { ${HIT} } }`, { variables: { r: rerank } });
      const hits = response.body.data!.searchCells as { cell: { label: string }; ctmProbability: number | null }[];
      expect(hits).toHaveLength(5);
      expect(hits.map((h) => h.cell.label)).toEqual(Array(5).fill('B cell'));
      expect(hits.every((h) => (h.ctmProbability === null) === !rerank)).toBe(true);
    }
  });

  it('annotateCell gives stored test cells their true label', async () => {
    const cells = await atlas.runtime.db.pool.query<{ id: number; label: string }>(`SELECT id, label FROM cell WHERE metadata->>'split' = 'test' ORDER BY id LIMIT 20`);
    let correct = 0;
    for (const cell of cells.rows) {
      const response = await gql(api.url, `{ annotateCell(input: { cellId: "${cell.id}" }, k: 10) { status confidence label { name } bestLabel { name } candidates { label { name } zeroShot pMatch fused knnShare } neighbors { cell { id } } } }`);
      const annotation = response.body.data!.annotateCell as { status: string; bestLabel: { name: string }; candidates: { zeroShot: number }[]; neighbors: { cell: { id: string } }[] };
      if (annotation.bestLabel.name === cell.label) correct += 1;
      expect(annotation.candidates.reduce((sum, c) => sum + c.zeroShot, 0)).toBeCloseTo(1, 5);
      expect(annotation.neighbors.map((n) => Number(n.cell.id))).not.toContain(cell.id);
    }
    expect(correct).toBeGreaterThanOrEqual(18);
  });

  it('an expression given by value is tokenized like the stored cell (Ensembl ids or symbols, counts)', async () => {
    // The same generator run as the seeded atlas: these are the stored cells' own counts.
    const atlasCells = generateDemoAtlas({ cells: 1200 });
    const testRows = atlasCells.cells.filter((c) => c.split === 'test').slice(0, 10);
    let annotatedRight = 0;
    for (const [n, cell] of testRows.entries()) {
      const genes: string[] = [];
      const values: number[] = [];
      for (let k = atlasCells.counts.indptr[cell.index]!; k < atlasCells.counts.indptr[cell.index + 1]!; k += 1) {
        const gene = atlasCells.genes[atlasCells.counts.indices[k]!]!;
        genes.push(n % 2 === 0 ? gene.ensemblId : gene.symbol);
        values.push(atlasCells.counts.values[k]!);
      }
      const variables = { input: { expression: { genes, values, valueType: 'COUNTS' } } };
      const response = await gql(
        api.url,
        'query($input: CellInput!) { annotateCell(input: $input) { bestLabel { name } inputGenes { given matched source } } similarCells(input: $input, k: 1) { similarity cell { externalId } } }',
        { variables },
      );
      expect(response.body.errors).toBeUndefined();
      const data = response.body.data as {
        annotateCell: { bestLabel: { name: string }; inputGenes: { given: number; matched: number; source: string } };
        similarCells: { similarity: number; cell: { externalId: string } }[];
      };
      // Every demo gene is in the demo vocabulary, by Ensembl id and by symbol.
      expect(data.annotateCell.inputGenes).toEqual({ given: genes.length, matched: genes.length, source: n % 2 === 0 ? 'Ensembl ids' : 'gene symbols' });
      expect(data.similarCells[0]!.cell.externalId).toBe(cell.id);
      expect(data.similarCells[0]!.similarity).toBeGreaterThan(0.9999);
      if (data.annotateCell.bestLabel.name === cell.label) annotatedRight += 1;
    }
    expect(annotatedRight).toBeGreaterThanOrEqual(9);
  });

  it('refuses an unusable expression with its code and a remedy in the API\'s terms', async () => {
    const cases = [
      { expression: { genes: ['CD3E', 'CD19'], values: [-1.2, 3.4], valueType: 'LOG1P' }, code: 'SCALED_VALUES', says: 'valueType: COUNTS' },
      { expression: { genes: ['NOT_A_GENE', 'ALSO_NOT'], values: [1, 2], valueType: 'COUNTS' }, code: 'NO_VOCABULARY_GENES', says: 'HGNC symbols' },
      { expression: { genes: ['CD3E'], values: [0], valueType: 'COUNTS' }, code: 'EMPTY_MATRIX', says: 'every value is 0' },
      // expm1(89) overflows float32: such values are counts, not log1p, and once changed the answer silently.
      { expression: { genes: ['NKG7', 'GNLY', 'CD3E'], values: [89, 3, 2], valueType: 'LOG1P' }, code: 'INVALID_INPUT', says: 'valueType: COUNTS' },
      { expression: { genes: ['NKG7', 'GNLY'], values: [1e300, 3], valueType: 'COUNTS' }, code: 'INVALID_INPUT', says: 'float32' },
    ];
    for (const { expression, code, says } of cases) {
      const response = await gql(api.url, 'query($input: CellInput!) { annotateCell(input: $input) { confidence } }', { variables: { input: { expression } } });
      const error = (response.body.errors as Array<{ message: string; extensions: { code: string } }>)[0]!;
      expect(error.extensions.code).toBe(code);
      expect(error.message).toContain(says);
      expect(error.message).not.toContain('--layer');
    }
  });

  it('answers cell, datasets, labels and model', async () => {
    const response = await gql(api.url, '{ cell(id: "1") { id externalId label } datasets { id name state cellCount } labels(search: "monocyte") { name ontologyId } model { bundleId embeddingDim } }');
    const data = response.body.data as { cell: { externalId: string }; datasets: { name: string; state: string; cellCount: number }[]; labels: { name: string }[]; model: { embeddingDim: number } };
    expect(data.cell.externalId).toBe('demo-00000');
    expect(data.datasets).toEqual([expect.objectContaining({ name: DEMO_DATASET_NAME, state: 'READY', cellCount: 1200 })]);
    expect(data.labels.map((l) => l.name)).toContain('CD14-low, CD16-positive monocyte');
    expect(data.model.embeddingDim).toBe(256);
  });
});

describe('admin mutations', () => {
  it('refuses mutations without an admin token', async () => {
    const response = await gql(api.url, 'mutation { createLabel(input: { name: "mast cell" }) { label { id } errors { code } } }');
    expect(codes(response)[0]).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
    expect((await atlas.labels('mast cell')).length).toBe(0);
  });

  it('creates, updates, imports and deletes labels; annotation sees every change', async () => {
    const candidateNames = async () => {
      const response = await gql(api.url, '{ annotateCell(input: { cellId: "1" }, k: 5, rerank: false) { candidates { label { name description } } } }');
      return (response.body.data!.annotateCell as { candidates: { label: { name: string; description: string | null } }[] }).candidates.map((c) => c.label);
    };
    expect((await candidateNames()).map((l) => l.name)).not.toContain('mast cell');
    const created = await gql(api.url, 'mutation { createLabel(input: { name: "mast cell", ontologyId: "CL:0000097" }) { label { id name } errors { code } } }', { token: ADMIN_TOKEN });
    const id = (created.body.data!.createLabel as { label: { id: string } }).label.id;
    const updated = await gql(api.url, `mutation { updateLabel(id: "${id}", patch: { description: "A cell that is found in almost all tissues containing numerous basophilic granules." }) { label { description } } }`, { token: ADMIN_TOKEN });
    expect(updated.body.errors).toBeUndefined();
    // The atlas keeps labels in memory: a new label and a new description must reach annotation.
    expect((await candidateNames()).find((l) => l.name === 'mast cell')?.description).toMatch(/^A cell that is found/);
    const duplicate = await gql(api.url, 'mutation { createLabel(input: { name: "mast cell" }) { label { id } errors { field code } } }', { token: ADMIN_TOKEN });
    expect((duplicate.body.data!.createLabel as { errors: unknown[] }).errors.length).toBe(1);
    const tsv = join(dir, 'labels.tsv');
    writeFileSync(tsv, 'id\tlabel\tdefinition\nCL:0000097\tmast cell\tA granulocyte found in connective tissue.\nCL:0000771\teosinophil\tA granulocyte with eosinophilic granules.\n');
    const imported = await gql(api.url, `mutation { importLabels(input: { path: ${JSON.stringify(tsv)} }) { result { created updated } errors { code } } }`, { token: ADMIN_TOKEN });
    expect(imported.body.data!.importLabels).toMatchObject({ result: { created: 1, updated: 1 }, errors: [] });
    const deleted = await gql(api.url, `mutation { deleteLabel(id: "${id}") { label { name } } }`, { token: ADMIN_TOKEN });
    expect(deleted.body.data!.deleteLabel).toMatchObject({ label: { name: 'mast cell' } });
    const after = (await candidateNames()).map((l) => l.name);
    expect(after).not.toContain('mast cell');
    expect(after).toContain('eosinophil');
  });

  it('the kNN vote counts reference cells for the label their own label maps to, not for every label sharing a synonym', async () => {
    const created = await gql(api.url, 'mutation { createLabel(input: { name: "B lymphocyte (test)", synonyms: ["B cell"] }) { label { id } errors { code } } }', { token: ADMIN_TOKEN });
    const id = (created.body.data!.createLabel as { label: { id: string } }).label.id;
    const bCell = await gql(api.url, '{ searchCells(text: "cell type: B cell. ", k: 1) { cell { id label } } }');
    const cellId = (bCell.body.data!.searchCells as { cell: { id: string; label: string } }[])[0]!.cell.id;
    const response = await gql(api.url, `{ annotateCell(input: { cellId: "${cellId}" }, candidates: ["B cell", "B lymphocyte (test)", "natural killer cell"], k: 10, rerank: false) { candidates { label { name } knnShare } } }`);
    const shares = Object.fromEntries((response.body.data!.annotateCell as { candidates: { label: { name: string }; knnShare: number }[] }).candidates.map((c) => [c.label.name, c.knnShare]));
    // The reference's "B cell" is harmonised to the catalogue's label named exactly that (rule NAME).
    expect(shares['B cell']).toBeGreaterThan(0.5);
    expect(shares['B lymphocyte (test)']).toBe(0);
    await gql(api.url, `mutation { deleteLabel(id: "${id}") { label { name } } }`, { token: ADMIN_TOKEN });
  });

  it('upload → ingestReference → progress events → dataset searchable → deleteDataset', async () => {
    const reference = referenceCells(200, 5);
    const file = join(dir, 'upload.h5ad');
    await writeH5ad(file, {
      X: reference.matrix, layout: 'csr', encoding: 'modern', dtype: '<f',
      obs: { index: reference.cellIds.map((c) => `up-${c}`), columns: { cell_type: { kind: 'categorical', values: reference.labels } } },
      var: { index: reference.geneIds },
    });
    const upload = await fetch(`${api.url}/uploads?filename=upload.h5ad`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: await readFile(file) });
    expect(upload.status).toBe(201);
    const { uploadId } = (await upload.json()) as { uploadId: string };
    let job: { id: string; datasetId: string; totalCells: number };
    // The job is held before it can succeed, so that "while the job runs" is certain: a trigger makes
    // the last chunk's transaction (the one that sets SUCCEEDED) wait for an advisory lock this test
    // holds. Every other chunk is stored meanwhile: cells in the database, not yet searchable.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query(`CREATE FUNCTION test_hold_success() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(${HOLD_LOCK}); RETURN NEW; END $$`);
      await holder.query(`CREATE TRIGGER test_hold_success BEFORE UPDATE ON ingestion_job FOR EACH ROW WHEN (NEW.state = 'SUCCEEDED') EXECUTE FUNCTION test_hold_success()`);
      await holder.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);

      const started = await gql(api.url, `mutation { ingestReference(input: { uploadId: "${uploadId}", name: "uploaded" }) { job { id datasetId state totalCells } errors { code message } } }`, { token: ADMIN_TOKEN });
      job = (started.body.data!.ingestReference as { job: { id: string; datasetId: string; totalCells: number } }).job;
      expect(job.totalCells).toBe(200);
      const jobId = job.id;
      const chunksLeft = async () => (await holder.query<{ left: number }>('SELECT chunk_count - chunks_done AS left FROM ingestion_job WHERE id = $1', [jobId])).rows[0]!.left;
      await expect.poll(chunksLeft, { timeout: 120_000, interval: 100 }).toBe(1);
      // Chunks (64 cells in testConfig) are taken in no fixed order: the held one has 64 cells or the last 8.
      const stored = await holder.query<{ cells: number; processed: number }>(
        'SELECT (SELECT count(*)::int FROM cell WHERE dataset_id = j.dataset_id) AS cells, j.processed_cells AS processed FROM ingestion_job j WHERE j.id = $1',
        [jobId],
      );
      expect(stored.rows[0]!.cells).toBe(stored.rows[0]!.processed);
      expect(stored.rows[0]!.cells).toBeGreaterThanOrEqual(200 - 64);

      const during = await gql(api.url, `{ ingestionJob(id: "${job.id}") { state } searchCells(text: "B cell", k: 5, filter: { datasetIds: ["${job.datasetId}"] }) { cell { id } } }`);
      expect(during.body.data).toEqual({ ingestionJob: { state: 'RUNNING' }, searchCells: [] });
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      await holder.query('DROP TRIGGER IF EXISTS test_hold_success ON ingestion_job');
      await holder.query('DROP FUNCTION IF EXISTS test_hold_success()');
      await holder.end();
    }

    const events = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: `subscription { ingestionProgress(jobId: "${job.id}") { state processedCells } }` }),
    });
    const stream = await events.text();
    const states = [...stream.matchAll(/"state":"(\w+)"/g)].map((m) => m[1]);
    expect(states.at(-1)).toBe('SUCCEEDED');
    await (await atlas.index()).sync();

    const after = await gql(api.url, `{ searchCells(text: "B cell", k: 5, filter: { datasetIds: ["${job.datasetId}"] }) { cell { datasetName externalId } } }`);
    const hits = after.body.data!.searchCells as { cell: { datasetName: string; externalId: string } }[];
    expect(hits).toHaveLength(5);
    expect(hits.every((h) => h.cell.datasetName === 'uploaded' && h.cell.externalId.startsWith('up-'))).toBe(true);

    const removed = await gql(api.url, `mutation { deleteDataset(id: "${job.datasetId}") { dataset { name } errors { code } } }`, { token: ADMIN_TOKEN });
    expect(removed.body.data!.deleteDataset).toMatchObject({ dataset: { name: 'uploaded' } });
    const gone = await gql(api.url, `{ searchCells(text: "B cell", k: 5, filter: { datasetIds: ["${job.datasetId}"] }) { cell { id } } }`);
    expect(gone.body.data!.searchCells).toHaveLength(0);
  });
});
