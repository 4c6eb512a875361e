/**
 * The fitted decision: how the evidence sources are combined (model/decision.ts), fitted on
 * validation cells held out from the labelled references, with its calibration figures and the
 * reference's novelty profile. One fit per model and atlas state (labels, their harmonised
 * references, the adapter): stored in PostgreSQL, refitted when that state changes. A server fits
 * in the background and answers uncalibrated meanwhile (LangCell's own decision, which says so),
 * except that an answer asking for an adapter waits for the fit with it; a CLI run waits for the fit.
 */
import { createHash } from 'node:crypto';
import { calibrationError, combine, EVIDENCE_SOURCES, confidenceMapFor, fitCombiner, fitConfidenceMaps, mapConfidence, type ConfidenceMaps, meanDistance, NOVELTY_K, noveltyProfile, unlikeness, type CellEvidence, type CombinerWeights, type EvidenceSource, type HeldOutTypes, type NoveltyProfile } from '../model/decision.ts';
import { genesInTokens } from '../model/cell-tokenizer.ts';
import { CandidateSignatures, rankVector, SignatureSums, type StoredSignature } from '../model/gene-signature.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { argmax } from '../model/decision.ts';
import type { AdapterRecord } from '../store/adapters.ts';
import { sampleCells, sampleCellsPerLabel, type SampledCell } from '../store/cells.ts';
import type { Database } from '../store/database.ts';
import { listDatasets } from '../store/datasets.ts';
import { getDecisionFit, saveDecisionFit } from '../store/decisions.ts';
import type { Adapters } from './adapters.ts';
import { LruCache } from './lru.ts';
import { candidateMapper, classifierEvidence, referenceVote, scoresByCandidate } from './evidence.ts';
import type { LabelMaps, LabelLookup } from './label-maps.ts';
import type { LabelCatalogue } from './labels.ts';
import type { CellSearch } from './search.ts';

/** Reference cells read to fit the decision (validation) and to profile novelty. */
const VALIDATION_CELLS = 600;
/** Neighbours in the kNN vote while fitting (the API's default k). */
const FIT_K = 25;
/** Neighbours read per validation cell: enough to find NOVELTY_K outside a held-out type. */
const HELD_OUT_K = 150;
/** A labelled type is held out (to choose the novelty threshold) when it has at least this many validation cells. */
const MIN_HELD_OUT_CELLS = 5;
/** Stored fits of an earlier shape are not reused (part of the fingerprint). */
const FIT_VERSION = 11;
/** Cells per (reference dataset, label) summed into the label's gene signature: a mean settles long before. */
const SIGNATURE_CELLS = 300;
/** Folds of the cross-validation that chooses the sources and measures the decision. */
const FOLDS = 5;
/** Fewer labelled validation cells than this, or one label only: no combiner (uncalibrated). */
const MIN_LABELLED = 30;

export interface SourceFigures {
  readonly accuracy: number;
  readonly ece: number;
}

export interface DecisionFit {
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly adapter: string | null;
  /** null without enough labelled reference cells: the decision stays LangCell's, uncalibrated. */
  readonly combiner: { readonly withCtm: CombinerWeights; readonly withoutCtm: CombinerWeights } | null;
  /** The maps from the combiner's P(winner) to the confidence answers give (absent without a combiner). */
  readonly confidenceMaps?: { readonly withCtm: ConfidenceMaps; readonly withoutCtm: ConfidenceMaps } | null;
  readonly novelty: NoveltyProfile | null;
  /** The labels' gene signatures over their labelled reference cells (null without any). */
  readonly signatures?: readonly StoredSignature[] | null;
  /**
   * Figures of the validation cells, each predicted by a fit on the other folds (the stored weights
   * are then refitted on all of them).
   */
  readonly validation: {
    readonly cells: number;
    readonly labelled: number;
    readonly folds: number;
    readonly sources: Readonly<Partial<Record<EvidenceSource | 'combined' | 'combinedWithoutCtm', SourceFigures>>>;
    readonly reliability: readonly { lower: number; upper: number; cells: number; confidence: number | null; accuracy: number | null }[];
    /** The combined decision's cross-validated accuracy on each reference dataset's labelled cells (they can differ widely). */
    readonly byDataset?: readonly { readonly dataset: string; readonly cells: number; readonly accuracy: number; readonly ece?: number }[];
  } | null;
}

