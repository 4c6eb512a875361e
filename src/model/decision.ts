/**
 * One decision over all the evidence, as pure functions.
 *
 * Sources per (cell, candidate): zero-shot probability, LangCell's fused score (zero-shot + CTM),
 * the kNN vote share of labelled reference cells, the cell's similarity to the label's gene
 * signature over its labelled reference cells (gene-signature.ts, model-free), a few-shot adapter's
 * probability and a fine-tuned bundle's classifier probability. They are
 * combined by a conditional logit with one weight per source, shared by every label (so it holds
 * when labels are added):
 *
 *   s_k = Σ_source w_source · f_source(k),   P(k) = softmax_k(s_k)
 *   f = log(p + ε) for the probabilities (zero-shot, fused, adapter, classifier),
 *   f = log(share + KNN_PSEUDO_SHARE) for the kNN vote,
 *   f = −log(1 − cosine + ε) for the gene signature (see signatureFeature).
 *
 * The weights are fitted by Newton's method on the log-loss of validation cells held out from the
 * labelled references (never the cells being evaluated), which also calibrates P; the confidence
 * is P(winner) through a Platt scaling fitted on the same cells' held-out predictions
 * (fitConfidenceMap). Without labelled references and without an adapter nothing is fitted and the
 * decision is exactly LangCell's fused argmax (see decideLabel in scoring.ts).
 */
import { topIndices } from './scoring.ts';

export const EVIDENCE_SOURCES = ['zeroShot', 'fused', 'knn', 'signature', 'adapter', 'classifier'] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

/** Per candidate, what each available source says (null: not available for this cell). */
export interface CellEvidence {
  readonly zeroShot: Float64Array;
  readonly fused: Float64Array | null;
  readonly knn: Float64Array | null;
  /** Cosine similarity to each candidate's gene signature (not a probability). */
  readonly signature: Float64Array | null;
  readonly adapter: Float64Array | null;
  /** A fine-tuned bundle's classifier (LangCell-CE), moved onto the candidates. */
  readonly classifier: Float64Array | null;
}

export type CombinerWeights = Readonly<Partial<Record<EvidenceSource, number>>>;

const EPSILON = 1e-4;
/**
 * Added to each kNN vote share before its log: about one vote of the 25th of 25 rank-weighted
 * neighbours ((1/25)/H₂₅ ≈ 0.0105). The log makes "no neighbour of this label" strong evidence
 * against it, as a log-probability is for the other sources; the share itself could move a label's
 * score by at most the kNN weight. On four pbmc68k splits through the demo model the log of the
 * smoothed share lowered the reference's cross-validated log-loss (1.15 → 1.02) and the test
 * halves' ECE (0.070 → 0.056 on the three splits not reported); pseudo-shares from 0.005 to 0.01
 * fitted the reference equally well.
 */
export const KNN_PSEUDO_SHARE = 0.01;

/**
 * A gene signature's cosine c enters as −log(1 − c + ε): the likelihood falls as a power of the
 * distance 1 − c, the weight being that power. Fitted alone on pbmc68k's reference halves (seeds
 * 1–3) it gave held-out log-loss 0.59–0.68 and ECE 0.06–0.12, against 0.79–0.82 and 0.21–0.25 for
 * the cosine itself under a temperature (log c, c², c⁴ and the candidate's rank lay between).
 */
function signatureFeature(cosine: number): number {
  return -Math.log(Math.max(1 - cosine, 0) + EPSILON);
}

function feature(evidence: CellEvidence, source: EvidenceSource, k: number): number {
  const values = evidence[source];
  if (values === null) return 0;
  if (source === 'signature') return signatureFeature(values[k]!);
  return Math.log(values[k]! + (source === 'knn' ? KNN_PSEUDO_SHARE : EPSILON));
}

/** The sources a set of weights uses, in a fixed order. */
export function sourcesOf(weights: CombinerWeights): EvidenceSource[] {
  return EVIDENCE_SOURCES.filter((source) => weights[source] !== undefined);
}

