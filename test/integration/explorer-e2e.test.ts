/**
 * The explorer in a real headless Chromium (Debian's chromium driven by playwright-core) against
 * the real service on a small demo atlas: the map loads, a text search outlines cells, clicking a
 * cell on the map shows its annotation, an admin ingests a reference by upload and deletes it.
 * Screenshots of each step are kept in test-output/explorer/ to be looked at.
 *
 * Without Chromium (a machine that has not run .ci/run) the suite is reported skipped, as the
 * export tool's Python tests are without torch; CI installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Atlas } from '../../src/atlas/atlas.ts';
import { openConfiguredAtlas } from '../../src/cli/open-atlas.ts';
import { seedDemo } from '../../seed/seed-database.ts';
import { ADMIN_TOKEN, startApi, type TestApi } from '../helpers/api-server.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/explorer-probe.ts';
import { createTestDatabase, tempDir, writeDemoReference, testConfig, type TestDatabase } from '../helpers/atlas-db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shots = join(root, 'test-output', 'explorer');
const SEEDED = 1200;


let database: TestDatabase;
let atlas: Atlas;
let api: TestApi;
let browser: Browser;
let page: Page;
let dir: string;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

async function mapVersion(): Promise<number> {
  return Number(await page.evaluate(() => document.body.dataset.mapVersion ?? '0'));
}

describe.skipIf(!existsSync(CHROMIUM))('the explorer in Chromium', () => {
  beforeAll(async () => {
    // The page the server serves must be the one built from these sources (cheap when it is).
    execFileSync(process.execPath, [join(root, 'tools', 'build-web.mjs')], { cwd: root, stdio: 'inherit' });
    mkdirSync(shots, { recursive: true });
    database = await createTestDatabase();
    dir = tempDir('explorer');
    atlas = await openConfiguredAtlas(testConfig(database.url, join(dir, 'data')), {
      serving: true,
      log: () => undefined,
      prepare: (runtime) => seedDemo({ ...runtime, chunkSize: 300 }, SEEDED),
    });
    api = await startApi(atlas, {}, { layouts: atlas.layouts });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await atlas?.close();
    await database?.drop();
  });

  it('loads the map of the demo atlas with a legend of its cell types', async () => {
    await page.goto(`${api.url}/`);
    await page.waitForFunction((n) => document.body.dataset.mapCells === String(n), SEEDED, { timeout: 120_000 });
    await expect.poll(() => page.locator('.legend-item').count()).toBeGreaterThanOrEqual(8);
    const legend = await page.locator('.legend').innerText();
    expect(legend).toContain('B cell');
    expect(legend).toContain('natural killer cell');
    expect(await page.locator('#map-status').innerText()).toContain(`${SEEDED.toLocaleString('en-US')} cells`);
    // A legend entry outlines its cells and lists them by barcode, dataset and label.
    await page.locator('.legend-item', { hasText: 'B cell' }).first().click();
    await expect.poll(() => page.locator('.cell-list li').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.cell-list li').first().innerText()).toMatch(/^demo-\d+ demo-atlas · B cell$/);
    await shot('1-map');
  });

  it('outlines the cells a text search finds', async () => {
    await page.getByRole('tab', { name: 'Search' }).click();
    await page.locator('#search-text').fill('cell type: B cell. ');
    await page.locator('#search-k').fill('50');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#search-summary').count(), { timeout: 30_000 }).toBe(1);
    const summary = await page.locator('#search-summary').innerText();
    expect(summary).toContain('50 cells found, 50 outlined on the map');
    expect(summary).toMatch(/Labels: B cell \(\d+\)/);
    expect(await page.evaluate(() => window.langcellExplorer!.highlightedCount())).toBe(50);
    await shot('2-search');
    await page.locator('#search-heat').check();
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.evaluate(() => document.body.dataset.mapMode)).toBe('heat');
    await shot('2b-search-heat');
    await page.locator('#search-heat').uncheck();
    await expect.poll(() => page.evaluate(() => document.body.dataset.mapMode)).toBe('category');
  });

  it('shows the annotation of a cell clicked on the map, with its neighbours outlined', async () => {
    const cell = await atlas.runtime.db.pool.query<{ id: number; label: string }>(`SELECT id, label FROM cell WHERE label = 'natural killer cell' ORDER BY id LIMIT 1`);
    const { id, label } = cell.rows[0]!;
    const at = await page.evaluate((cellId) => window.langcellExplorer!.screenPositionOf(cellId), id);
    expect(at).not.toBeNull();
    const canvas = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(canvas.x + at![0], canvas.y + at![1]);
    await expect.poll(() => page.locator('#cell-verdict').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('#panel-cell').isVisible()).toBe(true);
    // Points may overlap on screen; the one under the cursor is an NK cell either way (they cluster).
    const panel = await page.locator('#panel-cell').innerText();
    expect(panel).toContain(`Reference label: ${label}`);
    expect(panel).toContain('Evidence per candidate');
    const verdict = await page.locator('#cell-verdict').innerText();
    expect(verdict).toMatch(/assigned with confidence|Unassigned/);
    expect(await page.locator('#evidence-chart svg').count()).toBeGreaterThan(0);
    // The cell and its 25 neighbours are outlined.
    expect(await page.evaluate(() => window.langcellExplorer!.highlightedCount())).toBeGreaterThan(10);
    await shot('3-cell');
  });

  it('lets an admin ingest a reference by upload, see it on the map, and delete it', async () => {
    const file = join(dir, 'lab-pbmc.h5ad');
    await writeDemoReference(file, 150, 13, 'lab');
    const before = await mapVersion();
    await page.getByRole('tab', { name: 'Admin' }).click();
    await page.locator('#admin-token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#ingest-file').setInputFiles(file);
    expect(await page.locator('#ingest-name').inputValue()).toBe('lab-pbmc');
    await page.getByRole('button', { name: 'Upload and ingest' }).click();
    await expect.poll(() => page.locator('#ingest-done').count(), { timeout: 120_000 }).toBe(1);
    expect(await page.locator('#ingest-done').innerText()).toContain('lab-pbmc is ready: 150 cells');
    await expect.poll(() => page.locator('tr[data-dataset="lab-pbmc"]').innerText()).toContain('ready');
    await shot('4-admin-ingested');
    // The map takes the new cells at its next version (the page polls the layout).
    await expect.poll(mapVersion, { timeout: 60_000, interval: 1000 }).toBeGreaterThan(before);
    await page.reload();
    await page.waitForFunction((n) => document.body.dataset.mapCells === String(n), SEEDED + 150, { timeout: 60_000 });
    await page.getByRole('tab', { name: 'Map' }).click();
    await page.locator('#colour-by').selectOption('dataset');
    await expect.poll(() => page.locator('.legend').innerText()).toContain('lab-pbmc');
    await shot('5-map-by-dataset');

    await page.getByRole('tab', { name: 'Admin' }).click();
    await page.getByRole('button', { name: 'Delete lab-pbmc' }).click();
    await expect.poll(() => page.locator('tr[data-dataset="lab-pbmc"]').count()).toBe(0);
    expect(await page.locator('#ingest-status').innerText()).toContain('Deleted lab-pbmc');
    expect((await atlas.datasets()).map((d) => d.name)).toEqual(['demo-atlas']);
    // Its cells leave the map at once: the legend by dataset no longer lists it.
    await page.getByRole('tab', { name: 'Map' }).click();
    await expect.poll(() => page.locator('.legend').innerText()).not.toContain('lab-pbmc');
    expect(await page.locator('#map-status').innerText()).toContain(`${SEEDED.toLocaleString('en-US')} cells`);
    await shot('6-admin-deleted');
  });

  it('annotates a dropped file as a job: progress, results, confusion matrix, cells on the map (fixed answers of the annotation-jobs API)', async () => {
    // The browser's requests for the annotation-jobs API are answered here with fixed responses of
    // its shape, so the page's side (progress, reasons in words, filtering, counts) is checked exactly.
    const cells = (await atlas.runtime.db.pool.query<{ id: number; label: string }>(`SELECT id, label FROM cell WHERE label IN ('B cell', 'natural killer cell') ORDER BY id LIMIT 40`)).rows;
    const rows = cells.map((cell, row) => ({
      row, externalId: `query-${row}`, label: row % 5 === 0 ? null : cell.label, bestLabel: cell.label, status: row % 5 === 0 ? 'UNASSIGNED' : 'ASSIGNED',
      reason: row % 5 === 0 ? 'LOW_CONFIDENCE' : null, confidence: row % 5 === 0 ? 0.31 : 0.9, truth: cell.label, neighborCellIds: [String(cell.id)],
    }));
    const level = {
      cells: 40, accuracy: 0.8, macroF1: 0.79, assignedAccuracy: 1, abstentionRate: 0.2, ece: 0.05,
      perClass: [], confusion: { truth: ['B cell', 'natural killer cell'], predicted: ['B cell', 'natural killer cell', 'unassigned'], counts: [[16, 0, 4], [0, 16, 4]] },
    };
    const job = (state: string, processed: number) => ({
      id: '7', state, fileName: 'query.h5ad', processedCells: processed, totalCells: 40, progress: processed / 40, truthColumn: 'cell_type', valuesReadAs: 'COUNTS',
      errorCode: null, errorMessage: null, createdAt: new Date().toISOString(), finishedAt: null, resultsCsvUrl: '/annotation-jobs/7/results.csv',
      labelCounts: [{ label: 'B cell', cells: 16 }, { label: 'natural killer cell', cells: 16 }], evaluation:
        state === 'SUCCEEDED'
          ? {
              fine: level,
              coarse: null,
              unmappedTruth: [],
              truthMapping: [
                { truth: 'B cell', cells: 20, label: 'B cell', method: 'NAME', score: null },
                { truth: 'NK', cells: 20, label: 'natural killer cell', method: 'EMBEDDING', score: 0.912 },
              ],
            }
          : null,
    });
    let polls = 0;
    let mutation = '';
    await page.route('**/uploads?*', (route) => route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ uploadId: '00000000-0000-4000-8000-000000000007', filename: 'query.h5ad', bytes: 10 }) }));
    await page.route('**/graphql', async (route) => {
      const body = route.request().postData() ?? '';
      if (body.includes('mutation AnnotateFile')) {
        mutation = body;
        return route.fulfill({ json: { data: { annotateFile: { job: job('QUEUED', 0), errors: [] } } } });
      }
      if (body.includes('query AnnotationJob')) return route.fulfill({ json: { data: { annotationJob: polls++ === 0 ? job('RUNNING', 20) : job('SUCCEEDED', 40) } } });
      if (body.includes('query AnnotationResults')) return route.fulfill({ json: { data: { annotationResults: { total: rows.length, rows } } } });
      return route.continue();
    });
    const before = await page.evaluate(() => document.body.dataset.mapCells);
    await page.getByRole('tab', { name: 'Annotate a file' }).click();
    await page.locator('#annotate-truth').fill('cell_type');
    // How to read the truth labels: a mapping file, sent as its text.
    const mapping = 'dataset_label\tcl_id\nNK\tCL:0000623\n';
    await page.locator('#annotate-truth-map').setInputFiles({ name: 'truth-map.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(mapping) });
    await page.locator('#annotate-file').setInputFiles({ name: 'query.h5ad', mimeType: 'application/octet-stream', buffer: Buffer.from('stand-in') });
    await expect.poll(() => mutation).not.toBe('');
    expect((JSON.parse(mutation) as { variables: { input: Record<string, unknown> } }).variables.input).toMatchObject({ truthColumn: 'cell_type', truthMapFile: mapping });
    await expect.poll(() => page.locator('#annotate-done').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('#annotate-done').innerText()).toContain('40 cells of query.h5ad annotated');
    expect(await page.locator('#annotate-metrics').innerText()).toContain('accuracy 80.0%');
    expect(await page.locator('#confusion-matrix svg').count()).toBeGreaterThan(0);
    expect(await page.locator('#confusion-matrix').innerText()).toContain('natural killer cell');
    // How the truth labels were read, the loose text match marked for checking.
    await page.locator('.truth-mapping summary').click();
    expect(await page.locator('.truth-mapping tr.loose').innerText()).toContain('text match (similarity 0.912): check it');
    // Table: filter to the abstentions, with their reason in words.
    await page.locator('#annotate-filter').selectOption('UNASSIGNED');
    const table = await page.locator('.results-table').innerText();
    expect(table).toContain('unassigned — low confidence');
    // Rows 0, 5, …, 35 abstained: 8 of the 40.
    expect(await page.locator('.results-table tbody tr').count()).toBe(8);
    expect(await page.locator('a[href="/annotation-jobs/7/results.csv"]').count()).toBe(1);
    // The 40 query cells are drawn on the map beside the reference cells.
    expect(await page.evaluate(() => document.body.dataset.queryCells)).toBe('40');
    expect(await page.evaluate(() => document.body.dataset.mapCells)).toBe(before);
    // A row's cell is not in the atlas: clicking it outlines the reference cell it was judged by (one here).
    await page.locator('.results-table tbody tr').first().click();
    await expect.poll(() => page.evaluate(() => window.langcellExplorer!.highlightedCount())).toBe(1);
    await shot('7-annotate-file');
    await page.locator('#confusion-matrix').scrollIntoViewIfNeeded();
    await page.locator('#confusion-matrix').screenshot({ path: join(shots, '7b-confusion-matrix.png') });
    await page.unroute('**/graphql');
    await page.unroute('**/uploads?*');
  });

  it('cancels a running annotation job from the page (fixed answers of the annotation-jobs API)', async () => {
    let cancelled = false;
    const job = (state: string) => ({
      id: '8', state, fileName: 'big.h5ad', processedCells: 512, totalCells: 100_000, progress: 0.00512, truthColumn: null, valuesReadAs: 'COUNTS',
      errorCode: null, errorMessage: null, createdAt: new Date().toISOString(), finishedAt: null, resultsCsvUrl: '/annotation-jobs/8/results.csv', labelCounts: [], evaluation: null,
    });
    await page.route('**/uploads?*', (route) => route.fulfill({ status: 201, contentType: 'application/json', body: JSON.stringify({ uploadId: '00000000-0000-4000-8000-000000000008', filename: 'big.h5ad', bytes: 10 }) }));
    await page.route('**/graphql', async (route) => {
      const body = route.request().postData() ?? '';
      if (body.includes('mutation AnnotateFile')) return route.fulfill({ json: { data: { annotateFile: { job: job('RUNNING'), errors: [] } } } });
      if (body.includes('mutation CancelAnnotation')) {
        cancelled = body.includes('"id":"8"');
        return route.fulfill({ json: { data: { cancelAnnotation: { job: job('CANCELLED'), errors: [] } } } });
      }
      if (body.includes('query AnnotationJob')) return route.fulfill({ json: { data: { annotationJob: job(cancelled ? 'CANCELLED' : 'RUNNING') } } });
      return route.continue();
    });
    await page.getByRole('tab', { name: 'Annotate a file' }).click();
    await page.locator('#annotate-truth').fill('');
    await page.locator('#annotate-file').setInputFiles({ name: 'big.h5ad', mimeType: 'application/octet-stream', buffer: Buffer.from('stand-in') });
    await page.locator('#annotate-cancel').click();
    await expect.poll(() => page.locator('#annotate-cancelled').count(), { timeout: 15_000 }).toBe(1);
    expect(cancelled).toBe(true);
    expect(await page.locator('#annotate-cancelled').innerText()).toBe('Annotation of big.h5ad cancelled after 512 of 100,000 cells.');
    await page.unroute('**/graphql');
    await page.unroute('**/uploads?*');
  });

  it('annotates an uploaded h5ad with the real annotation-jobs API: the job finishes and shows a confusion matrix', async () => {
    const file = join(dir, 'query-cells.h5ad');
    await writeDemoReference(file, 60, 17, 'query');
    await page.reload();
    await page.waitForFunction((n) => Number(document.body.dataset.mapCells) >= n, SEEDED, { timeout: 60_000 });
    await page.getByRole('tab', { name: 'Annotate a file' }).click();
    await page.locator('#annotate-truth').fill('cell_type');
    await page.locator('#annotate-file').setInputFiles(file);
    await expect.poll(() => page.locator('#annotate-done').count(), { timeout: 170_000, interval: 1000 }).toBe(1);
    expect(await page.locator('#annotate-done').innerText()).toContain('60 cells of query-cells.h5ad annotated');
    expect(await page.locator('#annotate-metrics').innerText()).toMatch(/accuracy \d+\.\d%/);
    expect(await page.locator('#confusion-matrix svg').count()).toBeGreaterThan(0);
    // The demo's own label names: every truth label read by its name.
    expect(await page.locator('.truth-mapping summary').innerText()).toMatch(/How the \d+ truth labels were read/);
    expect(await page.locator('.truth-mapping tr.loose').count()).toBe(0);
    expect(Number(await page.evaluate(() => document.body.dataset.queryCells))).toBeGreaterThan(50);
    const csv = await page.locator('a.button[download]').getAttribute('href');
    expect((await fetch(`${api.url}${csv}`)).status).toBe(200);
    await shot('8-annotate-real');
  });

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