/** What a validation cell says, for every candidate (all labels). */
interface ValidationCell {
  readonly evidence: CellEvidence;
  readonly truth: number | null;
  /** Its HELD_OUT_K nearest other reference cells, best first: the candidate each counts for, and its similarity. */
  readonly neighbours: readonly { readonly candidate: number | null; readonly similarity: number }[];
  /** Its similarity to each candidate's label text. */
  readonly textSimilarities: Float64Array;
  readonly datasetId: number;
  /** The reference dataset whose gene signature the cell is most like (its confidence map's). */
  readonly nearestDataset: number | null;
  /** Genes of the cell the model knows (its tokens after `<cls>`). */
  readonly genes: number;
}

/**
 * The cell's unlikeness with candidate `without` taken out of the reference and of the labels (all
 * kept when null): its mean distance to the NOVELTY_K nearest neighbours of other candidates (fewer
 * when fewer are found, as for a query cell in a small reference), its best similarity to the
 * other label texts and to their gene signatures. Null when no neighbour is left.
 */
function unlikenessWithout(cell: ValidationCell, without: number | null): number | null {
  const distance = meanDistance(cell.neighbours.filter((n) => without === null || n.candidate !== without).slice(0, NOVELTY_K).map((n) => n.similarity));
  if (distance === null) return null;
  const bestWithout = (values: Float64Array) => values.reduce((best, value, k) => (k === without ? best : Math.max(best, value)), -Infinity);
  const signature = cell.evidence.signature;
  return unlikeness(distance, bestWithout(cell.textSimilarities), signature ? bestWithout(signature) : null);
}

/** Each labelled type with enough cells taken out of the reference in turn (see HeldOutTypes). */
function heldOutTypes(cells: readonly ValidationCell[]): HeldOutTypes {
  const counts = new Map<number, number>();
  for (const cell of cells) if (cell.truth !== null) counts.set(cell.truth, (counts.get(cell.truth) ?? 0) + 1);
  const types = [...counts].filter(([, n]) => n >= MIN_HELD_OUT_CELLS).map(([type]) => type);
  const positives: number[] = [];
  const negatives: number[] = [];
  for (const type of types) {
    for (const cell of cells) {
      if (cell.truth === null) continue;
      const value = unlikenessWithout(cell, type);
      if (value !== null) (cell.truth === type ? positives : negatives).push(value);
    }
  }
  return { types: types.length, positives, negatives };
}

/**
 * `total` split as evenly as the sizes allow: each gets the same share, a smaller one all it has,
 * and what it leaves goes to the others (water-filling).
 */
export function equalShares(sizes: readonly number[], total: number): number[] {
  const shares = sizes.map(() => 0);
  let left = total;
  let open = sizes.map((_, i) => i).filter((i) => sizes[i]! > 0);
  while (left > 0 && open.length > 0) {
    const each = Math.max(1, Math.floor(left / open.length));
    for (const i of open) {
      const take = Math.min(each, sizes[i]! - shares[i]!, left);
      shares[i]! += take;
      left -= take;
    }
    open = open.filter((i) => shares[i]! < sizes[i]!);
  }
  return shares;
}

function figures(probabilities: readonly Float64Array[], truth: readonly number[]): SourceFigures {
  const winners = probabilities.map((p) => argmax(p));
  const correct = winners.map((w, i) => w === truth[i]);
  const confidence = probabilities.map((p, i) => p[winners[i]!]!);
  return { accuracy: correct.filter(Boolean).length / Math.max(1, correct.length), ece: calibrationError(confidence, correct).ece };
}

