/**
 * Annotation that earns trust, through the real Atlas and PostgreSQL: without labelled references
 * the decision is LangCell's own (and says it is uncalibrated); a reference whose labels are
 * written its own way is harmonised (name, synonym, ontology id, mapping file, admin); the decision
 * is then fitted on its cells and combines the kNN vote; an adapter taught on it joins the evidence;
 * every refusal has its code.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Atlas } from '../../src/atlas/atlas.ts';
import { openConfiguredAtlas } from '../../src/cli/open-atlas.ts';
import type { AtlasError } from '../../src/errors.ts';
import { upsertLabels } from '../../src/store/labels.ts';
import { upsertOntologyTerms } from '../../src/store/ontology.ts';
import { DEMO_ONTOLOGY_TERMS } from '../../seed/ontology.ts';
import { demoLabelInputs } from '../../seed/seed-database.ts';
import { createTestDatabase, expressionOf as referenceExpression, referenceCells, tempDir, testConfig, type TestDatabase } from '../helpers/atlas-db.ts';
import { writeH5ad } from '../helpers/h5ad-writer.ts';
import { writeQueryH5ad } from '../helpers/query-files.ts';
import { cellCategories } from '../../src/store/layouts.ts';
import { annotateQueryFile, evaluateRows, openQueryFile } from '../../src/atlas/annotate-file.ts';
import { EVIDENCE_SOURCES } from '../../src/model/decision.ts';
import { decodeTokens } from '../../src/store/codec.ts';

let database: TestDatabase;
let atlas: Atlas;
let dir: string;

/** The reference writes the demo's cell types its own way. */
const OWN_NAMES: Record<string, string> = {
  'B cell': 'B cells',
  'natural killer cell': 'NK cell',
  'CD4-positive, alpha-beta T cell': 'CL:0000624',
  'CD8-positive, alpha-beta T cell': 'CD8 T (lab name)',
};

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDir('trust');
  atlas = await openConfiguredAtlas(testConfig(database.url, join(dir, 'data')), {
    serving: false,
    log: () => undefined,
    prepare: async (runtime) => {
      await upsertLabels(runtime.db, demoLabelInputs());
      await upsertOntologyTerms(runtime.db, DEMO_ONTOLOGY_TERMS);
    },
  });
});

afterAll(async () => {
  await atlas?.close();
  await database?.drop();
});

async function refusal(promise: Promise<unknown>): Promise<AtlasError> {
  try {
    await promise;
  } catch (error) {
    return error as AtlasError;
  }
  throw new Error('expected a refusal');
}

