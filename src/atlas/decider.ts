/**
 * The fitted decision: how the evidence sources are combined (model/decision.ts), fitted on
 * validation cells held out from the labelled references, with its calibration figures and the
 * reference's novelty profile. One fit per model and atlas state (labels, their harmonised
 * references, the adapter): stored in PostgreSQL, refitted when that state changes. A server fits
 * in the background and answers uncalibrated meanwhile (LangCell's own decision, which says so); a
 * CLI run waits for the fit.
 */
import { createHash } from 'node:crypto';
import { calibrationError, combine, EVIDENCE_SOURCES, fitCombiner, noveltyProfile, type CellEvidence, type CombinerWeights, type EvidenceSource, type NoveltyProfile } from '../model/decision.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { argmax } from '../model/decision.ts';
import type { AdapterRecord } from '../store/adapters.ts';
import { sampleCells, type SampledCell } from '../store/cells.ts';
import type { Database } from '../store/database.ts';
import { listDatasets } from '../store/datasets.ts';
import { getDecisionFit, saveDecisionFit } from '../store/decisions.ts';
import type { Adapters } from './adapters.ts';
import { candidateMapper, classifierEvidence, referenceVote, scoresByCandidate } from './evidence.ts';
import type { LabelMaps, LabelLookup } from './label-maps.ts';
import type { LabelCatalogue } from './labels.ts';
import type { CellSearch } from './search.ts';

/** Reference cells read to fit the decision (validation) and to profile novelty. */
const VALIDATION_CELLS = 600;
/** Neighbours in the kNN vote while fitting (the API's default k). */
const FIT_K = 25;
/** Share of the labelled validation cells the combiner is fitted on; the rest measure it. */
const FIT_SHARE = 0.7;
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
  readonly novelty: NoveltyProfile | null;
  /** Figures on the held-out part of the validation cells, of a fit on the rest (the stored weights are then refitted on all of them). */
  readonly validation: {
    readonly cells: number;
    readonly labelled: number;
    readonly fittedOn: number;
    readonly measuredOn: number;
    readonly sources: Readonly<Partial<Record<EvidenceSource | 'combined' | 'combinedWithoutCtm', SourceFigures>>>;
    readonly reliability: readonly { lower: number; upper: number; cells: number; confidence: number | null; accuracy: number | null }[];
  } | null;
}

/** What a validation cell says, for every candidate (all labels). */
interface ValidationCell {
  readonly evidence: CellEvidence;
  readonly truth: number | null;
  readonly nearestDistance: number | null;
  readonly bestTextSimilarity: number;
}

function figures(probabilities: readonly Float64Array[], truth: readonly number[]): SourceFigures {
  const winners = probabilities.map((p) => argmax(p));
  const correct = winners.map((w, i) => w === truth[i]);
  const confidence = probabilities.map((p, i) => p[winners[i]!]!);
  return { accuracy: correct.filter(Boolean).length / Math.max(1, correct.length), ece: calibrationError(confidence, correct).ece };
}

