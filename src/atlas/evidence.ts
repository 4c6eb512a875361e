/**
 * Evidence that more than one question gathers (annotation and the decision's validation cells):
 * which candidate a reference label counts for, and a fine-tuned classifier's probabilities.
 */
import { classifierOnCandidates } from '../model/decision.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { knnVote, type KnnVote, type LabelScore } from '../model/scoring.ts';
import type { LabelLookup } from './label-maps.ts';
import type { CellHit } from './types.ts';
import type { LabelRecord } from './types.ts';

/** Maps a reference label id to the candidate it counts for: itself, or its nearest candidate ancestor. */
export function candidateMapper(
  candidates: readonly LabelRecord[],
  catalogue: readonly LabelRecord[],
  lineageOf: (ontologyId: string) => readonly string[],
): (labelId: number | null) => number | null {
  const index = new Map(candidates.map((label, i) => [label.id, i]));
  const byTerm = new Map(candidates.flatMap((label, i) => (label.ontologyId ? [[label.ontologyId, i] as const] : [])));
  const byId = new Map(catalogue.map((label) => [label.id, label]));
  return (labelId) => {
    if (labelId === null) return null;
    const direct = index.get(labelId);
    if (direct !== undefined) return direct;
    const term = byId.get(labelId)?.ontologyId;
    if (!term) return null;
    for (const ancestor of lineageOf(term)) {
      const candidate = byTerm.get(ancestor);
      if (candidate !== undefined) return candidate;
    }
    return null;
  };
}

/** A fine-tuned bundle's classifier probabilities on the candidates, per cell; null when the bundle has none. */
export async function classifierEvidence(model: LangCellModel, tokens: readonly Int32Array[], candidates: readonly LabelRecord[]): Promise<Float64Array[] | null> {
  if (!model.hasClassifier) return null;
  const classes = model.classifierClasses;
  const probabilities = await model.classifyCells(tokens);
  return tokens.map((_, i) => classifierOnCandidates(probabilities.subarray(i * classes.length, (i + 1) * classes.length), classes, candidates));
}


/** The model's scores of one cell by candidate index (they arrive best first): zero-shot, fused, label-text similarity, and the best of those. */
export function scoresByCandidate(
  scores: readonly LabelScore[],
  candidateCount: number,
): { zeroShot: Float64Array; fused: Float64Array; textSimilarity: Float64Array; bestTextSimilarity: number } {
  const zeroShot = new Float64Array(candidateCount);
  const fused = new Float64Array(candidateCount);
  const textSimilarity = new Float64Array(candidateCount);
  let bestTextSimilarity = -Infinity;
  for (const score of scores) {
    zeroShot[score.label] = score.zeroShot;
    fused[score.label] = score.fused;
    textSimilarity[score.label] = score.similarity;
    bestTextSimilarity = Math.max(bestTextSimilarity, score.similarity);
  }
  return { zeroShot, fused, textSimilarity, bestTextSimilarity };
}

/** The kNN vote of reference neighbours, each counting for the candidate its harmonised label counts for. */
export function referenceVote(neighbours: readonly CellHit[], lookup: LabelLookup, toCandidate: (labelId: number | null) => number | null, candidateCount: number): KnnVote {
  return knnVote(
    neighbours.map((hit) => ({ candidate: toCandidate(lookup.labelIdOf(hit.cell.datasetId, hit.cell.label)), similarity: hit.similarity })),
    candidateCount,
  );
}
