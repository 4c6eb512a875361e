/**
 * LangCell's scoring (langcell-model.md §4) plus the service's additions, as pure functions.
 *
 *   zero-shot_k = softmax_k(cell · text_k / T)                 T = 0.05
 *   ctm_k       = softmax_k(p_match_k)                         LangCell's second softmax, kept as is
 *   fused_k     = α · zero-shot_k + (1 − α) · ctm_k            α from the bundle (LangCell: 0.1)
 *
 * CTM is run on the top-m labels by zero-shot only. The labels it does not score are taken to be
 * non-matching (p_match = 0): then ctm_k is exactly LangCell's softmax over all K labels whenever
 * those labels would indeed have scored 0, and the ranking of the scored labels is unchanged.
 * Within the top m, a candidate is left unscored when `settledWinner` proves that no p_match it
 * could have would change the answer (most confident cells need one CTM pair, not m).
 *
 * The reported confidence is one number in [0, 1]:
 *   confidence = α · zero-shot(winner) + (1 − α) · p_match(winner)
 * — the same α-weighting applied to two calibrated probabilities (how much the cell prefers this
 * label over the other candidates, and how likely the cell–text pair matches), because LangCell's
 * second softmax compresses fused scores (with 8 labels a certain cell gets at most ≈ 0.28 from
 * the CTM term) and so cannot be read as a probability. Without CTM it is the zero-shot probability.
 */

export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i += 1) max = Math.max(max, logits[i]! / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i += 1) {
    out[i] = Math.exp(logits[i]! / temperature - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i += 1) out[i]! /= sum;
  return out;
}

/** Cosine similarity of one L2-normalized cell embedding to K label embeddings (row-major K × D). */
export function similarities(cell: Float32Array, labels: Float32Array, dim: number): Float64Array {
  const count = labels.length / dim;
  const out = new Float64Array(count);
  for (let k = 0; k < count; k += 1) {
    let dot = 0;
    for (let d = 0; d < dim; d += 1) dot += cell[d]! * labels[k * dim + d]!;
    out[k] = dot;
  }
  return out;
}

/** Indices of the m largest scores, best first (ties: lower index first). */
export function topIndices(scores: ArrayLike<number>, m: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, Math.max(0, m));
}

/**
 * LangCell's CTM distribution over all K labels when only some were scored: unscored labels count
 * as p_match = 0 in the softmax. `scored` maps label index → p_match.
 */
export function ctmDistribution(labelCount: number, scored: ReadonlyMap<number, number>): Float64Array {
  const pMatch = new Float64Array(labelCount);
  for (const [label, p] of scored) pMatch[label] = p;
  return softmax(pMatch);
}

/** Decisions closer than this are not called settled, so float rounding can never flip one. */
const SETTLED_MARGIN = 1e-9;

/**
 * The label that wins whatever p_match the `pending` candidates turn out to have, or null when
 * their CTM scores could still change the answer. Labels neither scored nor pending count as
 * p_match = 0, as in `ctmDistribution`.
 *
 * Why this is exact: fused_k − fused_w = α(zs_k − zs_w) + (1 − α)(e^p_k − e^p_w) / Z, where
 * Z = Σ e^p over all labels. Each pending p lies in [0, 1], so e^p ∈ [1, e]; the difference is
 * increasing in e^p_k and monotone in Z (direction given by the sign of e^p_k − e^p_w), so its
 * largest value over every pending assignment sits at the ends of those ranges. The candidate
 * winner w must itself be scored (the confidence needs its p_match).
 */
export function settledWinner(zeroShot: Float64Array, alpha: number, scored: ReadonlyMap<number, number>, pending: ReadonlySet<number>): number | null {
  const labelCount = zeroShot.length;
  // The only label that can be settled is the winner with every pending p_match at 0.
  const fused = fuse(zeroShot, ctmDistribution(labelCount, scored), alpha);
  const winner = topIndices(fused, 1)[0]!;
  const winnerMatch = scored.get(winner);
  if (winnerMatch === undefined) return null;
  const expWinner = Math.exp(winnerMatch);
  let knownSum = 0;
  for (let k = 0; k < labelCount; k += 1) if (!pending.has(k)) knownSum += Math.exp(scored.get(k) ?? 0);
  const pendingCount = pending.size;
  for (let k = 0; k < labelCount; k += 1) {
    if (k === winner) continue;
    const isPending = pending.has(k);
    // A pending rival is at its strongest with p_match = 1.
    const expRival = isPending ? Math.E : Math.exp(scored.get(k) ?? 0);
    const others = isPending ? pendingCount - 1 : pendingCount;
    const known = isPending ? knownSum + Math.E : knownSum;
    // The CTM term helps the rival most with Z smallest (other pending at e^0) when its e^p is larger, else with Z largest.
    const z = known + others * (expRival > expWinner ? 1 : Math.E);
    const advantage = alpha * (zeroShot[k]! - zeroShot[winner]!) + ((1 - alpha) * (expRival - expWinner)) / z;
    if (advantage > -SETTLED_MARGIN) return null;
  }
  return winner;
}