export class Decider {
  private fitting = new Map<string, Promise<DecisionFit>>();

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
    const state = [this.model.id, lookup.version, datasets.join(','), adapter ? `${adapter.id}@${adapter.createdAt.toISOString()}` : 'no adapter'].join('|');
    return createHash('sha256').update(state).digest('hex').slice(0, 24);
  }

  /**
   * The fit for the atlas as it is now. A background decider starts fitting when there is none and
   * returns null meanwhile; otherwise the fit is made now.
   */
  async current(adapter: AdapterRecord | null): Promise<DecisionFit | null> {
    const lookup = await this.labelMaps.lookup();
    const fingerprint = await this.fingerprint(lookup, adapter);
    const stored = (await getDecisionFit(this.db, this.model.id, fingerprint)) as DecisionFit | null;
    if (stored) return stored;
    let pending = this.fitting.get(fingerprint);
    if (!pending) {
      pending = this.fit(fingerprint, lookup, adapter).finally(() => this.fitting.delete(fingerprint));
      this.fitting.set(fingerprint, pending);
      if (this.background) pending.catch((error: Error) => this.log(`decision fit failed: ${error.message}`));
    }
    return this.background ? null : pending;
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
    const sample = (await sampleCells(this.db, ready.map((d) => d.id), VALIDATION_CELLS + excluded.size, 'decision')).filter((cell) => !excluded.has(cell.id)).slice(0, VALIDATION_CELLS);
    const catalogue = await this.catalogue.current();
    const empty: DecisionFit = { fingerprint, createdAt: new Date().toISOString(), adapter: adapter?.name ?? null, combiner: null, novelty: null, validation: null };
    if (sample.length === 0 || catalogue.labels.length < 2) {
      await saveDecisionFit(this.db, this.model.id, fingerprint, empty);
      return empty;
    }
    const cells = await this.validationCells(sample, lookup, adapter);
    const novelty = noveltyProfile(
      cells.flatMap((c) => (c.nearestDistance === null ? [] : [c.nearestDistance])),
      cells.map((c) => c.bestTextSimilarity),
    );
    const labelled = cells.filter((c): c is ValidationCell & { truth: number } => c.truth !== null);
    const distinct = new Set(labelled.map((c) => c.truth)).size;
    let result: DecisionFit = { ...empty, novelty };
    if (labelled.length >= MIN_LABELLED && distinct >= 2) {
      const cut = Math.round(labelled.length * FIT_SHARE);
      const fitOn = labelled.slice(0, cut);
      const measureOn = labelled.slice(cut);
      const reference: EvidenceSource[] = ['knn', ...(adapter ? (['adapter'] as const) : []), ...(this.model.hasClassifier ? (['classifier'] as const) : [])];
      // Which sources to combine is chosen like the weights: on reference cells, by the log-loss on
      // the held-out part (a source that only adds noise on this atlas, e.g. a model that does not
      // know its tissue, is left out rather than fitted to a small weight).
      const choose = (options: readonly (readonly EvidenceSource[])[]) => {
        const fits = options.map((sources) => fitCombiner(fitOn.map((c) => c.evidence), fitOn.map((c) => c.truth), sources).weights);
        const heldOutLoss = fits.map((weights) => measureOn.reduce((sum, c) => sum - Math.log(combine(c.evidence, weights)[c.truth]! + 1e-12), 0) / measureOn.length);
        const chosen = heldOutLoss.indexOf(Math.min(...heldOutLoss));
        // The figures below are of this held-out fit; the stored weights are the chosen sources
        // refitted on every labelled validation cell (more cells, a better-calibrated fit).
        return { heldOut: fits[chosen]!, final: fitCombiner(labelled.map((c) => c.evidence), labelled.map((c) => c.truth), options[chosen]!).weights };
      };
      const ctmChoice = choose([['zeroShot', 'fused', ...reference], ['fused', ...reference], ['zeroShot', ...reference], reference]);
      const plainChoice = choose([['zeroShot', ...reference], reference]);
      const withCtm = ctmChoice.final;
      const withoutCtm = plainChoice.final;
      const truth = measureOn.map((c) => c.truth);
      const sources: Partial<Record<EvidenceSource | 'combined' | 'combinedWithoutCtm', SourceFigures>> = {};
      for (const source of EVIDENCE_SOURCES) {
        const values = measureOn.map((c) => c.evidence[source]);
        if (values.every((v): v is Float64Array => v !== null)) sources[source] = figures(values, truth);
      }
      const combined = measureOn.map((c) => combine(c.evidence, ctmChoice.heldOut));
      sources.combined = figures(combined, truth);
      sources.combinedWithoutCtm = figures(measureOn.map((c) => combine(c.evidence, plainChoice.heldOut)), truth);
      const winners = combined.map((p) => argmax(p));
      const reliability = calibrationError(
        combined.map((p, i) => p[winners[i]!]!),
        winners.map((w, i) => w === truth[i]),
      ).table;
      result = {
        ...result,
        combiner: { withCtm, withoutCtm },
        validation: { cells: cells.length, labelled: labelled.length, fittedOn: fitOn.length, measuredOn: measureOn.length, sources, reliability },
      };
    }
    await saveDecisionFit(this.db, this.model.id, fingerprint, result);
    const summary = result.validation?.sources.combined;
    this.log(
      `decision fitted on ${cells.length} reference cells in ${((performance.now() - started) / 1000).toFixed(1)} s` +
        (summary ? `: held-out accuracy ${summary.accuracy.toFixed(3)}, ECE ${summary.ece.toFixed(3)}` : ' (no labelled reference: novelty profile only, confidence uncalibrated)'),
    );
    return result;
  }

  /** Every source's evidence for sampled reference cells, with the cell itself left out of its neighbours. */
  private async validationCells(sample: readonly SampledCell[], lookup: LabelLookup, adapter: AdapterRecord | null): Promise<ValidationCell[]> {
    const { labels, labelSet } = await this.catalogue.candidates(undefined);
    const { index } = await this.labelMaps.harmonisation();
    const toCandidate = candidateMapper(labels, labels, (term) => index.graph.lineage(term));
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
        const { zeroShot, fused, bestTextSimilarity: bestText } = scoresByCandidate(decisions[i]!.scores, labels.length);
        const neighbours = await search.neighbours({ encoding: { embeddings: encoding.embeddings.subarray(i * dim, (i + 1) * dim) }, storedId: cell.id, genes: null, tokens: cell.tokens }, FIT_K, undefined);
        const vote = referenceVote(neighbours, lookup, toCandidate, labels.length);
        out.push({
          evidence: { zeroShot, fused, knn: vote.shares, adapter: adapted ? adapted[i]! : null, classifier: classified ? classified[i]! : null },
          truth: toCandidate(lookup.labelIdOf(cell.datasetId, cell.label)),
          nearestDistance: vote.minDistance,
          bestTextSimilarity: bestText,
        });
      }
    }
    return out;
  }
}
