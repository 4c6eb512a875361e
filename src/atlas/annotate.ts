/**
 * Annotating one cell: candidate labels from the catalogue, the model's zero-shot and CTM scores
 * (settled top-m), and the distance-weighted vote of its nearest labelled reference cells. The
 * math is pure (model/scoring.ts); this gathers the numbers.
 */
import type { LangCellModel } from '../model/langcell.ts';
import { knnVote } from '../model/scoring.ts';
import type { LabelCatalogue } from './labels.ts';
import { checkK, type CellSearch } from './search.ts';
import type { Annotation, AnnotateCellOptions, CellInput, LabelCandidate } from './types.ts';

export interface AnnotationSettings {
  /** Below this confidence the answer is UNASSIGNED. */
  readonly abstainBelow: number;
}

export async function annotateCell(
  parts: { readonly model: LangCellModel; readonly labels: LabelCatalogue; readonly search: CellSearch },
  settings: AnnotationSettings,
  input: CellInput,
  options: AnnotateCellOptions,
): Promise<Annotation> {
  checkK(options.k);
  const { labels, labelSet } = await parts.labels.candidates(options.candidates);
  const cell = await parts.search.queryCell(input, options.rerank);
  const [decision] = await parts.model.annotateEncoded(cell.encoding, labelSet, {
    rerank: options.rerank,
    topM: Math.max(1, Math.min(options.topM, labels.length)),
    abstainBelow: settings.abstainBelow,
  });
  const neighbours = await parts.search.neighbours(cell, options.k, options.filter);
  // Reference datasets name cell types their own way: a label's synonyms count as its name.
  const vote = knnVote(
    neighbours.map((hit) => ({ label: hit.cell.label, similarity: hit.similarity })),
    labels.map((label) => [label.name, ...label.synonyms]),
  );
  const candidates: LabelCandidate[] = decision!.scores.map((score) => ({
    label: labels[score.label]!,
    zeroShot: score.zeroShot,
    ctm: score.ctm,
    pMatch: score.pMatch,
    fused: score.fused,
    knnShare: vote.shares[score.label]!,
  }));
  return {
    label: decision!.label === null ? null : labels[decision!.label]!,
    bestLabel: labels[decision!.best]!,
    confidence: decision!.confidence,
    abstainBelow: settings.abstainBelow,
    candidates,
    neighbors: neighbours,
    knn: { hits: vote.hits, topShare: vote.topShare, runnerUpShare: vote.runnerUpShare, minDistance: vote.minDistance },
    inputGenes: cell.genes,
  };
}
