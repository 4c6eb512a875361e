/**
 * The map's geometry, as pure functions of embeddings: UMAP (umap-js) fitted on a sample, with
 * its neighbour graph taken from an HNSW index instead of umap-js's own NN-descent (which is the
 * slow half of umap-js at 256 dimensions), then every other cell placed at the similarity-weighted
 * mean of its nearest sampled cells. Seeded, so the same sample gives the same picture.
 */
import { Worker } from 'node:worker_threads';
import { AnchorIndex } from '../index/anchor-index.ts';
import { seededRandom } from './seeded-random.mjs';

export { seededRandom };

export interface UmapSettings {
  /** Cells UMAP is fitted on; the rest are placed by neighbours. */
  readonly sampleSize: number;
  readonly nNeighbors: number;
  readonly minDist: number;
  readonly nEpochs: number;
  /** Sampled cells each other cell is placed by. */
  readonly placeNeighbors: number;
  readonly seed: number;
}

export const DEFAULT_UMAP_SETTINGS: UmapSettings = { sampleSize: 10_000, nNeighbors: 15, minDist: 0.15, nEpochs: 200, placeNeighbors: 8, seed: 42 };

/** Similarity temperature for placement weights: the nearest sampled cells dominate, far ones barely count. */
const PLACEMENT_TEMPERATURE = 0.02;
/** On a map scaled to [-1, 1], a cluster's neighbourhood: anchors farther than this from the nearest one are left out. */
export const PLACEMENT_RADIUS = 0.08;

/** `count` distinct positions out of [0, size), ascending (partial Fisher–Yates). */
export function sampleRows(size: number, count: number, random: () => number): Int32Array {
  if (count >= size) return Int32Array.from({ length: size }, (_, i) => i);
  const picked = new Map<number, number>();
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (size - i));
    const atJ = picked.get(j) ?? j;
    picked.set(j, picked.get(i) ?? i);
    out[i] = atJ;
  }
  return out.sort();
}

/** Centres x,y pairs on 0 and scales them into [-1, 1] (both axes by the same factor, so shapes keep their proportions). */
export function normalizeCoords(coords: Float32Array): Float32Array {
  const n = coords.length / 2;
  if (n === 0) return coords;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = coords[2 * i]!, y = coords[2 * i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const half = Math.max(maxX - minX, maxY - minY) / 2 || 1;
  const out = new Float32Array(coords.length);
  for (let i = 0; i < n; i++) {
    out[2 * i] = (coords[2 * i]! - cx) / half;
    out[2 * i + 1] = (coords[2 * i + 1]! - cy) / half;
  }
  return out;
}

/** Runs umap-js on a worker thread (umap-worker.mjs); resolves with its raw 2-D coordinates. */
function optimiseOnWorker(
  input: { vectors: Float32Array; dim: number; knnIndices: number[][]; knnDistances: number[][]; settings: UmapSettings },
  onEpoch: (done: number, total: number) => void | Promise<void>,
): Promise<Float32Array> {
  const { vectors, dim, knnIndices, knnDistances, settings } = input;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./umap-worker.mjs', import.meta.url), {
      workerData: { vectors, dim, knnIndices, knnDistances, nNeighbors: settings.nNeighbors, minDist: settings.minDist, nEpochs: settings.nEpochs, seed: settings.seed },
    });
    let progress = Promise.resolve();
    worker.on('message', (message: { epoch: number; total: number } | { coords: Float32Array }) => {
      if ('coords' in message) {
        void progress.then(() => resolve(message.coords));
        void worker.terminate();
      } else {
        progress = progress.then(() => onEpoch(message.epoch, message.total)).catch(() => undefined);
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`the UMAP worker stopped with exit code ${code}`)));
  });
}

/**
 * UMAP on `vectors` (n × dim, L2-normalized), its neighbour graph from an HNSW index over the same
 * vectors (returned: it places the other cells). The optimisation runs on a worker thread; the
 * index is built and queried here in slices, so the event loop keeps serving queries.
 * `onEpoch(done, total)` reports progress (it may return a promise, e.g. to save it).
 */
export async function fitUmap(
  vectors: Float32Array,
  dim: number,
  settings: UmapSettings,
  onEpoch: (done: number, total: number) => void | Promise<void> = () => undefined,
): Promise<{ coords: Float32Array; index: AnchorIndex }> {
  const n = vectors.length / dim;
  const index = await AnchorIndex.buildInSlices(vectors, dim, { seed: settings.seed });
  // Fewer cells than neighbours: UMAP has nothing to fit; a line keeps the map drawable.
  if (n <= settings.nNeighbors + 1) {
    return { coords: normalizeCoords(Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? i / 2 : 0))), index };
  }
  const knnIndices: number[][] = [];
  const knnDistances: number[][] = [];
  for (let row = 0; row < n; row++) {
    const found = index.nearest(vectors.subarray(row * dim, (row + 1) * dim), settings.nNeighbors);
    knnIndices.push(found.rows);
    // Euclidean distance between unit vectors, what UMAP's default metric would have measured.
    knnDistances.push(found.similarities.map((s) => Math.sqrt(Math.max(0, 2 - 2 * s))));
    if (row % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  const raw = await optimiseOnWorker({ vectors, dim, knnIndices, knnDistances, settings }, onEpoch);
  return { coords: normalizeCoords(raw), index };
}

/**
 * Places cells (`vectors`, n × dim) among their `k` nearest anchors (`anchorCoords` x,y per row of
 * the index): at the softmax(similarity / 0.02)-weighted mean of those that lie on the map near
 * the nearest one (within `PLACEMENT_RADIUS`). Averaging anchors from two clusters would put the
 * cell in the empty space between them, where a reader sees an intermediate cell type that is not there.
 */
export function placeByNeighbours(index: AnchorIndex, anchorCoords: Float32Array, vectors: Float32Array, dim: number, k: number): Float32Array {
  const n = vectors.length / dim;
  const out = new Float32Array(2 * n);
  for (let row = 0; row < n; row++) {
    const found = index.nearest(vectors.subarray(row * dim, (row + 1) * dim), k);
    const nearest = found.rows[0];
    if (nearest === undefined) continue;
    const best = found.similarities[0]!;
    const x0 = anchorCoords[2 * nearest]!;
    const y0 = anchorCoords[2 * nearest + 1]!;
    let sumW = 0, x = 0, y = 0;
    found.rows.forEach((anchor, i) => {
      const ax = anchorCoords[2 * anchor]!;
      const ay = anchorCoords[2 * anchor + 1]!;
      if (Math.hypot(ax - x0, ay - y0) > PLACEMENT_RADIUS) return;
      const w = Math.exp((found.similarities[i]! - best) / PLACEMENT_TEMPERATURE);
      sumW += w;
      x += w * ax;
      y += w * ay;
    });
    out[2 * row] = x / sumW;
    out[2 * row + 1] = y / sumW;
  }
  return out;
}
