/**
 * The map's geometry, as pure functions of embeddings: UMAP (umap-js) fitted on a sample, with
 * its neighbour graph taken from an HNSW index instead of umap-js's own NN-descent (which is the
 * slow half of umap-js at 256 dimensions), then every other cell placed at the similarity-weighted
 * mean of its nearest sampled cells. Seeded, so the same sample gives the same picture.
 */
import { UMAP } from 'umap-js';
import { AnchorIndex } from '../index/anchor-index.ts';

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

/** mulberry32: a small seeded generator (Math.random cannot be seeded). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

/**
 * UMAP on `vectors` (n × dim, L2-normalized). `onEpoch(done, total)` is called as it goes; it may
 * return a promise (to save progress), which is awaited every few epochs so the process stays responsive.
 */
export async function fitUmap(
  vectors: Float32Array,
  dim: number,
  settings: UmapSettings,
  onEpoch: (done: number, total: number) => void | Promise<void> = () => undefined,
): Promise<{ coords: Float32Array; index: AnchorIndex }> {
  const n = vectors.length / dim;
  const index = AnchorIndex.build(vectors, dim, { seed: settings.seed });
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
    // Let queries in: at 10,000 sampled cells the graph takes about a second.
    if (row % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  const umap = new UMAP({ nComponents: 2, nNeighbors: settings.nNeighbors, minDist: settings.minDist, nEpochs: settings.nEpochs, random: seededRandom(settings.seed) });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  const rows: number[][] = [];
  for (let row = 0; row < n; row++) rows.push(Array.from(vectors.subarray(row * dim, (row + 1) * dim)));
  const total = umap.initializeFit(rows);
  for (let epoch = 0; epoch < total; epoch++) {
    umap.step();
    if (epoch % 10 === 9 || epoch === total - 1) {
      await onEpoch(epoch + 1, total);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const embedding = umap.getEmbedding();
  const coords = new Float32Array(2 * n);
  embedding.forEach(([x, y], i) => {
    coords[2 * i] = x ?? 0;
    coords[2 * i + 1] = y ?? 0;
  });
  return { coords: normalizeCoords(coords), index };
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
