// The explorer's costs (not a test): `npm run bench -- explorer [--sizes 10000,100000,1000000]
// [--db-sizes 10000,100000] [--browser-cells 1000000] [--pan-frames 40] [--skip-browser]`.
//
// 1. Layout computation, in memory: UMAP fitted on a 10,000-cell sample of cell-like 256-d vectors
//    (bench/hnsw.ts's generator), every other cell placed by its nearest sampled cells; cells/s at
//    each size, fit and placement apart. Vector generation is timed separately and left out.
// 2. The layout job end to end on PostgreSQL (computeLayout: read ids and embeddings, fit, place,
//    write the version) at smaller sizes, cells stored through the ingestion's own commitChunk.
// 3. The page in headless Chromium (Debian's chromium, software WebGL: --disable-gpu) on a
//    synthetic map of a million cells served by the real express app and layout routes: time to
//    first render, frame time while panning, JS heap and the browser's resident memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createLogger } from '../src/api/logger.ts';
import type { MapLayoutsApi } from '../src/api/layout-route.ts';
import { createServer } from '../src/api/server.ts';
import { parseConfig } from '../src/config.ts';
import { DEFAULT_LAYOUT_POLICY, computeLayout } from '../src/layout/layout-job.ts';
import { encodeCategories } from '../src/layout/map-layouts.ts';
import { DEFAULT_UMAP_SETTINGS, fitUmap, placeByNeighbours, sampleRows, seededRandom } from '../src/layout/umap-layout.ts';
import { loadBundle } from '../src/model/bundle.ts';
import { Database } from '../src/store/database.ts';
import { commitChunk, createIngestion } from '../src/store/jobs.ts';
import { registerModel } from '../src/store/models.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/helpers/explorer-probe.ts';
import { standInAtlas } from '../test/helpers/api-stand-in-atlas.ts';
import { createTestDatabase } from '../test/helpers/atlas-db.ts';
import { CellLikeVectors } from './hnsw.ts';
import { writeReport } from './lib/report.ts';

const DIM = 256;
const root = fileURLToPath(new URL('..', import.meta.url));

function shape(n: number) {
  return { lineages: 24, types: Math.min(2500, Math.max(50, Math.round(n / 400))), datasets: 8, rank: 12 };
}

interface ComputeResult {
  cells: number;
  sampleCells: number;
  fitSeconds: number;
  placeSeconds: number;
  cellsPerSecond: number;
  placedPerSecond: number;
  generateSeconds: number;
}

async function layoutInMemory(n: number): Promise<ComputeResult> {
  const generator = new CellLikeVectors(7, shape(n));
  const sampleSize = Math.min(n, DEFAULT_UMAP_SETTINGS.sampleSize);
  const rows = sampleRows(n, sampleSize, seededRandom(1));
  let generateSeconds = 0;
  let t = performance.now();
  const sample = new Float32Array(sampleSize * DIM);
  rows.forEach((row, i) => generator.cell(row, sample, i));
  generateSeconds += (performance.now() - t) / 1000;

  t = performance.now();
  const fitted = await fitUmap(sample, DIM, DEFAULT_UMAP_SETTINGS);
  const fitSeconds = (performance.now() - t) / 1000;

  const sampled = new Set(rows);
  let placeSeconds = 0;
  const page = 10_000;
  for (let start = 0; start < n; start += page) {
    const count = Math.min(page, n - start);
    t = performance.now();
    const block = new Float32Array(count * DIM);
    let m = 0;
    for (let i = 0; i < count; i++) if (!sampled.has(start + i)) generator.cell(start + i, block, m++);
    generateSeconds += (performance.now() - t) / 1000;
    t = performance.now();
    placeByNeighbours(fitted.index, fitted.coords, block.subarray(0, m * DIM), DIM, DEFAULT_UMAP_SETTINGS.placeNeighbors);
    placeSeconds += (performance.now() - t) / 1000;
  }
  const placed = n - sampleSize;
  return {
    cells: n,
    sampleCells: sampleSize,
    fitSeconds,
    placeSeconds,
    cellsPerSecond: n / (fitSeconds + placeSeconds),
    placedPerSecond: placed > 0 ? placed / placeSeconds : 0,
    generateSeconds,
  };
}

interface JobResult {
  cells: number;
  storeSeconds: number;
  jobSeconds: number;
  cellsPerSecond: number;
}