/** P(candidate) under the combiner. */
export function combine(evidence: CellEvidence, weights: CombinerWeights): Float64Array {
  const count = evidence.zeroShot.length;
  const scores = new Float64Array(count);
  for (const source of sourcesOf(weights)) {
    const weight = weights[source]!;
    for (let k = 0; k < count; k += 1) scores[k]! += weight * feature(evidence, source, k);
  }
  let max = -Infinity;
  for (const score of scores) max = Math.max(max, score);
  let sum = 0;
  for (let k = 0; k < count; k += 1) {
    scores[k] = Math.exp(scores[k]! - max);
    sum += scores[k]!;
  }
  return scores.map((score) => score / sum);
}

export interface CombinerFit {
  readonly weights: CombinerWeights;
  /** Mean log-loss on the cells it was fitted on. */
  readonly logLoss: number;
  readonly iterations: number;
}

/** Solves the small symmetric positive-definite system A x = b (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let row = col + 1; row < n; row += 1) if (Math.abs(m[row]![col]!) > Math.abs(m[pivot]![col]!)) pivot = row;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let row = col + 1; row < n; row += 1) {
      const factor = m[row]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c += 1) m[row]![c]! -= factor * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row -= 1) {
    let sum = m[row]![n]!;
    for (let c = row + 1; c < n; c += 1) sum -= m[row]![c]! * x[c]!;
    x[row] = sum / m[row]![row]!;
  }
  return x;
}

/**
 * Fits one weight per source by Newton's method on the mean log-loss plus a small ridge
 * (`ridge`·|w|², which keeps the fit finite when a source separates the cells perfectly).
 * `truth[i]` is the index of cell i's true label among its candidates.
 */
export function fitCombiner(cells: readonly CellEvidence[], truth: readonly number[], sources: readonly EvidenceSource[], ridge = 1e-3): CombinerFit {
  const n = sources.length;
  let w = sources.map(() => 1);
  let loss = Infinity;
  let iterations = 0;
  const features = cells.map((cell) => Array.from({ length: cell.zeroShot.length }, (_, k) => sources.map((source) => feature(cell, source, k))));
  const evaluate = (weights: number[]) => {
    let total = 0;
    const gradient = new Array<number>(n).fill(0);
    const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    features.forEach((cellFeatures, i) => {
      const scores = cellFeatures.map((f) => f.reduce((sum, value, j) => sum + value * weights[j]!, 0));
      const max = Math.max(...scores);
      const exp = scores.map((s) => Math.exp(s - max));
      const z = exp.reduce((a, b) => a + b, 0);
      const p = exp.map((e) => e / z);
      total += -(scores[truth[i]!]! - max - Math.log(z));
      const mean = new Array<number>(n).fill(0);
      cellFeatures.forEach((f, k) => f.forEach((value, j) => (mean[j]! += p[k]! * value)));
      for (let j = 0; j < n; j += 1) gradient[j]! += mean[j]! - cellFeatures[truth[i]!]![j]!;
      cellFeatures.forEach((f, k) => {
        for (let a = 0; a < n; a += 1) for (let b = 0; b < n; b += 1) hessian[a]![b]! += p[k]! * (f[a]! - mean[a]!) * (f[b]! - mean[b]!);
      });
    });
    const count = Math.max(1, features.length);
    return {
      loss: total / count + ridge * weights.reduce((s, x) => s + x * x, 0),
      gradient: gradient.map((g, j) => g / count + 2 * ridge * weights[j]!),
      hessian: hessian.map((row, a) => row.map((h, b) => h / count + (a === b ? 2 * ridge : 0))),
    };
  };
  for (; iterations < 100; iterations += 1) {
    const current = evaluate(w);
    loss = current.loss;
    const step = solve(current.hessian, current.gradient);
    // Damped Newton: halve the step until the loss does not rise.
    let scale = 1;
    let next = w;
    for (let tries = 0; tries < 30; tries += 1) {
      const candidate = w.map((x, j) => x - scale * step[j]!);
      if (evaluate(candidate).loss <= loss + 1e-12) {
        next = candidate;
        break;
      }
      scale /= 2;
    }
    const moved = Math.max(...next.map((x, j) => Math.abs(x - w[j]!)));
    w = next;
    if (moved < 1e-7) break;
  }
  return { weights: Object.fromEntries(sources.map((source, j) => [source, w[j]!])) as CombinerWeights, logLoss: evaluate(w).loss, iterations };
}

