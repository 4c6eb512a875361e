/**
 * Annotating cells: one decision over all the evidence. For each cell and candidate label it
 * gathers zero-shot and CTM (the model's settled top-m, LangCell's fused score), the rank-
 * weighted vote of the nearest labelled reference cells over harmonised labels, the similarity to
 * each label's gene signature over those cells (model-free), and a few-shot
 * adapter's probability when one is chosen; the fitted decision (decider.ts) combines them into a
 * calibrated probability. Without labelled references and without an adapter the decision is
 * exactly LangCell's (uncalibrated, and the answer says so). A cell with too few genes the model
 * knows is UNASSIGNED as TOO_FEW_GENES; one unlike every reference cell and
 * every label text as NOVEL; an unsure one as LOW_CONFIDENCE, or CONFLICT when the
 * sources disagree, rolled up to the nearest ancestor that is certain. One cell (annotateCell) and a
 * file's tokenized cells (annotateTokens) go through the same `annotateEncoded`.
 */
import { argmax, combine, confidenceMapFor, mapConfidence, meanDistance, unmapConfidence, novelty, NOVELTY_K, rollUp, sourcesOf, type CellEvidence, type CombinerWeights } from '../model/decision.ts';
import { genesInTokens } from '../model/cell-tokenizer.ts';
import { CandidateSignatures, rankVector, type StoredSignature } from '../model/gene-signature.ts';
import type { CellEncoding } from '../model/encoders.ts';
import type { LangCellModel } from '../model/langcell.ts';
import type { Adapters } from './adapters.ts';
import type { Decider } from './decider.ts';
import { candidateMapper, classifierEvidence, referenceVote, scoresByCandidate } from './evidence.ts';
import type { LabelMaps } from './label-maps.ts';
import type { LabelCatalogue } from './labels.ts';
import { checkK, type CellSearch, type QueryCell } from './search.ts';
import { LruCache } from './lru.ts';
import type { AbstainReason, Annotation, AnnotateCellOptions, CellInput, LabelCandidate, LabelRecord } from './types.ts';

export interface AnnotationSettings {
  /** Below this confidence the answer is UNASSIGNED. */
  readonly abstainBelow: number;
}

export interface AnnotationParts {
  readonly model: LangCellModel;
  readonly labels: LabelCatalogue;
  readonly search: CellSearch;
  readonly labelMaps: LabelMaps;
  readonly decider: Decider;
  readonly adapters: Adapters;
}

/** Reasons no confidence threshold overrides: such a cell has no roll-up and is never answered in a risk–coverage table. */
export const HELD_BACK_REASONS: ReadonlySet<string> = new Set<AbstainReason>(['NOVEL', 'TOO_FEW_GENES']);

/** Cells annotated at once when a batch is given: CTM holds their hidden states (see LangCellModel.annotateCells). */
const BATCH_SLICE = 64;
/** A source "says" a label when it gives it at least this much; two sources saying different labels conflict. */
const CONFLICT_SHARE = 0.5;

/**
 * Signatures moved onto a set of candidates, kept per fit (its stored signatures) and ontology
 * graph: summing a large atlas's signatures is too slow to repeat for every answer.
 */
const candidateSignatures = new WeakMap<readonly StoredSignature[], WeakMap<object, LruCache<string, CandidateSignatures>>>();

function signaturesOn(stored: readonly StoredSignature[], graph: object, labels: readonly LabelRecord[], toCandidate: (labelId: number) => number | null): CandidateSignatures {
  let byGraph = candidateSignatures.get(stored);
  if (!byGraph) candidateSignatures.set(stored, (byGraph = new WeakMap()));
  let byCandidates = byGraph.get(graph);
  if (!byCandidates) byGraph.set(graph, (byCandidates = new LruCache(8)));
  const key = labels.map((label) => label.id).join(',');
  let signatures = byCandidates.get(key);
  if (!signatures) byCandidates.set(key, (signatures = new CandidateSignatures(stored, labels.length, toCandidate)));
  return signatures;
}

/** Whether two sources say different labels. The gene signature gives similarities, not shares: it says no label here. */
function conflicting(evidence: CellEvidence, reranked: boolean): boolean {
  const verdicts = [reranked ? evidence.fused : evidence.zeroShot, evidence.knn, evidence.adapter, evidence.classifier]
    .filter((values): values is Float64Array => values !== null)
    .flatMap((values) => {
      const winner = argmax(values);
      return values[winner]! >= CONFLICT_SHARE ? [winner] : [];
    });
  return new Set(verdicts).size > 1;
}