/** Fits kept parsed in memory: a fit with gene signatures is megabytes of JSON, too much to read per answer. */
const CACHED_FITS = 4;

export class Decider {
  private fitting = new Map<string, Promise<DecisionFit>>();
  private readonly fits = new LruCache<string, DecisionFit>(CACHED_FITS);

  constructor(
    private readonly db: Database,
    private readonly model: LangCellModel,
    private readonly catalogue: LabelCatalogue,
    private readonly labelMaps: LabelMaps,
    private readonly adapters: Adapters,
    private readonly search: () => Promise<CellSearch>,
    private readonly log: (message: string) => void,
    private readonly background: boolean,
  ) {}

  private async fingerprint(lookup: LabelLookup, adapter: AdapterRecord | null): Promise<string> {
    const datasets = (await listDatasets(this.db)).filter((d) => d.state === 'READY').map((d) => `${d.id}:${d.cellCount}`);
    const state = [`v${FIT_VERSION}`, this.model.id, lookup.version, datasets.join(','), adapter ? `${adapter.id}@${adapter.createdAt.toISOString()}` : 'no adapter'].join('|');
    return createHash('sha256').update(state).digest('hex').slice(0, 24);
  }

  /**
   * The fit for the atlas as it is now. A background decider starts fitting when there is none and
   * returns null meanwhile — unless `wait`: an answer that asked for an adapter waits for the fit
   * that includes it (seconds, once per adapter and atlas state) rather than leave it out.
   */
  async current(adapter: AdapterRecord | null, wait = adapter !== null): Promise<DecisionFit | null> {
    const lookup = await this.labelMaps.lookup();
    const fingerprint = await this.fingerprint(lookup, adapter);
    const cached = this.fits.get(fingerprint);
    if (cached) return cached;
    const stored = (await getDecisionFit(this.db, this.model.id, fingerprint)) as DecisionFit | null;
    if (stored) {
      this.fits.set(fingerprint, stored);
      return stored;
    }
    let pending = this.fitting.get(fingerprint);
    if (!pending) {
      pending = this.fit(fingerprint, lookup, adapter).finally(() => this.fitting.delete(fingerprint));
      this.fitting.set(fingerprint, pending);
      if (this.background) pending.catch((error: Error) => this.log(`decision fit failed: ${error.message}`));
    }
    return this.background && !wait ? null : pending;
  }

  /** Fits now for the current state (CLI `calibrate`), replacing a stored fit of the same state. */
  async refit(adapter: AdapterRecord | null): Promise<DecisionFit> {
    const lookup = await this.labelMaps.lookup();
    return this.fit(await this.fingerprint(lookup, adapter), lookup, adapter);
  }

