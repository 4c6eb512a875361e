/**
 * Honest metrics for batch annotation against known labels (pure: numbers in, numbers out).
 * Truth is compared after harmonisation, never as raw strings: the caller maps each truth string to
 * a catalogue label (fine) and a coarse class, and truth it cannot map is reported with its counts
 * (`unmappedTruth`), never scored as wrong. Per level: accuracy (an abstention counts as wrong),
 * macro-F1 over the truth classes (scikit-learn's `f1_score(average="macro", labels=truth classes)`),
 * a per-class table, the confusion matrix (with an `unassigned` column), accuracy on the assigned
 * cells and the abstention rate, the expected calibration error with its reliability table (10
 * equal-width bins of the confidence of the best label) and a risk–coverage table (coverage and
 * accuracy of the cells at or above each threshold). Cells of types absent from the candidates, or
 * named by a Cell Ontology term the catalogue has no label at or above, are kept out of these and
 * scored as a novelty-detection problem (AUROC of a novelty score).
 */

import { calibrationError, type ReliabilityBin } from '../model/decision.ts';

export type { ReliabilityBin } from '../model/decision.ts';

/** The prediction column of an abstention in the confusion matrix and per-cell tables. */
export const UNASSIGNED = 'unassigned';

export interface ClassMetrics {
  readonly label: string;
  readonly support: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface ConfusionMatrix {
  /** Rows: truth classes (sorted). */
  readonly truth: readonly string[];
  /** Columns: every predicted class (sorted), `unassigned` last when any cell abstained. */
  readonly predicted: readonly string[];
  /** counts[i][j]: cells of truth[i] predicted as predicted[j]. */
  readonly counts: readonly (readonly number[])[];
}

export interface RiskCoveragePoint {
  /** Cells with confidence ≥ threshold are answered. */
  readonly threshold: number;
  readonly coverage: number;
  /** Accuracy of the best label among the answered cells; null when none is answered. */
  readonly accuracy: number | null;
}

export interface LevelMetrics {
  readonly cells: number;
  readonly accuracy: number;
  readonly macroF1: number;
  /** Accuracy among the cells given a label (0 when none was). */
  readonly assignedAccuracy: number;
  readonly abstentionRate: number;
  /** Expected calibration error; null at a level the confidence does not speak of (coarse). */
  readonly ece: number | null;
  readonly reliability: readonly ReliabilityBin[];
  readonly riskCoverage: readonly RiskCoveragePoint[];
  readonly perClass: readonly ClassMetrics[];
  readonly confusion: ConfusionMatrix;
}

/** One cell at one level: its truth, the answer (null: abstained), the best label and its confidence. */
export interface ScoredCell {
  readonly truth: string;
  readonly predicted: string | null;
  readonly best: string;
  readonly confidence: number;
  /** Abstained whatever the threshold (NOVEL, TOO_FEW_GENES). */
  readonly heldBack?: boolean;
}

export const RISK_COVERAGE_THRESHOLDS: readonly number[] = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/**
 * Coverage and accuracy of the cells the service would answer at each threshold; `heldBack[i]`: cell
 * i is abstained whatever the threshold (NOVEL, TOO_FEW_GENES), so it is never answered.
 */
export function riskCoverage(confidence: readonly number[], correct: readonly boolean[], thresholds = RISK_COVERAGE_THRESHOLDS, heldBack: readonly boolean[] = []): RiskCoveragePoint[] {
  return thresholds.map((threshold) => {
    let answered = 0;
    let right = 0;
    confidence.forEach((c, i) => {
      if (c < threshold || heldBack[i]) return;
      answered += 1;
      if (correct[i]) right += 1;
    });
    return { threshold, coverage: confidence.length === 0 ? 0 : answered / confidence.length, accuracy: answered === 0 ? null : right / answered };
  });
}

/** Area under the ROC curve of `scores` for telling positives from negatives (ties count one half); null without both. */
export function auroc(scores: readonly number[], positive: readonly boolean[]): number | null {
  const pos = scores.filter((_, i) => positive[i]);
  const neg = scores.filter((_, i) => !positive[i]);
  if (pos.length === 0 || neg.length === 0) return null;
  // Rank-sum (Mann–Whitney U) with average ranks for ties: O(n log n).
  const order = scores.map((score, i) => ({ score, positive: positive[i]! })).sort((a, b) => a.score - b.score);
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]!.score === order[i]!.score) j += 1;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1) if (order[k]!.positive) rankSum += averageRank;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/** Every metric of one level over its cells. `calibrated`: whether the confidence speaks of this level's labels (ECE reported). */
export function evaluateLevel(cells: readonly ScoredCell[], options: { readonly calibrated: boolean }): LevelMetrics {
  const classes = [...new Set(cells.map((c) => c.truth))].sort();
  const predictedClasses = [...new Set(cells.map((c) => c.predicted).filter((p): p is string => p !== null))].sort();
  const abstained = cells.filter((c) => c.predicted === null).length;
  const columns = abstained > 0 ? [...predictedClasses, UNASSIGNED] : predictedClasses;
  const counts = classes.map(() => columns.map(() => 0));
  let correct = 0;
  for (const cell of cells) {
    counts[classes.indexOf(cell.truth)]![columns.indexOf(cell.predicted ?? UNASSIGNED)]! += 1;
    if (cell.predicted === cell.truth) correct += 1;
  }
  const perClass = classes.map((label, row) => {
    const column = columns.indexOf(label);
    const truePositives = column < 0 ? 0 : counts[row]![column]!;
    const support = counts[row]!.reduce((a, b) => a + b, 0);
    const predictedCount = column < 0 ? 0 : counts.reduce((sum, r) => sum + r[column]!, 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, support, precision, recall, f1 };
  });
  const assigned = cells.length - abstained;
  const bestCorrect = cells.map((c) => c.best === c.truth);
  const confidence = cells.map((c) => c.confidence);
  // The decision's own ECE (model/decision.ts): equal-width bins (lower, upper], 0 in the first.
  const calibrationTable = calibrationError(confidence, bestCorrect);
  return {
    cells: cells.length,
    accuracy: cells.length === 0 ? 0 : correct / cells.length,
    macroF1: perClass.length === 0 ? 0 : perClass.reduce((sum, c) => sum + c.f1, 0) / perClass.length,
    assignedAccuracy: assigned === 0 ? 0 : correct / assigned,
    abstentionRate: cells.length === 0 ? 0 : abstained / cells.length,
    ece: options.calibrated ? calibrationTable.ece : null,
    reliability: calibrationTable.table,
    riskCoverage: riskCoverage(confidence, bestCorrect, RISK_COVERAGE_THRESHOLDS, cells.map((c) => c.heldBack === true)),
    perClass,
    confusion: { truth: classes, predicted: columns, counts },
  };
}

