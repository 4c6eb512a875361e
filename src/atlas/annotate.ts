/**
 * Annotating cells: candidate labels from the catalogue, the model's zero-shot and CTM scores
 * (settled top-m), and the distance-weighted vote of each cell's nearest labelled reference cells.
 * The math is pure (model/scoring.ts); this gathers the numbers. One cell (annotateCell) and a
 * batch of tokenized cells (a file's, annotateTokens) go through the same `annotateEncoded`.
 */
import type { CellEncoding } from '../model/encoders.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { knnVote } from '../model/scoring.ts';
import type { LabelCatalogue } from './labels.ts';
import { checkK, type CellSearch, type QueryCell } from './search.ts';
import type { Annotation, AnnotateCellOptions, CellInput, LabelCandidate } from './types.ts';

export interface AnnotationSettings {
  /** Below this confidence the answer is UNASSIGNED. */
  readonly abstainBelow: number;
}

export interface AnnotationParts {
  readonly model: LangCellModel;
  readonly labels: LabelCatalogue;
  readonly search: CellSearch;
}

/** Cells annotated at once when a batch is given: CTM holds their hidden states (see LangCellModel.annotateCells). */
const BATCH_SLICE = 64;

/** Annotations of encoded query cells (rows of `encoding`), in order. */
async function annotateEncoded(parts: AnnotationParts, settings: AnnotationSettings, cells: readonly QueryCell[], encoding: CellEncoding, options: AnnotateCellOptions): Promise<Annotation[]> {
  const { labels, labelSet } = await parts.labels.candidates(options.candidates);
  const decisions = await parts.model.annotateEncoded(encoding, labelSet, {
    rerank: options.rerank,
    topM: Math.max(1, Math.min(options.topM, labels.length)),
    abstainBelow: settings.abstainBelow,
  });
  const names = labels.map((label) => [label.name, ...label.synonyms]);
  const annotations: Annotation[] = [];
  for (const [i, cell] of cells.entries()) {
    const decision = decisions[i]!;
    const neighbours = await parts.search.neighbours(cell, options.k, options.filter);
    // Reference datasets name cell types their own way: a label's synonyms count as its name.
    const vote = knnVote(
      neighbours.map((hit) => ({ label: hit.cell.label, similarity: hit.similarity })),
      names,
    );
    const candidates: LabelCandidate[] = decision.scores.map((score) => ({
      label: labels[score.label]!,
      zeroShot: score.zeroShot,
      ctm: score.ctm,
      pMatch: score.pMatch,
      fused: score.fused,
      knnShare: vote.shares[score.label]!,
    }));
    annotations.push({
      label: decision.label === null ? null : labels[decision.label]!,
      reason: decision.label === null ? 'LOW_CONFIDENCE' : null,
      bestLabel: labels[decision.best]!,
      confidence: decision.confidence,
      abstainBelow: settings.abstainBelow,
      candidates,
      neighbors: neighbours,
      knn: { hits: vote.hits, topShare: vote.topShare, runnerUpShare: vote.runnerUpShare, minDistance: vote.minDistance },
      inputGenes: cell.genes,
    });
  }
  return annotations;
}

export async function annotateCell(parts: AnnotationParts, settings: AnnotationSettings, input: CellInput, options: AnnotateCellOptions): Promise<Annotation> {
  checkK(options.k);
  const cell = await parts.search.queryCell(input, options.rerank);
  const [annotation] = await annotateEncoded(parts, settings, [cell], cell.encoding, options);
  return annotation!;
}

/**
 * Annotations of tokenized cells (a query file's), in order, encoded and reranked in slices so the
 * hidden states CTM needs stay bounded. `onProgress` gets the cells done so far.
 */
export async function annotateTokens(
  parts: AnnotationParts,
  settings: AnnotationSettings,
  tokens: readonly Int32Array[],
  options: AnnotateCellOptions,
  onProgress?: (done: number) => void,
): Promise<Annotation[]> {
  checkK(options.k);
  const annotations: Annotation[] = [];
  for (let start = 0; start < tokens.length; start += BATCH_SLICE) {
    const slice = tokens.slice(start, start + BATCH_SLICE);
    const encoding = await parts.model.embedCells(slice, { keepHidden: options.rerank });
    const dim = parts.model.embeddingDim;
    const cells: QueryCell[] = slice.map((_, i) => ({
      encoding: { embeddings: encoding.embeddings.subarray(i * dim, (i + 1) * dim) },
      storedId: null,
      genes: null,
    }));
    annotations.push(...(await annotateEncoded(parts, settings, cells, encoding, options)));
    onProgress?.(annotations.length);
  }
  return annotations;
}