export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly cells: number;
  /** Mean confidence and accuracy of the cells in the bin (null when empty). */
  readonly confidence: number | null;
  readonly accuracy: number | null;
}

/**
 * Platt scaling of the combiner's confidence: P(right) = σ(slope · logit(P(winner)) + intercept),
 * fitted by Newton's method on validation cells' out-of-fold predictions. The combiner's log-loss
 * calibrates the whole distribution under one weight per source; when a source's scale does not
 * fit that form (the gene signature's cosines) the winner's probability can still be off — on
 * pbmc68k's reference halves with the signature (seeds 1–3), cross-validated ECE 0.043–0.081 and
 * test ECE 0.066–0.100, against 0.031–0.040 and 0.045–0.066 once scaled. An isotonic map did
 * less well (test 0.061–0.076): 350 validation cells are few for its steps. Monotone, so no
 * answer changes; only how sure it says it is.
 */
export interface ConfidenceMap {
  readonly slope: number;
  readonly intercept: number;
}

const logit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  return Math.log(q / (1 - q));
};

export function fitConfidenceMap(confidence: readonly number[], correct: readonly boolean[]): ConfidenceMap {
  const x = confidence.map(logit);
  let [slope, intercept] = [1, 0];
  for (let iteration = 0; iteration < 100; iteration += 1) {
    // Gradient and Hessian of the mean log-loss in (slope, intercept) plus a small ridge, which
    // keeps the fit finite when every validation answer is right.
    const n = Math.max(1, x.length);
    const g = [2e-3 * slope, 2e-3 * intercept];
    const h = [[2e-3, 0], [0, 2e-3]];
    x.forEach((xi, i) => {
      const p = 1 / (1 + Math.exp(-(slope * xi + intercept)));
      const residual = (p - (correct[i] ? 1 : 0)) / n;
      const curvature = (p * (1 - p)) / n;
      g[0]! += residual * xi;
      g[1]! += residual;
      h[0]![0]! += curvature * xi * xi;
      h[0]![1]! += curvature * xi;
      h[1]![0]! += curvature * xi;
      h[1]![1]! += curvature;
    });
    const [ds, di] = solve(h, g);
    slope -= ds!;
    intercept -= di!;
    if (Math.max(Math.abs(ds!), Math.abs(di!)) < 1e-10) break;
  }
  return { slope, intercept };
}

/**
 * The maps of one fitted decision: pooled over the validation cells, and one per reference dataset
 * with enough of them (a cell is mapped by the dataset whose gene signature it is most like). One
 * pooled map is a compromise when references differ: beside the demo atlas's sure synthetic cells,
 * pbmc68k's answers came out overconfident (test ECE 0.104).
 */
export interface ConfidenceMaps {
  readonly pooled: ConfidenceMap;
  readonly byDataset: readonly { readonly datasetId: number; readonly map: ConfidenceMap }[];
}

/** Validation cells a reference dataset needs for a map of its own. */
export const MIN_DATASET_MAP_CELLS = 50;