/**
 * Metrics of answers against truth already expressed in the same names (a benchmark that harmonised
 * both itself); `unassigned` is an abstention. No confidences: no calibration figures.
 */
export function evaluateAnnotations(truth: readonly string[], predicted: readonly string[]): LevelMetrics {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  return evaluateLevel(
    truth.map((t, i) => ({ truth: t, predicted: predicted[i] === UNASSIGNED ? null : predicted[i]!, best: predicted[i]!, confidence: 0 })),
    { calibrated: false },
  );
}

/** A harmonised truth string: its catalogue label and coarse class, each null when unknown. */
export interface TruthMapping {
  readonly label: string | null;
  readonly coarse: string | null;
  /** How the truth string was mapped (NAME, SYNONYM, EMBEDDING, FILE, …; see harmonise.ts) and, for EMBEDDING, the text similarity. */
  readonly method: string;
  readonly score: number | null;
  /**
   * The ontology term the truth names, when it names one. A Cell Ontology term with no catalogue
   * label at or above it is a type the catalogue lacks: scored as novel, not reported as unmapped.
   */
  readonly ontologyId?: string | null;
}

/** A Cell Ontology term id (CL: and seven digits). */
const CELL_ONTOLOGY_TERM = /^CL:\d{7}$/;

/** Whether a truth mapping names a cell type the catalogue has no label for (at or above it). */
export function lacksType(mapping: TruthMapping | undefined): boolean {
  return mapping !== undefined && mapping.label === null && CELL_ONTOLOGY_TERM.test(mapping.ontologyId ?? '');
}

/** One truth string of the evaluated cells, what it was taken to mean, and how many cells carry it. */
export interface TruthLabelMapping extends TruthMapping {
  readonly truth: string;
  readonly cells: number;
}

/** One annotated cell as the evaluation sees it. */
export interface AnnotatedCell {
  /** The truth string as the file has it. */
  readonly truth: string;
  /** The label given (catalogue name), or null when UNASSIGNED. */
  readonly label: string | null;
  readonly bestLabel: string;
  readonly confidence: number;
  /** Higher means more likely a type the candidates lack (e.g. 1 − confidence). */
  readonly novelty: number;
  /** Abstained whatever the threshold (NOVEL, TOO_FEW_GENES): never answered in the risk–coverage table. */
  readonly heldBack?: boolean;
}