  private async fit(fingerprint: string, lookup: LabelLookup, adapter: AdapterRecord | null): Promise<DecisionFit> {
    const started = performance.now();
    const ready = (await listDatasets(this.db)).filter((d) => d.state === 'READY');
    const excluded = new Set(((adapter?.validation['trainCellIds'] as number[] | undefined) ?? []));
    // Each reference dataset gets an equal share of the validation cells (a small one all of its
    // cells): drawn in proportion, 6,000 synthetic demo cells left 60 of pbmc68k's 700 real ones
    // to set the novelty threshold and the calibration, and 99 of those 700 were called NOVEL.
    const shares = equalShares(ready.map((d) => d.cellCount), VALIDATION_CELLS);
    const sample: SampledCell[] = [];
    for (const [i, dataset] of ready.entries()) {
      const drawn = await sampleCells(this.db, [dataset.id], shares[i]! + excluded.size, 'decision');
      sample.push(...drawn.filter((cell) => !excluded.has(cell.id)).slice(0, shares[i]!));
    }
    const catalogue = await this.catalogue.current();
    const empty: DecisionFit = { fingerprint, createdAt: new Date().toISOString(), adapter: adapter?.name ?? null, combiner: null, novelty: null, validation: null };
    if (sample.length === 0 || catalogue.labels.length < 2) {
      await saveDecisionFit(this.db, this.model.id, fingerprint, empty);
      return empty;
    }
    const signatures = await this.signatures(ready.map((d) => d.id), lookup);
    const cells = await this.validationCells(sample, lookup, adapter, signatures);
    const novelty = noveltyProfile(
      cells.flatMap((c) => {
        const value = unlikenessWithout(c, null);
        return value === null ? [] : [value];
      }),
      heldOutTypes(cells),
      cells.map((c) => c.genes),
      cells.some((c) => c.evidence.signature !== null),
    );
    const labelled = cells.filter((c): c is ValidationCell & { truth: number } => c.truth !== null);
    const distinct = new Set(labelled.map((c) => c.truth)).size;
    let result: DecisionFit = { ...empty, novelty, signatures: signatures.length > 0 ? signatures : null };
    if (labelled.length >= MIN_LABELLED && distinct >= 2) {
      const trained: EvidenceSource[] = [...(adapter ? (['adapter'] as const) : []), ...(this.model.hasClassifier ? (['classifier'] as const) : [])];
      const truth = labelled.map((c) => c.truth);
      // Every labelled validation cell predicted by a fit on the other folds (the sample is in a
      // seeded random order, so fold i is every FOLDS-th cell).
      const outOfFold = (sources: readonly EvidenceSource[]) => {
        const predicted = new Array<Float64Array>(labelled.length);
        for (let fold = 0; fold < FOLDS; fold += 1) {
          const rest = labelled.filter((_, i) => i % FOLDS !== fold);
          const weights = fitCombiner(rest.map((c) => c.evidence), rest.map((c) => c.truth), sources).weights;
          labelled.forEach((c, i) => {
            if (i % FOLDS === fold) predicted[i] = combine(c.evidence, weights);
          });
        }
        return predicted;
      };
      // Which sources to combine is chosen like the weights: on reference cells, by the
      // cross-validated log-loss (a source that only adds noise on this atlas, e.g. a model that
      // does not know its tissue, is left out rather than fitted to a small weight).
      // The with- and without-CTM choices share options: each set of sources is cross-validated
      // and fitted once.
      const evaluated = new Map<string, { predicted: Float64Array[]; loss: number; weights: () => CombinerWeights }>();
      const evaluate = (sources: readonly EvidenceSource[]) => {
        const key = sources.join('+');
        let entry = evaluated.get(key);
        if (!entry) {
          const predicted = outOfFold(sources);
          let weights: CombinerWeights | undefined;
          entry = {
            predicted,
            loss: predicted.reduce((sum, p, i) => sum - Math.log(p[truth[i]!]! + 1e-12), 0) / predicted.length,
            weights: () => (weights ??= fitCombiner(labelled.map((c) => c.evidence), truth, sources).weights),
          };
          evaluated.set(key, entry);
        }
        return entry;
      };
      // No source counts against its own label: a set whose fit gives a source a negative weight is
      // refitted without it. Held-out log-loss sometimes preferred a negative weight on LangCell's
      // fused score (−1.3 beside the demo atlas, −0.3 on pbmc68k alone), and "the more LangCell
      // says this label, the less likely it is" is not an answer anyone can check or trust.
      const withoutNegative = (sources: readonly EvidenceSource[]) => {
        let kept = [...sources];
        for (;;) {
          const entry = evaluate(kept);
          const weights = entry.weights();
          const negative = kept.filter((source) => (weights[source] ?? 0) < 0);
          if (negative.length === 0 || negative.length === kept.length) return entry;
          kept = kept.filter((source) => !negative.includes(source));
        }
      };
      const choose = (options: readonly (readonly EvidenceSource[])[]) => {
        const candidates = options.map(withoutNegative);
        const best = candidates.reduce((a, b) => (b.loss < a.loss ? b : a));
        return { predicted: best.predicted, weights: best.weights() };
      };
      const references: EvidenceSource[][] = [
        ['knn', 'signature', ...trained],
        ['knn', ...trained],
      ];
      const ctmChoice = choose(references.flatMap((reference) => [['zeroShot', 'fused', ...reference], ['fused', ...reference], ['zeroShot', ...reference], reference]));
      const plainChoice = choose(references.flatMap((reference) => [['zeroShot', ...reference], reference]));
      const withCtm = ctmChoice.weights;
      const withoutCtm = plainChoice.weights;
      const sources: Partial<Record<EvidenceSource | 'combined' | 'combinedWithoutCtm', SourceFigures>> = {};
      for (const source of EVIDENCE_SOURCES) {
        const values = labelled.map((c) => c.evidence[source]);
        if (!values.every((v): v is Float64Array => v !== null)) continue;
        // A signature's similarities are not probabilities: its figures are those of the signature
        // alone under a fitted temperature (cross-validated like the rest).
        sources[source] = figures(source === 'signature' ? evaluate(['signature']).predicted : values, truth);
      }
      // The confidence maps are fitted on the out-of-fold predictions; their figures are cross-fitted
      // (each fold's confidences mapped by maps fitted on the other folds), so they are held out too.
      const calibrated = (predicted: readonly Float64Array[]) => {
        const winners = predicted.map((p) => argmax(p));
        const confidence = predicted.map((p, i) => p[winners[i]!]!);
        const correct = winners.map((w, i) => w === truth[i]);
        const nearest = labelled.map((c) => c.nearestDataset);
        const heldOut = confidence.map(() => 0);
        for (let fold = 0; fold < FOLDS; fold += 1) {
          const rest = confidence.flatMap((_, i) => (i % FOLDS === fold ? [] : [i]));
          const maps = fitConfidenceMaps(rest.map((i) => confidence[i]!), rest.map((i) => correct[i]!), rest.map((i) => nearest[i]!));
          confidence.forEach((c, i) => {
            if (i % FOLDS === fold) heldOut[i] = mapConfidence(confidenceMapFor(maps, nearest[i]!), c);
          });
        }
        const { ece, table } = calibrationError(heldOut, correct);
        return { maps: fitConfidenceMaps(confidence, correct, nearest), winners, heldOut, correct, figures: { accuracy: correct.filter(Boolean).length / correct.length, ece }, table };
      };
      const ctmCalibrated = calibrated(ctmChoice.predicted);
      const plainCalibrated = calibrated(plainChoice.predicted);
      sources.combined = ctmCalibrated.figures;
      sources.combinedWithoutCtm = plainCalibrated.figures;
      const winners = ctmCalibrated.winners;
      const reliability = ctmCalibrated.table;
      const byDataset = ready.flatMap((dataset) => {
        const members = labelled.flatMap((c, i) => (c.datasetId === dataset.id ? [i] : []));
        if (members.length === 0) return [];
        // Pooled over datasets the calibration can look fine while one reference's cells are
        // overconfident (the demo atlas's sure answers hid pbmc68k's unsure ones): each its own.
        const ece = calibrationError(members.map((i) => ctmCalibrated.heldOut[i]!), members.map((i) => ctmCalibrated.correct[i]!)).ece;
        return [{ dataset: dataset.name, cells: members.length, accuracy: members.filter((i) => winners[i] === truth[i]).length / members.length, ece }];
      });
      result = {
        ...result,
        combiner: { withCtm, withoutCtm },
        confidenceMaps: { withCtm: ctmCalibrated.maps, withoutCtm: plainCalibrated.maps },
        validation: { cells: cells.length, labelled: labelled.length, folds: FOLDS, sources, reliability, byDataset },
      };
    }
    await saveDecisionFit(this.db, this.model.id, fingerprint, result);
    this.fits.set(fingerprint, result);
    const summary = result.validation?.sources.combined;
    this.log(
      `decision fitted on ${cells.length} reference cells in ${((performance.now() - started) / 1000).toFixed(1)} s` +
        (summary
          ? `: held-out accuracy ${summary.accuracy.toFixed(3)}, ECE ${summary.ece.toFixed(3)}` +
            ((result.validation?.byDataset?.length ?? 0) > 1 ? ` (${result.validation!.byDataset!.map((d) => `${d.dataset} ${d.accuracy.toFixed(3)}, ECE ${(d.ece ?? NaN).toFixed(3)} on ${d.cells}`).join('; ')})` : '')
          : ' (no labelled reference: novelty profile only, confidence uncalibrated)'),
    );
    return result;
  }