/**
 * Annotations of encoded query cells (rows of `encoding`), in order. `waitForFit`: use the decision
 * fitted for the atlas as it is now even when that means fitting it first (a file's cells, so that
 * every slice of a job is decided alike); else a server answers with LangCell's uncalibrated
 * decision while it fits in the background.
 */
async function annotateEncoded(
  parts: AnnotationParts,
  settings: AnnotationSettings,
  cells: readonly QueryCell[],
  encoding: CellEncoding,
  options: AnnotateCellOptions,
  waitForFit: boolean,
): Promise<Annotation[]> {
  const { labels, labelSet } = await parts.labels.candidates(options.candidates);
  const adapter = options.adapter === undefined ? null : await parts.adapters.usable(options.adapter);
  const [lookup, { index, catalogue }, fit] = await Promise.all([
    parts.labelMaps.lookup(),
    parts.labelMaps.harmonisation(),
    parts.decider.current(adapter, waitForFit || adapter !== null),
  ]);
  const decisions = await parts.model.annotateEncoded(encoding, labelSet, {
    rerank: options.rerank,
    topM: Math.max(1, Math.min(options.topM, labels.length)),
    abstainBelow: settings.abstainBelow,
  });
  const adapted = adapter ? await parts.adapters.predict(adapter, encoding.embeddings, labels) : null;
  const classified = await classifierEvidence(parts.model, cells.map((cell) => cell.tokens), labels);
  const toCandidate = candidateMapper(labels, catalogue.labels, (term) => index.graph.lineage(term));
  const lineages = labels.map((label) => (label.ontologyId ? index.graph.lineage(label.ontologyId) : [`label:${label.id}`]));
  const weights: CombinerWeights | null = fit?.combiner ? (options.rerank ? fit.combiner.withCtm : fit.combiner.withoutCtm) : null;
  const confidenceMaps = fit?.confidenceMaps ? (options.rerank ? fit.confidenceMaps.withCtm : fit.confidenceMaps.withoutCtm) : null;
  const signatures = fit?.signatures ? signaturesOn(fit.signatures, index.graph, labels, toCandidate) : null;

  const annotations: Annotation[] = [];
  for (const [i, cell] of cells.entries()) {
    const decision = decisions[i]!;
    const neighbours = await parts.search.neighbours(cell, options.k, options.filter);
    const vote = referenceVote(neighbours, lookup, toCandidate, labels.length);
    const matched = signatures ? signatures.match(rankVector(cell.tokens), cell.storedId) : null;
    const { zeroShot, fused, bestTextSimilarity: bestText } = scoresByCandidate(decision.scores, labels.length);
    const evidence: CellEvidence = {
      zeroShot,
      fused: options.rerank ? fused : null,
      knn: vote.shares,
      signature: matched?.similarities ?? null,
      adapter: adapted ? adapted[i]! : null,
      classifier: classified ? classified[i]! : null,
    };
    // The fitted decision when there is one for this atlas; else LangCell's own, uncalibrated.
    const combined = weights ? combine(evidence, weights) : null;
    const best = combined ? argmax(combined) : decision.best;
    // The combiner's P(winner), through the Platt scaling fitted on held-out reference cells (that
    // of the reference the cell's genes are most like).
    const map = combined && confidenceMaps ? confidenceMapFor(confidenceMaps, matched?.nearestDataset ?? null) : null;
    const confidence = combined ? (map ? mapConfidence(map, combined[best]!) : combined[best]!) : decision.confidence;
    const cellMeanDistance = meanDistance(neighbours.slice(0, NOVELTY_K).map((hit) => hit.similarity));
    const genesKnown = genesInTokens(cell.tokens);
    const bestSignature = evidence.signature ? Math.max(...evidence.signature) : null;
    const noveltyReport = fit?.novelty
      ? {
          ...novelty(fit.novelty, cellMeanDistance, bestText, bestSignature),
          nearestDistance: vote.minDistance,
          meanDistance: cellMeanDistance,
          bestTextSimilarity: bestText,
          bestSignatureSimilarity: bestSignature,
          genesKnown,
          minGenes: fit.novelty.minGenes,
        }
      : null;
    // A cell the model cannot read is not judged at all, novel or not.
    const reason: AbstainReason | null =
      noveltyReport && genesKnown < noveltyReport.minGenes
        ? 'TOO_FEW_GENES'
        : noveltyReport?.novel
          ? 'NOVEL'
          : confidence >= settings.abstainBelow
            ? null
            : conflicting(evidence, options.rerank)
              ? 'CONFLICT'
              : 'LOW_CONFIDENCE';
    const probabilities = combined ?? fused;
    // An ancestor's mass goes through the same scaling as the answer's confidence, so a roll-up is
    // never the unsure answer itself and says its confidence on the same scale.
    const rolled =
      reason !== null && !HELD_BACK_REASONS.has(reason)
        ? rollUpAnswer(probabilities, lineages, settings.abstainBelow, index.graph.nameOf.bind(index.graph), map ? (p) => mapConfidence(map, p) : (p) => p, map ? unmapConfidence(map, settings.abstainBelow) : settings.abstainBelow)
        : null;
    const order = Array.from(labels.keys()).sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
    const byLabel = new Map(decision.scores.map((score) => [score.label, score]));
    const candidates: LabelCandidate[] = order.map((k) => {
      const score = byLabel.get(k)!;
      return {
        label: labels[k]!,
        zeroShot: score.zeroShot,
        ctm: score.ctm,
        pMatch: score.pMatch,
        fused: score.fused,
        knnShare: vote.shares[k]!,
        signature: evidence.signature ? evidence.signature[k]! : null,
        adapter: adapted ? adapted[i]![k]! : null,
        classifier: classified ? classified[i]![k]! : null,
        combined: combined ? combined[k]! : null,
      };
    });
    annotations.push({
      label: reason === null ? labels[best]! : null,
      reason,
      bestLabel: labels[best]!,
      confidence,
      abstainBelow: settings.abstainBelow,
      calibrated: combined !== null,
      decidedBy: weights ? sourcesOf(weights) : options.rerank ? ['zeroShot', 'ctm'] : ['zeroShot'],
      rolledUp: rolled,
      novelty: noveltyReport,
      adapter: adapter?.name ?? null,
      candidates,
      neighbors: neighbours,
      knn: { hits: vote.hits, topShare: vote.topShare, runnerUpShare: vote.runnerUpShare, minDistance: vote.minDistance },
      inputGenes: cell.genes,
    });
  }
  return annotations;
}