describe('annotation that earns trust', () => {
  const reference = referenceCells(480, 11);
  const genes = reference.geneIds;
  const expressionOf = (row: number) => referenceExpression(reference, row);

  it('without a labelled reference the decision is exactly LangCell’s, and says it is uncalibrated', async () => {
    const annotation = await atlas.annotateCell({ expression: expressionOf(0) }, { k: 10, rerank: true, topM: 3 });
    // Independently: the model's own decision over the same candidates (every label, in catalogue order).
    const labels = await atlas.labels();
    const model = atlas.runtime.model;
    const labelSet = await model.labelSet(labels.map((l) => l.promptText));
    const { tokens } = await import('../../src/atlas/expression-input.ts').then((m) => m.tokenizeExpression(model, expressionOf(0)));
    const [langcell] = await model.annotateCells([tokens], labelSet, { rerank: true, topM: 3, abstainBelow: 0.5 });
    expect(annotation.calibrated).toBe(false);
    expect(annotation.decidedBy).toEqual(['zeroShot', 'ctm']);
    expect(annotation.bestLabel.name).toBe(labels[langcell!.best]!.name);
    expect(annotation.confidence).toBeCloseTo(langcell!.confidence, 6);
    expect(annotation.candidates.map((c) => c.combined)).toEqual(annotation.candidates.map(() => null));
    expect(annotation.novelty).toBeNull();
  });

  it('harmonises a reference’s own label strings at ingestion and reports how', async () => {
    const path = join(dir, 'reference.h5ad');
    const labels = reference.labels.map((l) => OWN_NAMES[l] ?? l);
    await writeH5ad(path, {
      X: reference.matrix,
      layout: 'csr',
      encoding: 'modern',
      dtype: '<f',
      obs: { index: reference.cellIds, columns: { cell_type: { kind: 'categorical', values: labels } } },
      var: { index: genes },
    });
    await atlas.startWorker();
    const job = await atlas.ingestReference({ path, name: 'lab-reference', labelMap: { 'CD8 T (lab name)': 'CL:0000625' } });
    let last = job;
    for await (const current of atlas.watchIngestion(job.id)) last = current;
    expect(last.state).toBe('SUCCEEDED');
    const dataset = (await atlas.dataset('lab-reference'))!;
    const names = new Map((await atlas.labels()).map((l) => [l.id, l.name]));
    const mappings = new Map((await atlas.labelMappings(dataset.id)).map((m) => [m.sourceLabel, { label: m.labelId === null ? null : names.get(m.labelId), method: m.method, cells: m.cells }]));
    expect(mappings.get('B cells')).toEqual({ label: 'B cell', method: 'NAME', cells: labels.filter((l) => l === 'B cells').length });
    expect(mappings.get('NK cell')).toMatchObject({ label: 'natural killer cell', method: 'SYNONYM' });
    expect(mappings.get('CL:0000624')).toMatchObject({ label: 'CD4-positive, alpha-beta T cell', method: 'ONTOLOGY_ID' });
    expect(mappings.get('CD8 T (lab name)')).toMatchObject({ label: 'CD8-positive, alpha-beta T cell', method: 'FILE' });
    // An admin's word is kept.
    await atlas.setLabelMapping(dataset.id, 'NK cell', 'natural killer cell');
    expect((await atlas.labelMappings(dataset.id)).find((m) => m.sourceLabel === 'NK cell')).toMatchObject({ method: 'ADMIN' });
    expect((await refusal(atlas.setLabelMapping(dataset.id, 'no such label', null))).code).toBe('NOT_FOUND');
  });

  it('a label filter finds the reference cells harmonised to the label, whatever the reference calls them', async () => {
    // The reference writes B cells as "B cells" and CD4 T cells as their ontology id.
    const expected = reference.labels.filter((l) => l === 'B cell' || l === 'CD4-positive, alpha-beta T cell').length;
    const hits = await atlas.searchCells('B cells', { k: expected + 10, filter: { labels: ['B cell', 'CD4-positive, alpha-beta T cell'] } });
    expect(hits).toHaveLength(expected);
    expect(new Set(hits.map((h) => h.cell.label))).toEqual(new Set(['B cells', 'CL:0000624']));
    // The reference's own strings still work.
    const own = await atlas.searchCells('B cells', { k: 5, filter: { labels: ['B cells'] } });
    expect(own.map((h) => h.cell.label)).toEqual(Array(5).fill('B cells'));
  });

  it('the map colours cells by the cell type their reference label is harmonised to, or by the label itself', async () => {
    const db = atlas.runtime.db;
    const modelId = atlas.runtime.model.id;
    const [byType, bySource] = await Promise.all([cellCategories(db, modelId, { kind: 'label' }), cellCategories(db, modelId, { kind: 'sourceLabel' })]);
    const pairs = new Set([...bySource].map(([id, source]) => `${source} → ${byType.get(id)}`));
    // Each of the reference's own strings, next to what the catalogue reads it as (OWN_NAMES above).
    expect(pairs).toContain('B cells → B cell');
    expect(pairs).toContain('NK cell → natural killer cell');
    expect(pairs).toContain('CL:0000624 → CD4-positive, alpha-beta T cell');
    expect(pairs).toContain('CD8 T (lab name) → CD8-positive, alpha-beta T cell');
    expect(pairs).toContain('plasma cell → plasma cell');
    expect(pairs.size).toBe(new Set(reference.labels).size);
  });

  it('an ontology id with no catalogue label at or above it stays unmapped: it is never matched by its text', async () => {
    // Heart cells' truth: endothelial cell (CL:0000115) is not in the demo catalogue nor below any of
    // its labels; "PATO:0000461" is no cell type at all. Both used to be text-matched to NK cells.
    const harmonised = await atlas.harmoniseLabels(['CL:0000115', 'PATO:0000461', 'CL:0000236']);
    expect(harmonised.get('CL:0000115')).toMatchObject({ label: null, method: 'UNMAPPED', ontologyId: 'CL:0000115' });
    expect(harmonised.get('PATO:0000461')).toMatchObject({ label: null, method: 'UNMAPPED', ontologyId: 'PATO:0000461' });
    expect(harmonised.get('CL:0000236')).toMatchObject({ label: { name: 'B cell' }, method: 'ONTOLOGY_ID' });
  });

  it('fits the decision on the reference and combines the kNN vote of harmonised labels', async () => {
    const fit = await atlas.calibrate();
    expect(fit.combiner).not.toBeNull();
    // Which sources join is chosen on held-out reference cells; the labelled reference's vote always can.
    expect(Object.keys(fit.combiner!.withCtm)).toContain('knn');
    expect(fit.validation!.folds).toBe(5);
    expect(fit.validation!.labelled).toBeGreaterThanOrEqual(30);
    const stored = (await atlas.runtime.db.pool.query<{ id: number; label: string }>(`SELECT id, label FROM cell WHERE label = 'NK cell' ORDER BY id LIMIT 1`)).rows[0]!;
    const annotation = await atlas.annotateCell({ cellId: stored.id }, { k: 15, rerank: true, topM: 3 });
    expect(annotation.calibrated).toBe(true);
    expect(annotation.decidedBy).toEqual(EVIDENCE_SOURCES.filter((source) => source in fit.combiner!.withCtm));
    const nk = annotation.candidates.find((c) => c.label.name === 'natural killer cell')!;
    // Votes of cells labelled "NK cell" count for the label it is harmonised to (recomputed here from the neighbours).
    // The i-th nearest neighbour votes 1/i.
    const rankWeight = (keep: (hit: (typeof annotation.neighbors)[number]) => boolean) => annotation.neighbors.reduce((sum, hit, i) => sum + (keep(hit) ? 1 / (i + 1) : 0), 0);
    const expected = rankWeight((hit) => hit.cell.label === 'NK cell') / rankWeight(() => true);
    expect(expected).toBeGreaterThan(0);
    expect(nk.knnShare).toBeCloseTo(expected, 9);
    expect(annotation.candidates.reduce((sum, c) => sum + c.combined!, 0)).toBeCloseTo(1, 9);
    expect(annotation.novelty).not.toBeNull();
  });

  it('the gene signature of a label sums its reference cells; a stored cell is left out of its own label’s', async () => {
    const fit = await atlas.calibrate();
    const nkLabel = (await atlas.labels()).find((label) => label.name === 'natural killer cell')!;
    const signature = fit.signatures!.find((entry) => entry.labelId === nkLabel.id)!;
    const cellId = signature.cellIds[0]!;
    const row = (await atlas.runtime.db.pool.query<{ token_ids: Buffer }>('SELECT token_ids FROM cell WHERE id = $1', [cellId])).rows[0]!;
    const tokens = decodeTokens(row.token_ids);
    // The cell's rank vector and the cosines, from the definition: exp(−rank/100) over its genes after <cls>, L2-normalised.
    const own = new Map<number, number>();
    tokens.slice(1, 701).forEach((gene, rank) => own.set(gene, Math.exp(-rank / 100)));
    const norm = Math.hypot(...own.values());
    const sum = new Map(signature.genes.map((gene, i) => [gene, signature.weights[i]!]));
    const cosine = (leaveOut: boolean) => {
      let dot = 0;
      let squared = 0;
      for (const [gene, weight] of sum) {
        const value = weight - (leaveOut ? (own.get(gene) ?? 0) / norm : 0);
        dot += ((own.get(gene) ?? 0) / norm) * value;
        squared += value * value;
      }
      return dot / Math.sqrt(squared);
    };
    const options = { k: 15, rerank: false, topM: 3 };
    const asStored = (await atlas.annotateCell({ cellId }, options)).candidates.find((c) => c.label.id === nkLabel.id)!;
    const [asQuery] = await atlas.annotateTokens([tokens], options);
    expect(asStored.signature).toBeCloseTo(cosine(true), 9);
    expect(asQuery!.candidates.find((c) => c.label.id === nkLabel.id)!.signature).toBeCloseTo(cosine(false), 9);
    expect(cosine(false)).toBeGreaterThan(cosine(true));
  });

  it('a cell with too few genes the model knows is UNASSIGNED as TOO_FEW_GENES, neither novel nor known', async () => {
    const fit = await atlas.calibrate();
    // Independently: half the 1st percentile (interpolated) of the stored cells' known genes.
    const { rows } = await atlas.runtime.db.pool.query<{ p01: number }>(
      `SELECT percentile_cont(0.01) WITHIN GROUP (ORDER BY octet_length(token_ids) / 2 - 1) AS p01 FROM cell`,
    );
    expect(fit.novelty!.minGenes).toBeCloseTo(0.5 * rows[0]!.p01, 9);
    const full = expressionOf(0);
    // The cell's five highest genes only: far fewer than any reference cell has.
    const top = full.values.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, j]) => j);
    const sparse = { genes: top.map((j) => full.genes[j]!), values: top.map((j) => full.values[j]!), valueType: 'counts' as const };
    const annotation = await atlas.annotateCell({ expression: sparse }, { k: 15, rerank: true, topM: 3 });
    expect(annotation.label).toBeNull();
    expect(annotation.reason).toBe('TOO_FEW_GENES');
    expect(annotation.rolledUp).toBeNull();
    expect(annotation.novelty).toMatchObject({ genesKnown: 5, minGenes: fit.novelty!.minGenes });
    // The whole cell is read and judged as usual.
    const whole = await atlas.annotateCell({ expression: full }, { k: 15, rerank: true, topM: 3 });
    expect(whole.reason).not.toBe('TOO_FEW_GENES');
    expect(whole.novelty!.genesKnown).toBeGreaterThan(fit.novelty!.minGenes);
  });

  it('a file is decided by the fit for the atlas as it is now, also on a server that fits in the background', async () => {
    const serving = await openConfiguredAtlas(testConfig(database.url, join(dir, 'serving-data')), { serving: true, log: () => undefined });
    try {
      const dataset = (await serving.dataset('lab-reference'))!;
      // An admin's word changes the harmonised references: the stored fit no longer applies.
      await serving.setLabelMapping(dataset.id, 'B cells', 'B cell');
      const { tokenizeExpression } = await import('../../src/atlas/expression-input.ts');
      const tokens = await Promise.all([0, 1, 2].map(async (row) => (await tokenizeExpression(serving.runtime.model, expressionOf(row))).tokens));
      // Every cell of the file by the refitted decision, the first slice included (it used to be
      // decided by LangCell's uncalibrated decision while the server fitted in the background).
      const annotations = await serving.annotateTokens(tokens, { k: 15, rerank: true, topM: 3 });
      expect(annotations.map((a) => a.calibrated)).toEqual([true, true, true]);
    } finally {
      await serving.close();
    }
  });

  it('an evaluation says when the reference holds the evaluated cells themselves', async () => {
    const parts = atlas.fileAnnotationParts();
    const evaluate = async (name: string, cells: typeof reference) => {
      const path = join(dir, name);
      await writeH5ad(path, {
        X: cells.matrix,
        layout: 'csr',
        encoding: 'modern',
        dtype: '<f',
        obs: { index: cells.cellIds, columns: { cell_type: { kind: 'categorical', values: cells.labels } } },
        var: { index: cells.geneIds },
      });
      const file = await openQueryFile(parts, { path, k: 5, rerank: false, topM: 1, truthColumn: 'cell_type' });
      const rows: Parameters<typeof evaluateRows>[1][number][] = [];
      try {
        await annotateQueryFile(parts, file, async (slice) => void rows.push(...slice));
      } finally {
        await file.close();
      }
      return evaluateRows(parts, rows);
    };
    const slice = (cells: typeof reference, count: number, ids: (id: string) => string) => ({
      ...cells,
      matrix: cells.matrix.slice(0, count),
      cellIds: cells.cellIds.slice(0, count).map(ids),
      labels: cells.labels.slice(0, count),
      donors: cells.donors.slice(0, count),
    });
    // The first 30 cells of the ingested reference, under their own barcodes: each finds itself.
    expect((await evaluate('own-cells.h5ad', slice(reference, 30, (id) => id))).cellsInReference).toBe(30);
    // Cells of another generator run under other barcodes: none.
    expect((await evaluate('other-cells.h5ad', slice(referenceCells(30, 12), 30, (id) => `other-${id}`))).cellsInReference).toBe(0);
  });

  it('a server refits its decision when the references change, before anyone asks', async () => {
    const serving = await openConfiguredAtlas(testConfig(database.url, join(dir, 'serving-refit')), { serving: true, log: () => undefined });
    try {
      await serving.decision();
      const fits = () => serving.runtime.db.prisma.decisionModel.count();
      const before = await fits();
      // Another process (the test's own atlas) ingests a second labelled reference.
      const extra = referenceCells(60, 21);
      const path = join(dir, 'second-reference.h5ad');
      await writeH5ad(path, {
        X: extra.matrix,
        layout: 'csr',
        encoding: 'modern',
        dtype: '<f',
        obs: { index: extra.cellIds.map((id) => `second-${id}`), columns: { cell_type: { kind: 'categorical', values: extra.labels } } },
        var: { index: extra.geneIds },
      });
      const job = await atlas.ingestReference({ path, name: 'second-reference' });
      for await (const state of atlas.watchIngestion(job.id)) if (state.state !== 'QUEUED' && state.state !== 'RUNNING') break;
      // Nobody annotates: the server fits for the new state on its own, within seconds.
      const deadline = Date.now() + 60_000;
      while ((await fits()) === before && Date.now() < deadline) await new Promise((done) => setTimeout(done, 250));
      expect(await fits()).toBe(before + 1);
      // Its figures say how it does on each reference: both drawn whole (480 + 60 ≤ 600 cells).
      const fit = await serving.decision();
      expect(fit!.validation!.byDataset!.map((d) => [d.dataset, d.cells])).toEqual([
        ['lab-reference', 480],
        ['second-reference', 60],
      ]);
      expect(fit!.validation!.byDataset!.every((d) => d.accuracy >= 0 && d.accuracy <= 1)).toBe(true);
    } finally {
      await serving.close();
    }
  });

  it('cancels an annotation job that has not ended, and only once', async () => {
    // This atlas takes no annotation jobs (no serving worker): the job waits in its queue.
    const query = referenceCells(20, 5);
    const file = await writeQueryH5ad(dir, 'to-cancel.h5ad', query, query.labels);
    const job = await atlas.annotateFile({ path: file, k: 10, rerank: false, topM: 3 });
    expect(job.state).toBe('QUEUED');
    const cancelled = await atlas.cancelAnnotation(job.id);
    expect([cancelled.state, cancelled.finishedAt !== null]).toEqual(['CANCELLED', true]);
    expect((await refusal(atlas.cancelAnnotation(job.id))).code).toBe('JOB_NOT_CANCELLABLE');
    expect((await refusal(atlas.cancelAnnotation(987654))).code).toBe('NOT_FOUND');
  });

  it('a running job that learns it was cancelled leaves the rest of its file unread', async () => {
    // 600 cells are three slices of 256; the first slice's answer "stop" ends the run there.
    const query = referenceCells(600, 6);
    const path = await writeQueryH5ad(dir, 'stop-early.h5ad', query, query.labels);
    const parts = atlas.fileAnnotationParts();
    const file = await openQueryFile(parts, { path, k: 5, rerank: false, topM: 1 });
    const slices: number[] = [];
    try {
      await annotateQueryFile(parts, file, async (rows) => {
        slices.push(rows.length);
        return false;
      });
    } finally {
      await file.close();
    }
    expect(slices).toEqual([256]);
  });

  it('teaches the atlas with an adapter that joins the evidence with a weight that counts for its label, and refuses a stale one', async () => {
    const adapter = await atlas.adapt({ name: 'lab-5-shot', dataset: 'lab-reference', shots: 5, kind: 'cache' });
    expect(adapter.kind).toBe('cache');
    expect((await atlas.adapters()).map((a) => a.name)).toEqual(['lab-5-shot']);
    const annotation = await atlas.annotateCell({ expression: expressionOf(3) }, { k: 10, rerank: true, topM: 3, adapter: 'lab-5-shot' });
    expect(annotation.adapter).toBe('lab-5-shot');
    // The decision was fitted with the adapter among its sources (held-out figures of its own) and
    // decides by the sources it kept, each with a weight that counts for its label: an adapter
    // taught on cells the reference already holds may be left out (beside the gene signatures its
    // weight here comes out negative).
    const fit = await atlas.calibrate('lab-5-shot');
    expect(fit.adapter).toBe('lab-5-shot');
    expect(fit.validation!.sources.adapter).toBeDefined();
    expect(Object.values(fit.combiner!.withCtm).every((weight) => weight! >= 0)).toBe(true);
    expect(annotation.decidedBy).toEqual(EVIDENCE_SOURCES.filter((source) => source in fit.combiner!.withCtm));
    expect(annotation.candidates.reduce((sum, c) => sum + (c.adapter ?? 0), 0)).toBeCloseTo(1, 9);
    expect((await refusal(atlas.adapt({ name: 'lab-5-shot', dataset: 'lab-reference' }))).code).toBe('INVALID_INPUT');
    expect((await refusal(atlas.annotateCell({ expression: expressionOf(3) }, { k: 10, rerank: false, topM: 3, adapter: 'nope' }))).code).toBe('NOT_FOUND');
    // A label the adapter predicts is deleted: the adapter no longer fits the catalogue.
    const plasma = (await atlas.labels()).find((l) => l.name === 'plasma cell')!;
    const adapted = await atlas.adapters();
    expect(adapted[0]!.labels).toContain('plasma cell');
    await atlas.deleteLabel(plasma.id);
    expect((await refusal(atlas.annotateCell({ expression: expressionOf(3) }, { k: 10, rerank: false, topM: 3, adapter: 'lab-5-shot' }))).code).toBe('ADAPTER_STALE');
  });

  it('refuses an adapter with a label of a single labelled cell', async () => {
    const cells = (await atlas.runtime.db.pool.query<{ id: number }>(`SELECT id FROM cell ORDER BY id LIMIT 3`)).rows;
    const error = await refusal(atlas.adapt({ name: 'tiny', cells: [{ cellId: cells[0]!.id, label: 'B cell' }, { cellId: cells[1]!.id, label: 'natural killer cell' }, { cellId: cells[2]!.id, label: 'natural killer cell' }] }));
    expect(error.code).toBe('TOO_FEW_CELLS');
  });
});