/** computeLayout on a scratch database holding `n` synthetic cells in one READY dataset. */
async function layoutJob(n: number): Promise<JobResult> {
  const scratch = await createTestDatabase();
  const db = await Database.open({ url: scratch.url, dataDir: '/nonexistent', embeddedPort: 0 });
  try {
    const bundle = await loadBundle(join(root, 'seed', 'bundle'));
    await registerModel(db, bundle);
    const chunkSize = 5000;
    const { datasetId, jobId } = await createIngestion(db, {
      dataset: {
        name: `bench-${n}`, sourcePath: '/synthetic', sourceSha256: '0'.repeat(64), sourceBytes: 0, format: 'synthetic', matrixLocation: 'X', valueKind: 'counts',
        species: 'human', modelId: bundle.manifest.id, totalCells: n, genesMatched: 0, genesTotal: 0, labelColumn: null, metadataColumns: [],
      },
      options: {},
      chunkSize,
    });
    const generator = new CellLikeVectors(7, shape(n));
    const t0 = performance.now();
    for (let index = 0, start = 0; start < n; index++, start += chunkSize) {
      const count = Math.min(chunkSize, n - start);
      const vectors = generator.matrix(start, count);
      const cells = Array.from({ length: count }, (_, i) => ({
        rowIndex: start + i, externalId: `c${start + i}`, label: null, metadata: {}, tokens: Int32Array.of(2), embedding: vectors.subarray(i * DIM, (i + 1) * DIM),
      }));
      await commitChunk(db, { jobId, index, datasetId, cells, timings: {} });
    }
    const storeSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const layout = await computeLayout({ db, modelId: bundle.manifest.id, embeddingDim: DIM, log: () => undefined }, DEFAULT_LAYOUT_POLICY);
    const jobSeconds = (performance.now() - t1) / 1000;
    if (!layout || layout.totalCells !== n) throw new Error(`layout covered ${layout?.totalCells} of ${n} cells`);
    return { cells: n, storeSeconds, jobSeconds, cellsPerSecond: n / jobSeconds };
  } finally {
    await db.close();
    await scratch.drop();
  }
}

interface BrowserResult {
  cells: number;
  firstRenderMs: number;
  pointsBytes: number;
  panFrames: number;
  panFrameMedianMs: number;
  panFrameP95Ms: number;
  jsHeapMiB: number;
  browserRssMiB: number;
}

/** A synthetic map: `n` cells in 40 Gaussian clusters, 30 labels. */
function syntheticMap(n: number): MapLayoutsApi {
  const random = seededRandom(3);
  const normal = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 40 }, () => [random() * 1.6 - 0.8, random() * 1.6 - 0.8, 0.02 + random() * 0.08] as const);
  const cellIds = Int32Array.from({ length: n }, (_, i) => i + 1);
  const coords = new Float32Array(2 * n);
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(random() * centres.length);
    const [cx, cy, s] = centres[c]!;
    coords[2 * i] = Math.max(-1, Math.min(1, cx + s * normal()));
    coords[2 * i + 1] = Math.max(-1, Math.min(1, cy + s * normal()));
    labels.push(`cell type ${c % 30}`);
  }
  const codes = encodeCategories(labels);
  const current = {
    version: 1, modelId: 'bench', state: 'READY' as const, method: 'fit', basedOn: null, params: {}, atlas: {}, stage: 'done', processedCells: n,
    totalCells: n, sampleCells: 10_000, seconds: 0, errorMessage: null, createdAt: new Date(), finishedAt: new Date(),
  };
  return {
    status: async () => ({ current, pending: null, colorBy: ['label'] }),
    points: async (version) => (version === 1 ? { cellIds, coords } : null),
    categories: async (version) => (version === 1 ? codes : null),
    heat: async () => null,
  };
}

function chromiumRssMiB(): number {
  const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' });
  return out.split('\n').reduce((sum, line) => sum + (Number(line.trim()) || 0), 0) / 1024;
}