/** The roll-up of an unsure answer, ignoring terms every candidate shares (they say nothing). */
function rollUpAnswer(
  probabilities: Float64Array,
  lineages: readonly (readonly string[])[],
  threshold: number,
  nameOf: (term: string) => string | null,
  toConfidence: (mass: number) => number,
  massThreshold: number,
): Annotation['rolledUp'] {
  const everywhere = new Set(lineages[0] ?? []);
  for (const lineage of lineages.slice(1)) for (const term of [...everywhere]) if (!lineage.includes(term)) everywhere.delete(term);
  const informative = lineages.map((lineage) => lineage.filter((term) => !everywhere.has(term)));
  const found = rollUp(probabilities, informative, massThreshold);
  if (!found || found.term.startsWith('label:')) return null;
  const confidence = toConfidence(found.confidence);
  // Rounding at the threshold's edge: the scaled mass must still reach it.
  if (confidence < threshold - 1e-9) return null;
  return { ontologyId: found.term, name: nameOf(found.term) ?? found.term, confidence };
}

export async function annotateCell(parts: AnnotationParts, settings: AnnotationSettings, input: CellInput, options: AnnotateCellOptions): Promise<Annotation> {
  checkK(options.k);
  const cell = await parts.search.queryCell(input, options.rerank);
  const [annotation] = await annotateEncoded(parts, settings, [cell], cell.encoding, options, false);
  return annotation!;
}

/**
 * Annotations of tokenized cells (a query file's), in order, encoded and reranked in slices so the
 * hidden states CTM needs stay bounded; all by the decision fitted for the atlas as it is (a job
 * waits seconds for a fit rather than decide its first cells otherwise). `onProgress` gets the
 * cells done so far.
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
      tokens: slice[i]!,
    }));
    annotations.push(...(await annotateEncoded(parts, settings, cells, encoding, options, true)));
    onProgress?.(annotations.length);
  }
  return annotations;
}