export function fuse(zeroShot: Float64Array, ctm: Float64Array, alpha: number): Float64Array {
  const out = new Float64Array(zeroShot.length);
  for (let k = 0; k < out.length; k += 1) out[k] = alpha * zeroShot[k]! + (1 - alpha) * ctm[k]!;
  return out;
}

export interface LabelScore {
  /** Index into the candidate labels. */
  readonly label: number;
  readonly similarity: number;
  readonly zeroShot: number;
  /** CTM match probability; null when the label was not reranked. */
  readonly pMatch: number | null;
  /** LangCell's CTM term, softmax of p_match over the candidates (unscored ones at 0); null without rerank. */
  readonly ctm: number | null;
  /** LangCell's fused score (equals zeroShot when nothing was reranked). */
  readonly fused: number;
}

export interface LabelDecision {
  /** Winning candidate index, or null when the confidence is below the abstain threshold. */
  readonly label: number | null;
  /** Best candidate regardless of abstention. */
  readonly best: number;
  readonly confidence: number;
  /** Every candidate, best fused score first. */
  readonly scores: readonly LabelScore[];
}

export interface DecisionInputs {
  similarities: Float64Array;
  temperature: number;
  alpha: number;
  /** p_match of the reranked candidates (label index → p); empty for zero-shot only. */
  pMatch: ReadonlyMap<number, number>;
  abstainBelow: number;
}

/** Turns similarities (and CTM scores of the top-m) into LangCell's prediction and one confidence. */
export function decideLabel(inputs: DecisionInputs): LabelDecision {
  const zeroShot = softmax(inputs.similarities, inputs.temperature);
  const reranked = inputs.pMatch.size > 0;
  const ctm = reranked ? ctmDistribution(zeroShot.length, inputs.pMatch) : null;
  const fused = ctm ? fuse(zeroShot, ctm, inputs.alpha) : zeroShot;
  const order = topIndices(fused, fused.length);
  const best = order[0]!;
  const bestMatch = inputs.pMatch.get(best);
  const confidence = bestMatch === undefined ? zeroShot[best]! : inputs.alpha * zeroShot[best]! + (1 - inputs.alpha) * bestMatch;
  return {
    label: confidence >= inputs.abstainBelow ? best : null,
    best,
    confidence,
    scores: order.map((label) => ({
      label,
      similarity: inputs.similarities[label]!,
      zeroShot: zeroShot[label]!,
      pMatch: inputs.pMatch.get(label) ?? null,
      ctm: ctm ? ctm[label]! : null,
      fused: fused[label]!,
    })),
  };
}

/** A labelled reference cell near the query: the candidate its harmonised label counts for (null: none), and its similarity. */
export interface KnnNeighbour {
  readonly candidate: number | null;
  readonly similarity: number;
}

export interface KnnVote {
  /** Per candidate: its share of the total vote weight, in [0, 1]. */
  readonly shares: Float64Array;
  readonly hits: number;
  /** The best and second-best candidate shares. */
  readonly topShare: number;
  readonly runnerUpShare: number;
  /** 1 − similarity of the nearest neighbour; null without neighbours. */
  readonly minDistance: number | null;
}

/**
 * The distance-ranked kNN vote of reference cells over candidate labels: the i-th nearest neighbour
 * (1-based) votes with weight 1/i for the candidate its harmonised label counts for. Ranks, not
 * similarities: through a model that does not know a tissue well, real cells' embeddings crowd
 * together (pbmc68k through the demo model: neighbours at cosine 0.99 and above, nearest-neighbour
 * distances spanning 3e-5 to 1e-2), so similarity weights are all but equal and a frequent type
 * outvotes a rare one around it; 1/rank keeps the nearest cells decisive at any scale (on pbmc68k
 * it raised macro-F1 from 0.45 to 0.60 at equal accuracy, bench/results/trust-*.md).
 * Shares are of the total weight of all neighbours, so neighbours whose label is no candidate (or
 * that are unlabelled or unmapped) dilute every share instead of vanishing. `neighbours` are best first.
 */
export function knnVote(neighbours: readonly KnnNeighbour[], candidateCount: number): KnnVote {
  const votes = new Float64Array(candidateCount);
  let total = 0;
  neighbours.forEach((neighbour, rank) => {
    const weight = 1 / (rank + 1);
    total += weight;
    if (neighbour.candidate !== null) votes[neighbour.candidate]! += weight;
  });
  const shares = votes.map((vote) => (total > 0 ? vote / total : 0));
  const [top, runnerUp] = topIndices(shares, 2);
  return {
    shares,
    hits: neighbours.length,
    topShare: top === undefined ? 0 : shares[top]!,
    runnerUpShare: runnerUp === undefined ? 0 : shares[runnerUp]!,
    minDistance: neighbours.length > 0 ? 1 - neighbours[0]!.similarity : null,
  };
}
