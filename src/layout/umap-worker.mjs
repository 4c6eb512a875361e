// UMAP's optimisation (umap-js) on a worker thread: a 10,000-cell fit keeps a core busy for tens of
// seconds in steps the event loop cannot interrupt, and the server must answer queries meanwhile.
// Plain JavaScript so that it runs the same under node, tsx and vitest (none transforms a worker).
// Input: { vectors: Float32Array (n × dim), dim, knnIndices, knnDistances, nNeighbors, minDist,
// nEpochs, seed }. Messages out: { epoch, total } while running, then { coords: Float32Array }.
import { parentPort, workerData } from 'node:worker_threads';
import { UMAP } from 'umap-js';
import { seededRandom } from './seeded-random.mjs';

const { vectors, dim, knnIndices, knnDistances, nNeighbors, minDist, nEpochs, seed } = workerData;
const n = vectors.length / dim;
const umap = new UMAP({ nComponents: 2, nNeighbors, minDist, nEpochs, random: seededRandom(seed) });
umap.setPrecomputedKNN(knnIndices, knnDistances);
const rows = [];
for (let row = 0; row < n; row++) rows.push(Array.from(vectors.subarray(row * dim, (row + 1) * dim)));
const total = umap.initializeFit(rows);
for (let epoch = 0; epoch < total; epoch++) {
  umap.step();
  if (epoch % 10 === 9 || epoch === total - 1) parentPort.postMessage({ epoch: epoch + 1, total });
}
const coords = new Float32Array(2 * n);
umap.getEmbedding().forEach(([x, y], i) => {
  coords[2 * i] = x;
  coords[2 * i + 1] = y;
});
parentPort.postMessage({ coords }, [coords.buffer]);