  /** Each reference dataset's gene signature of each label, summed over up to SIGNATURE_CELLS of its cells harmonised to it. */
  private async signatures(datasetIds: readonly number[], lookup: LabelLookup): Promise<StoredSignature[]> {
    const sums = new SignatureSums();
    for (const cell of await sampleCellsPerLabel(this.db, datasetIds, SIGNATURE_CELLS, 'signature')) {
      const labelId = lookup.labelIdOf(cell.datasetId, cell.label);
      if (labelId !== null) sums.add(cell.datasetId, labelId, cell.id, rankVector(cell.tokens));
    }
    return sums.stored();
  }

  /** Every source's evidence for sampled reference cells, with the cell itself left out of its neighbours and of its label's signature. */
  private async validationCells(sample: readonly SampledCell[], lookup: LabelLookup, adapter: AdapterRecord | null, stored: readonly StoredSignature[]): Promise<ValidationCell[]> {
    const { labels, labelSet } = await this.catalogue.candidates(undefined);
    const { index } = await this.labelMaps.harmonisation();
    const toCandidate = candidateMapper(labels, labels, (term) => index.graph.lineage(term));
    const signatures = stored.length > 0 ? new CandidateSignatures(stored, labels.length, toCandidate) : null;
    const search = await this.search();
    const dim = this.model.embeddingDim;
    const out: ValidationCell[] = [];
    for (let start = 0; start < sample.length; start += 64) {
      const slice = sample.slice(start, start + 64);
      const encoding = await this.model.embedCells(slice.map((cell) => cell.tokens), { keepHidden: true });
      const decisions = await this.model.annotateEncoded(encoding, labelSet, { rerank: true, topM: 3, abstainBelow: 0 });
      const adapted = adapter ? await this.adapters.predict(adapter, encoding.embeddings, labels) : null;
      const classified = await classifierEvidence(this.model, slice.map((cell) => cell.tokens), labels);
      for (const [i, cell] of slice.entries()) {
        const { zeroShot, fused, textSimilarity: textSimilarities } = scoresByCandidate(decisions[i]!.scores, labels.length);
        const neighbours = await search.neighbours({ encoding: { embeddings: encoding.embeddings.subarray(i * dim, (i + 1) * dim) }, storedId: cell.id, genes: null, tokens: cell.tokens }, HELD_OUT_K, undefined);
        const vote = referenceVote(neighbours.slice(0, FIT_K), lookup, toCandidate, labels.length);
        const matched = signatures ? signatures.match(rankVector(cell.tokens), cell.id) : null;
        out.push({
          evidence: { zeroShot, fused, knn: vote.shares, signature: matched?.similarities ?? null, adapter: adapted ? adapted[i]! : null, classifier: classified ? classified[i]! : null },
          truth: toCandidate(lookup.labelIdOf(cell.datasetId, cell.label)),
          neighbours: neighbours.map((hit) => ({ candidate: toCandidate(lookup.labelIdOf(hit.cell.datasetId, hit.cell.label)), similarity: hit.similarity })),
          textSimilarities,
          datasetId: cell.datasetId,
          nearestDataset: matched?.nearestDataset ?? null,
          genes: genesInTokens(cell.tokens),
        });
      }
    }
    return out;
  }
}