export interface NoveltyMetrics {
  /** Cells whose (mapped) truth is not among the candidates. */
  readonly novelCells: number;
  readonly knownCells: number;
  /** How well `novelty` separates the two; null unless both are present. */
  readonly auroc: number | null;
  /** Share of each group left UNASSIGNED. */
  readonly novelUnassigned: number;
  readonly knownUnassigned: number;
}

export interface Evaluation {
  readonly fine: LevelMetrics;
  /** Null when no truth label has a coarse class. */
  readonly coarse: LevelMetrics | null;
  /** Truth strings that map to no catalogue label, with their cell counts (most cells first): not scored. */
  readonly unmappedTruth: readonly { label: string; cells: number }[];
  /**
   * Every truth string, what it was mapped to and how (most cells first): a person checks here that
   * "Dendritic" became dendritic cell by its name, not some other label by a loose text match.
   */
  readonly truthMapping: readonly TruthLabelMapping[];
  /** Null when every mapped truth type is among the candidates. */
  readonly novelty: NoveltyMetrics | null;
  /**
   * Cells whose nearest reference cell has their own cell id (barcode): the reference holds these
   * very cells, so their figures are optimistic. Counted by the caller (it knows the neighbours).
   */
  readonly cellsInReference: number;
}

/**
 * Evaluates annotated cells against their harmonised truth. `mapping` maps each truth string;
 * `coarseOf` gives a catalogue label's coarse class (a label without one stands for itself);
 * `candidates` are the label names the cells could be given (all: every mapped truth is known).
 */
export function evaluateAgainstTruth(
  cells: readonly AnnotatedCell[],
  mapping: ReadonlyMap<string, TruthMapping>,
  coarseOf: (label: string) => string | null,
  candidates?: ReadonlySet<string>,
): Evaluation {
  const unmapped = new Map<string, number>();
  const cellsPerTruth = new Map<string, number>();
  const fine: ScoredCell[] = [];
  const coarse: ScoredCell[] = [];
  const novel: { novelty: number; novel: boolean; abstained: boolean }[] = [];
  for (const cell of cells) {
    cellsPerTruth.set(cell.truth, (cellsPerTruth.get(cell.truth) ?? 0) + 1);
    const truth = mapping.get(cell.truth);
    const lacking = lacksType(truth);
    if (!truth?.label && !lacking) {
      unmapped.set(cell.truth, (unmapped.get(cell.truth) ?? 0) + 1);
      continue;
    }
    const isNovel = lacking || (candidates !== undefined && !candidates.has(truth!.label!));
    novel.push({ novelty: cell.novelty, novel: isNovel, abstained: cell.label === null });
    if (isNovel) continue;
    fine.push({ truth: truth!.label!, predicted: cell.label, best: cell.bestLabel, confidence: cell.confidence, heldBack: cell.heldBack === true });
    if (truth!.coarse !== null) {
      const up = (label: string) => coarseOf(label) ?? label;
      coarse.push({ truth: truth!.coarse, predicted: cell.label === null ? null : up(cell.label), best: up(cell.bestLabel), confidence: cell.confidence, heldBack: cell.heldBack === true });
    }
  }
  const novelCells = novel.filter((n) => n.novel);
  const knownCells = novel.filter((n) => !n.novel);
  const share = (group: typeof novel) => (group.length === 0 ? 0 : group.filter((n) => n.abstained).length / group.length);
  return {
    fine: evaluateLevel(fine, { calibrated: true }),
    coarse: coarse.length === 0 ? null : evaluateLevel(coarse, { calibrated: false }),
    unmappedTruth: [...unmapped].map(([label, count]) => ({ label, cells: count })).sort((a, b) => b.cells - a.cells || a.label.localeCompare(b.label)),
    truthMapping: [...cellsPerTruth]
      .map(([truth, count]) => ({ truth, cells: count, ...(mapping.get(truth) ?? { label: null, coarse: null, method: 'UNMAPPED', score: null }) }))
      .sort((a, b) => b.cells - a.cells || a.truth.localeCompare(b.truth)),
    cellsInReference: 0,
    novelty:
      novelCells.length === 0
        ? null
        : {
            novelCells: novelCells.length,
            knownCells: knownCells.length,
            auroc: auroc(
              novel.map((n) => n.novelty),
              novel.map((n) => n.novel),
            ),
            novelUnassigned: share(novelCells),
            knownUnassigned: share(knownCells),
          },
  };
}