export function fitConfidenceMaps(confidence: readonly number[], correct: readonly boolean[], datasets: readonly (number | null)[]): ConfidenceMaps {
  const groups = new Map<number, number[]>();
  datasets.forEach((dataset, i) => {
    if (dataset === null) return;
    const members = groups.get(dataset);
    if (members) members.push(i);
    else groups.set(dataset, [i]);
  });
  const byDataset = [...groups]
    .filter(([, members]) => members.length >= MIN_DATASET_MAP_CELLS && groups.size > 1)
    .map(([datasetId, members]) => ({ datasetId, map: fitConfidenceMap(members.map((i) => confidence[i]!), members.map((i) => correct[i]!)) }));
  return { pooled: fitConfidenceMap(confidence, correct), byDataset };
}

/** The map for a cell most like reference `dataset` (null: none), else the pooled one. */
export function confidenceMapFor(maps: ConfidenceMaps, dataset: number | null): ConfidenceMap {
  return maps.byDataset.find((entry) => entry.datasetId === dataset)?.map ?? maps.pooled;
}

export function mapConfidence(map: ConfidenceMap, confidence: number): number {
  return 1 / (1 + Math.exp(-(map.slope * logit(confidence) + map.intercept)));
}

/** The combiner's probability that the map sends to `confidence` (its inverse; itself when the map is not increasing). */
export function unmapConfidence(map: ConfidenceMap, confidence: number): number {
  if (!(map.slope > 0)) return confidence;
  return 1 / (1 + Math.exp(-((logit(confidence) - map.intercept) / map.slope)));
}

/** Expected calibration error over equal-width confidence bins, and the reliability table. */
export function calibrationError(confidence: readonly number[], correct: readonly boolean[], bins = 10): { ece: number; table: ReliabilityBin[] } {
  const table: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b += 1) {
    const lower = b / bins;
    const upper = (b + 1) / bins;
    const members = confidence.flatMap((c, i) => ((c > lower || (b === 0 && c >= 0)) && c <= upper ? [i] : []));
    if (members.length === 0) {
      table.push({ lower, upper, cells: 0, confidence: null, accuracy: null });
      continue;
    }
    const meanConfidence = members.reduce((s, i) => s + confidence[i]!, 0) / members.length;
    const accuracy = members.filter((i) => correct[i]).length / members.length;
    ece += (members.length / confidence.length) * Math.abs(meanConfidence - accuracy);
    table.push({ lower, upper, cells: members.length, confidence: meanConfidence, accuracy });
  }
  return { ece, table };
}

/** The value below which `q` of the values lie (linear interpolation between order statistics). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** Nearest reference cells whose mean distance says how unusual a cell is (the vote's default k). */
export const NOVELTY_K = 25;
/** Reference quantile of the novelty threshold when no held-out types can be simulated. */
const DEFAULT_NOVELTY_QUANTILE = 0.95;
/**
 * Share of known types' cells a novelty threshold may flag on the simulated held-out types. Without
 * it Youden's J chose thresholds that flagged 16–29% of a test half's cells of known types as NOVEL
 * on two of three pbmc68k splits; an answer that cries wolf that often is not trusted. At 10% the
 * demo atlas flagged 9% of its own cells; 5% caught as many left-out pbmc68k cells (within 0.01 on
 * three splits) with half the false alarms.
 */
export const NOVELTY_FALSE_ALARMS = 0.05;

/**
 * A cell whose genes the model mostly does not know cannot be placed: its embedding says
 * little, and it may land on top of reference cells of some type (adult heart endothelial cells and
 * fibroblasts, 9 genes known to the demo model, sat among pbmc68k's monocytes and were called
 * monocytes). The cut is relative to the reference, so a model with a large vocabulary sets its own:
 * below MIN_GENES_SHARE of the known genes of the reference's MIN_GENES_QUANTILE sparsest cells.
 */
const MIN_GENES_QUANTILE = 0.01;
const MIN_GENES_SHARE = 0.5;

/** Mean of 1 − similarity over neighbours (best first); null without any. */
export function meanDistance(similarities: readonly number[]): number | null {
  return similarities.length === 0 ? null : similarities.reduce((sum, s) => sum + (1 - s), 0) / similarities.length;
}

