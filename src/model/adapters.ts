/**
 * Few-shot adapters over the 256-d cell embeddings, as pure functions (seconds on a CPU for
 * thousands of cells; the encoders are not touched):
 *
 * - cache (Tip-Adapter, Zhang et al. 2022): the labelled cells are a key–value cache; a query's
 *   cache logits are Σ_i exp(−β(1 − q·k_i)) · onehot(label_i), added to the zero-shot logits with
 *   weight a: logits = q·Tᵀ/τ + a · cache(q);
 * - linear (ZS-LP / LP++ style): a linear probe W initialised from the label text embeddings T, so
 *   it starts as zero-shot, trained by gradient descent on cross-entropy with an L2 pull back to T;
 *
 * each then blended back toward zero-shot (WiSE-FT style): P = (1 − λ) · P_zero-shot + λ · P_adapter.
 * β, a and λ are chosen on validation cells, never on the cells being evaluated.
 */
import { softmax } from './scoring.ts';

export const ADAPTER_KINDS = ['cache', 'linear'] as const;
export type AdapterKind = (typeof ADAPTER_KINDS)[number];

/** Labelled cells: row-major n × dim L2-normalized embeddings and each row's class (0..classes-1). */
export interface LabelledEmbeddings {
  readonly embeddings: Float32Array;
  readonly classes: Int32Array;
}

export interface AdapterWeights {
  readonly kind: AdapterKind;
  readonly dim: number;
  readonly classCount: number;
  /** cache: the labelled cells (n × dim) and their classes; linear: W (classes × dim). */
  readonly matrix: Float32Array;
  readonly cacheClasses: Int32Array | null;
  /** cache: β and a; linear: unused (0). */
  readonly beta: number;
  readonly cacheWeight: number;
  /** WiSE blend weight toward the adapter (0 = zero-shot). */
  readonly blend: number;
  readonly temperature: number;
}

function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d += 1) sum += a[aOffset + d]! * b[bOffset + d]!;
  return sum;
}

/** Logits of the adapter alone (before the blend) for one query embedding. */
function adapterLogits(weights: Omit<AdapterWeights, 'blend'>, text: Float32Array, query: Float32Array, queryOffset: number): Float64Array {
  const { dim, classCount, temperature } = weights;
  const logits = new Float64Array(classCount);
  if (weights.kind === 'linear') {
    for (let c = 0; c < classCount; c += 1) logits[c] = dot(query, queryOffset, weights.matrix, c * dim, dim) / temperature;
    return logits;
  }
  for (let c = 0; c < classCount; c += 1) logits[c] = dot(query, queryOffset, text, c * dim, dim) / temperature;
  const keys = weights.matrix.length / dim;
  for (let i = 0; i < keys; i += 1) {
    const affinity = Math.exp(-weights.beta * (1 - dot(query, queryOffset, weights.matrix, i * dim, dim)));
    logits[weights.cacheClasses![i]!]! += weights.cacheWeight * affinity;
  }
  return logits;
}

/** P(class) for each query row: the blend of zero-shot and the adapter. */
export function predictAdapter(weights: AdapterWeights, text: Float32Array, queries: Float32Array): Float64Array[] {
  const { dim, classCount, temperature } = weights;
  const out: Float64Array[] = [];
  for (let offset = 0; offset < queries.length; offset += dim) {
    const zeroShotLogits = new Float64Array(classCount);
    for (let c = 0; c < classCount; c += 1) zeroShotLogits[c] = dot(queries, offset, text, c * dim, dim) / temperature;
    const zeroShot = softmax(zeroShotLogits);
    const adapted = softmax(adapterLogits(weights, text, queries, offset));
    out.push(zeroShot.map((p, c) => (1 - weights.blend) * p + weights.blend * adapted[c]!));
  }
  return out;
}

function accuracyOf(weights: AdapterWeights, text: Float32Array, valid: LabelledEmbeddings): number {
  const predictions = predictAdapter(weights, text, valid.embeddings);
  let correct = 0;
  predictions.forEach((p, i) => {
    let best = 0;
    for (let c = 1; c < p.length; c += 1) if (p[c]! > p[best]!) best = c;
    if (best === valid.classes[i]) correct += 1;
  });
  return predictions.length === 0 ? 0 : correct / predictions.length;
}

