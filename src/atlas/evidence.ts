/**
 * Evidence that more than one question gathers (annotation and the decision's validation cells):
 * which candidate a reference label counts for, and a fine-tuned classifier's probabilities.
 */
import { classifierOnCandidates } from '../model/decision.ts';
import type { LangCellModel } from '../model/langcell.ts';
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