/**
 * How unlike the reference a cell looks, as one number: its mean distance (1 − cosine) to its
 * NOVELTY_K nearest reference cells times its distance to the nearest label text (1 − best
 * similarity). A type the atlas does not know should be both far from its cells and unlike its
 * label texts; the product lets strong evidence on one side make up for weaker on the other, where
 * requiring each past its own threshold (this rule's predecessor) missed most such cells. Leaving
 * each of five pbmc68k types out in turn on three splits (not the one reported): AUROC 0.851
 * against 0.828 for the two-threshold rule, 0.842 for the distance alone and 0.785 for the text
 * alone.
 *
 * With labelled references the distance to the nearest gene signature (1 − best cosine, see
 * gene-signature.ts) joins the product: a type the reference lacks expresses genes none of its
 * labels' cells do, whatever the model makes of it.
 */
export function unlikeness(cellMeanDistance: number, bestTextSimilarity: number, bestSignatureSimilarity: number | null = null): number {
  return cellMeanDistance * Math.max(0, 1 - bestTextSimilarity) * (bestSignatureSimilarity === null ? 1 : Math.max(0, 1 - bestSignatureSimilarity));
}

/**
 * Unlikeness of reference cells once a whole labelled type is taken out of the reference and of
 * the labels: `positives` are that type's own cells (what a type the atlas has never seen looks
 * like), `negatives` every other cell.
 */
export interface HeldOutTypes {
  readonly types: number;
  readonly positives: readonly number[];
  readonly negatives: readonly number[];
}

/** How unusual a cell is against the reference: the threshold and how it was chosen. */
export interface NoveltyProfile {
  /** Threshold on a cell's unlikeness (see `unlikeness`). */
  readonly unlikeness: number;
  /** Where the threshold sits among the reference cells' own unlikeness (each left out of its neighbours). */
  readonly quantile: number;
  readonly chosenBy: 'heldOutTypes' | 'referenceQuantile';
  /** The threshold's figures on the simulated held-out types; null when none could be simulated. */
  readonly heldOut: { readonly types: number; readonly truePositiveRate: number; readonly falsePositiveRate: number } | null;
  /**
   * Fewer genes known to the model than this and a cell is not read at all (TOO_FEW_GENES): half
   * the known genes of the reference's sparsest 1% of cells.
   */
  readonly minGenes: number;
  /** Whether unlikeness includes the distance to the nearest gene signature (fitted with labelled references). */
  readonly signature: boolean;
  readonly k: number;
  readonly cells: number;
}

/**
 * The novelty threshold, chosen on reference cells only. With labelled types to hold out, it is the
 * reference quantile (0.50 to 0.99) that best tells held-out types' cells from the others (largest
 * true-positive minus false-positive rate, Youden's J) among those that flag at most
 * NOVELTY_FALSE_ALARMS of the others; ties go to the higher quantile (fewer false alarms), and the
 * 0.99 quantile stands when none keeps to the budget. Otherwise the 95th percentile of the
 * reference's own unlikeness.
 */
export function noveltyProfile(reference: readonly number[], heldOut: HeldOutTypes | null, genesPerCell: readonly number[], signature = false): NoveltyProfile {
  const base = {
    minGenes: genesPerCell.length === 0 ? 0 : MIN_GENES_SHARE * quantile(genesPerCell, MIN_GENES_QUANTILE),
    signature,
    k: NOVELTY_K,
    cells: reference.length,
  };
  const rate = (values: readonly number[], threshold: number) => values.filter((v) => v > threshold).length / Math.max(1, values.length);
  if (heldOut === null || heldOut.types < 2 || heldOut.positives.length === 0 || heldOut.negatives.length === 0) {
    return { ...base, unlikeness: quantile(reference, DEFAULT_NOVELTY_QUANTILE), quantile: DEFAULT_NOVELTY_QUANTILE, chosenBy: 'referenceQuantile', heldOut: null };
  }
  type Candidate = { q: number; threshold: number; j: number; tpr: number; fpr: number };
  let best: Candidate | null = null;
  let strictest: Candidate | null = null;
  for (let percent = 50; percent <= 99; percent += 1) {
    const threshold = quantile(reference, percent / 100);
    const tpr = rate(heldOut.positives, threshold);
    const fpr = rate(heldOut.negatives, threshold);
    strictest = { q: percent / 100, threshold, j: tpr - fpr, tpr, fpr };
    if (fpr <= NOVELTY_FALSE_ALARMS && (best === null || tpr - fpr >= best.j)) best = strictest;
  }
  best ??= strictest!;
  return {
    ...base,
    unlikeness: best.threshold,
    quantile: best.q,
    chosenBy: 'heldOutTypes',
    heldOut: { types: heldOut.types, truePositiveRate: best.tpr, falsePositiveRate: best.fpr },
  };
}