async function browserMap(n: number, panFrames: number): Promise<BrowserResult> {
  execFileSync(process.execPath, [join(root, 'tools', 'build-web.mjs')], { stdio: 'inherit' });
  const config = parseConfig({ LANGCELL_LOG_LEVEL: 'warn' });
  const server = createServer({ atlas: standInAtlas(), config, logger: createLogger(config), layouts: syntheticMap(n) });
  const { url } = await server.listen(0, '127.0.0.1');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(`${url}/`);
    await page.waitForFunction(`document.body.dataset.mapCells === '${n}'`, undefined, { timeout: 600_000 });
    // Rendered: the frame after the draw resolved. (Page code as strings: tsx's name helpers do not exist in the page.)
    const firstRenderMs = await page.evaluate<number>('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))))');
    await page.screenshot({ path: join(root, 'bench', 'results', `explorer-${n}.png`) });
    const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
      const times = [];
      const step = (t) => {
        times.push(t);
        window.langcellExplorer.panBy(0.004, 0.002);
        if (times.length < ${panFrames + 1}) requestAnimationFrame(step);
        else resolve(times.slice(1).map((x, i) => x - times[i]));
      };
      requestAnimationFrame(step);
    })`);
    const sorted = [...frames].sort((a, b) => a - b);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
    return {
      cells: n,
      firstRenderMs,
      pointsBytes: n * 12,
      panFrames: frames.length,
      panFrameMedianMs: sorted[Math.floor(sorted.length / 2)]!,
      panFrameP95Ms: sorted[Math.floor(sorted.length * 0.95)]!,
      jsHeapMiB: heap / 2 ** 20,
      browserRssMiB: chromiumRssMiB(),
    };
  } finally {
    await browser.close();
    await server.close(1000);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000,1000000' },
      'db-sizes': { type: 'string', default: '10000,100000' },
      'browser-cells': { type: 'string', default: '1000000' },
      'skip-browser': { type: 'boolean', default: false },
      'pan-frames': { type: 'string', default: '40' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n') + '\n');
    return;
  }
  const sizes = values.sizes.split(',').filter(Boolean).map(Number);
  const dbSizes = values['db-sizes'].split(',').filter(Boolean).map(Number);
  const compute: ComputeResult[] = [];
  for (const n of sizes) {
    compute.push(await layoutInMemory(n));
    process.stdout.write(`in memory ${n}: ${JSON.stringify(compute.at(-1))}\n`);
  }
  const jobs: JobResult[] = [];
  for (const n of dbSizes) {
    jobs.push(await layoutJob(n));
    process.stdout.write(`job ${n}: ${JSON.stringify(jobs.at(-1))}\n`);
  }
  const browser = values['skip-browser'] ? null : await browserMap(Number(values['browser-cells']), Number(values['pan-frames']));
  if (browser) process.stdout.write(`browser: ${JSON.stringify(browser)}\n`);

  const f = (x: number, d = 1) => x.toFixed(d);
  const markdown = [
    '## Layout computation in memory (UMAP on the sample + placement by 8 nearest sampled cells)',
    '',
    '| cells | UMAP sample | fit s | placement s | placed cells/s | all cells/s | µs per cell |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...compute.map((r) => `| ${r.cells.toLocaleString('en-US')} | ${r.sampleCells.toLocaleString('en-US')} | ${f(r.fitSeconds)} | ${f(r.placeSeconds)} | ${f(r.placedPerSecond, 0)} | ${f(r.cellsPerSecond, 0)} | ${f(1e6 / r.cellsPerSecond, 0)} |`),
    '',
    '## The layout job on PostgreSQL (read ids and embeddings, fit, place, store the version)',
    '',
    '| cells | job s | cells/s | (storing the synthetic cells took s) |',
    '|---:|---:|---:|---:|',
    ...jobs.map((r) => `| ${r.cells.toLocaleString('en-US')} | ${f(r.jobSeconds)} | ${f(r.cellsPerSecond, 0)} | ${f(r.storeSeconds)} |`),
    '',
    ...(browser
      ? [
          `## The page in headless Chromium, ${browser.cells.toLocaleString('en-US')} cells (software WebGL, no GPU)`,
          '',
          '| first render ms | points transferred MB | pan frame median ms | pan frame p95 ms | JS heap MiB | Chromium RSS MiB |',
          '|---:|---:|---:|---:|---:|---:|',
          `| ${f(browser.firstRenderMs, 0)} | ${f(browser.pointsBytes / 1e6)} | ${f(browser.panFrameMedianMs)} | ${f(browser.panFrameP95Ms)} | ${f(browser.jsHeapMiB, 0)} | ${f(browser.browserRssMiB, 0)} |`,
          '',
          `First render: from navigation to the first frame after regl-scatterplot's draw resolved (fetch of points + colours, decode, GPU upload). Pan: ${browser.panFrames} animation frames, each moving the view. Screenshot: explorer-${browser.cells}.png.`,
        ]
      : []),
  ].join('\n');
  const { mdPath } = await writeReport({
    name: 'explorer',
    title: 'Explorer: layout job cost per cell and the map in headless Chromium',
    parameters: { sizes, dbSizes, umap: DEFAULT_UMAP_SETTINGS, browserCells: browser?.cells ?? 'skipped' },
    results: { compute, jobs, browser },
    markdown,
  });
  process.stdout.write(`${markdown}\n\nreport: ${mdPath}\n`);
}

await main();