function logLossOf(weights: AdapterWeights, text: Float32Array, valid: LabelledEmbeddings): number {
  const predictions = predictAdapter(weights, text, valid.embeddings);
  return predictions.reduce((sum, p, i) => sum - Math.log(p[valid.classes[i]!]! + 1e-12), 0) / Math.max(1, predictions.length);
}

const BLENDS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** Picks the blend (then the candidate) with the best validation accuracy, ties by log-loss. */
function best(candidates: readonly AdapterWeights[], text: Float32Array, valid: LabelledEmbeddings): { weights: AdapterWeights; accuracy: number; logLoss: number } {
  let chosen: { weights: AdapterWeights; accuracy: number; logLoss: number } | null = null;
  for (const candidate of candidates) {
    for (const blend of BLENDS) {
      const weights = { ...candidate, blend };
      const accuracy = accuracyOf(weights, text, valid);
      const logLoss = logLossOf(weights, text, valid);
      if (!chosen || accuracy > chosen.accuracy + 1e-12 || (Math.abs(accuracy - chosen.accuracy) <= 1e-12 && logLoss < chosen.logLoss)) chosen = { weights, accuracy, logLoss };
    }
  }
  return chosen!;
}

export interface AdapterFit {
  readonly weights: AdapterWeights;
  /** Validation accuracy and log-loss of the chosen adapter, and of zero-shot alone (blend 0). */
  readonly validation: { readonly accuracy: number; readonly logLoss: number; readonly zeroShotAccuracy: number; readonly cells: number };
}

/** Tip-Adapter's cache, β and a from a small grid, blend from BLENDS, all by validation accuracy. */
export function fitCacheAdapter(train: LabelledEmbeddings, valid: LabelledEmbeddings, text: Float32Array, dim: number, temperature: number): AdapterFit {
  const classCount = text.length / dim;
  const candidates: AdapterWeights[] = [];
  for (const beta of [1, 3, 5.5, 10]) {
    for (const cacheWeight of [0.5, 1, 2, 5, 10]) {
      candidates.push({ kind: 'cache', dim, classCount, matrix: train.embeddings, cacheClasses: train.classes, beta, cacheWeight, blend: 1, temperature });
    }
  }
  return finish(candidates, text, valid);
}

/** A linear probe started at the text embeddings, trained by full-batch gradient descent with an L2 pull back to them. */
export function fitLinearAdapter(train: LabelledEmbeddings, valid: LabelledEmbeddings, text: Float32Array, dim: number, temperature: number): AdapterFit {
  const classCount = text.length / dim;
  const candidates: AdapterWeights[] = [];
  for (const pull of [0.01, 0.1, 1]) {
    const w = Float32Array.from(text);
    const n = train.classes.length;
    const rate = 0.5 * temperature;
    for (let epoch = 0; epoch < 200; epoch += 1) {
      const gradient = new Float64Array(w.length);
      for (let i = 0; i < n; i += 1) {
        const logits = new Float64Array(classCount);
        for (let c = 0; c < classCount; c += 1) logits[c] = dot(train.embeddings, i * dim, w, c * dim, dim) / temperature;
        const p = softmax(logits);
        for (let c = 0; c < classCount; c += 1) {
          const g = (p[c]! - (train.classes[i] === c ? 1 : 0)) / temperature / n;
          for (let d = 0; d < dim; d += 1) gradient[c * dim + d]! += g * train.embeddings[i * dim + d]!;
        }
      }
      for (let j = 0; j < w.length; j += 1) w[j] = w[j]! - rate * (gradient[j]! + pull * (w[j]! - text[j]!));
    }
    candidates.push({ kind: 'linear', dim, classCount, matrix: w, cacheClasses: null, beta: 0, cacheWeight: 0, blend: 1, temperature });
  }
  return finish(candidates, text, valid);
}

function finish(candidates: readonly AdapterWeights[], text: Float32Array, valid: LabelledEmbeddings): AdapterFit {
  const chosen = best(candidates, text, valid);
  const zeroShot = { ...candidates[0]!, blend: 0 };
  return {
    weights: chosen.weights,
    validation: { accuracy: chosen.accuracy, logLoss: chosen.logLoss, zeroShotAccuracy: accuracyOf(zeroShot, text, valid), cells: valid.classes.length },
  };
}