/**
 * A cell is novel when its unlikeness is past the profile's threshold. The score is the square root
 * of their ratio, so above 1 means novel. `bestSignatureSimilarity` counts only when the profile
 * was fitted with it.
 */
export function novelty(profile: NoveltyProfile, cellMeanDistance: number | null, bestTextSimilarity: number, bestSignatureSimilarity: number | null = null): { novel: boolean; score: number } {
  if (cellMeanDistance === null) return { novel: false, score: 0 };
  const score = Math.sqrt(unlikeness(cellMeanDistance, bestTextSimilarity, profile.signature ? bestSignatureSimilarity : null) / Math.max(profile.unlikeness, 1e-12));
  return { novel: score > 1, score };
}

/** Index of the best candidate of a distribution (ties: lower index). */
export function argmax(values: ArrayLike<number>): number {
  return topIndices(values, 1)[0]!;
}

/**
 * The broadest-certain roll-up of an uncertain answer: among ancestor terms shared by candidates,
 * the most specific one whose candidates together reach `threshold`. `lineages[k]` is candidate k's
 * term and its ancestors (nearest first); `names` maps a term to its name.
 */
export function rollUp(probabilities: ArrayLike<number>, lineages: readonly (readonly string[])[], threshold: number): { term: string; confidence: number } | null {
  const mass = new Map<string, number>();
  const depth = new Map<string, number>();
  lineages.forEach((lineage, k) => {
    lineage.forEach((term, d) => {
      mass.set(term, (mass.get(term) ?? 0) + probabilities[k]!);
      depth.set(term, Math.min(depth.get(term) ?? Infinity, d));
    });
  });
  let best: { term: string; confidence: number } | null = null;
  for (const [term, confidence] of mass) {
    if (confidence < threshold) continue;
    // The most specific: the smallest mass that still reaches the threshold; ties by the nearer term.
    if (!best || confidence < best.confidence - 1e-12 || (Math.abs(confidence - best.confidence) <= 1e-12 && depth.get(term)! < depth.get(best.term)!)) {
      best = { term, confidence };
    }
  }
  return best;
}

/**
 * A classifier's probabilities over its own classes moved onto candidate labels: a class counts for
 * the candidate with its ontology id, else its name; candidates it does not know get 0; the result
 * is renormalised (uniform when it knows none of them).
 */
export function classifierOnCandidates(
  probabilities: ArrayLike<number>,
  classes: readonly { readonly name: string; readonly ontologyId: string | null }[],
  candidates: readonly { readonly name: string; readonly ontologyId: string | null }[],
): Float64Array {
  const out = new Float64Array(candidates.length);
  classes.forEach((cls, c) => {
    const k = candidates.findIndex((candidate) => (cls.ontologyId !== null && candidate.ontologyId === cls.ontologyId) || candidate.name === cls.name);
    if (k >= 0) out[k]! += probabilities[c]!;
  });
  const sum = out.reduce((a, b) => a + b, 0);
  return sum > 0 ? out.map((p) => p / sum) : out.fill(1 / candidates.length);
}
