/**
 * Evaluation metrics against values computed by hand (the comments show the arithmetic).
 */
import { describe, expect, it } from 'vitest';
import { auroc, evaluateAgainstTruth, evaluateAnnotations, evaluateLevel, riskCoverage, type ScoredCell, type TruthMapping } from '../../src/atlas/evaluation.ts';

// truth, answer (null: abstained), best label, confidence
const CELLS: ScoredCell[] = [
  { truth: 'B', predicted: 'B', best: 'B', confidence: 0.95 },
  { truth: 'B', predicted: 'B', best: 'B', confidence: 0.85 },
  { truth: 'B', predicted: 'T', best: 'T', confidence: 0.65 },
  { truth: 'T', predicted: 'T', best: 'T', confidence: 0.75 },
  { truth: 'T', predicted: null, best: 'T', confidence: 0.35 },
  { truth: 'NK', predicted: 'T', best: 'T', confidence: 0.55 },
];

describe('evaluateLevel', () => {
  const metrics = evaluateLevel(CELLS, { calibrated: true });

  it('accuracy counts an abstention as wrong; accuracy on assigned cells and the abstention rate', () => {
    expect(metrics.cells).toBe(6);
    expect(metrics.accuracy).toBe(3 / 6);
    expect(metrics.assignedAccuracy).toBe(3 / 5);
    expect(metrics.abstentionRate).toBe(1 / 6);
  });

  it('per-class table and macro-F1 over the truth classes', () => {
    // B: tp 2, predicted 2, support 3 → P 1, R 2/3, F1 0.8
    // NK: tp 0 → 0. T: tp 1, predicted 3, support 2 → P 1/3, R 1/2, F1 0.4. Macro (0.8 + 0 + 0.4) / 3 = 0.4
    expect(metrics.perClass.map((c) => [c.label, c.support, +c.precision.toFixed(6), +c.recall.toFixed(6), +c.f1.toFixed(6)])).toEqual([
      ['B', 3, 1, 0.666667, 0.8],
      ['NK', 1, 0, 0, 0],
      ['T', 2, 0.333333, 0.5, 0.4],
    ]);
    expect(metrics.macroF1).toBeCloseTo(0.4, 12);
  });

  it('confusion matrix with an unassigned column', () => {
    expect(metrics.confusion).toEqual({
      truth: ['B', 'NK', 'T'],
      predicted: ['B', 'T', 'unassigned'],
      counts: [
        [2, 1, 0],
        [0, 1, 0],
        [0, 1, 1],
      ],
    });
  });

  it('ECE and reliability over 10 bins of the best label confidence', () => {
    // one cell per bin; best right for 0.95, 0.85, 0.75, 0.35; wrong for 0.65, 0.55
    // |1−.95| + |1−.85| + |0−.65| + |1−.75| + |1−.35| + |0−.55| = 2.30 → ECE 2.30 / 6
    expect(metrics.ece).toBeCloseTo(2.3 / 6, 12);
    expect(metrics.reliability.map((b) => b.cells)).toEqual([0, 0, 0, 1, 0, 1, 1, 1, 1, 1]);
    expect(metrics.reliability[6]).toEqual({ lower: 0.6, upper: 0.7, cells: 1, confidence: 0.65, accuracy: 0 });
    expect(metrics.reliability[0]).toEqual({ lower: 0, upper: 0.1, cells: 0, confidence: null, accuracy: null });
  });

  it('risk–coverage: cells at or above each threshold, and how many of them the best label gets right', () => {
    const at = (t: number) => metrics.riskCoverage.find((p) => p.threshold === t);
    expect(at(0)).toEqual({ threshold: 0, coverage: 1, accuracy: 4 / 6 });
    expect(at(0.5)).toEqual({ threshold: 0.5, coverage: 5 / 6, accuracy: 3 / 5 });
    expect(at(0.8)).toEqual({ threshold: 0.8, coverage: 2 / 6, accuracy: 1 });
    expect(riskCoverage([0.2], [true], [0.5])).toEqual([{ threshold: 0.5, coverage: 0, accuracy: null }]);
    // A cell held back whatever the threshold (NOVEL, TOO_FEW_GENES) is never answered: of three
    // cells at 0.9 (right, wrong, right) the held-back right one leaves 1 of 2 answered cells right.
    expect(riskCoverage([0.9, 0.9, 0.9], [true, false, true], [0, 0.5], [false, false, true])).toEqual([
      { threshold: 0, coverage: 2 / 3, accuracy: 0.5 },
      { threshold: 0.5, coverage: 2 / 3, accuracy: 0.5 },
    ]);
  });

  it('no ECE at a level the confidence does not speak of', () => {
    expect(evaluateLevel(CELLS, { calibrated: false }).ece).toBeNull();
    // perfectly calibrated: confidence 1 right, confidence 0 wrong
    expect(evaluateLevel([{ truth: 'B', predicted: 'B', best: 'B', confidence: 1 }, { truth: 'T', predicted: null, best: 'B', confidence: 0 }], { calibrated: true }).ece).toBe(0);
  });
});

describe('evaluateAnnotations: truth already in the answers\' names', () => {
  it('scores strings, unassigned as an abstention', () => {
    // the table above without confidences: B 0.8, NK 0, T 0.4 → macro 0.4; accuracy 3/6
    const metrics = evaluateAnnotations(
      CELLS.map((c) => c.truth),
      CELLS.map((c) => c.predicted ?? 'unassigned'),
    );
    expect([metrics.accuracy, +metrics.macroF1.toFixed(12), metrics.abstentionRate, metrics.ece]).toEqual([0.5, 0.4, 1 / 6, null]);
  });
});

describe('auroc', () => {
  it('counts pairs ranked right, ties as one half', () => {
    // positives 0.9, 0.3; negatives 0.8, 0.3, 0.1: 0.9 beats 3; 0.3 beats 0.1, ties 0.3 → (3 + 1.5) / 6
    expect(auroc([0.9, 0.8, 0.3, 0.3, 0.1], [true, false, true, false, false])).toBe(0.75);
    expect(auroc([0.1, 0.9], [true, false])).toBe(0);
    expect(auroc([0.5, 0.6], [false, false])).toBeNull();
  });
});

describe('evaluateAgainstTruth: harmonised truth', () => {
  const mapping = new Map<string, TruthMapping>([
    ['CD19+ B', { label: 'B cell', coarse: 'B cell', method: 'FILE', score: null }],
    ['CD8+ T', { label: 'CD8 T', coarse: 'T cell', method: 'EMBEDDING', score: 0.91 }],
    ['CD4+ T', { label: 'CD4 T', coarse: 'T cell', method: 'NAME', score: null }],
    ['CD56+ NK', { label: 'NK cell', coarse: 'NK cell', method: 'SYNONYM', score: null }],
    ['Mystery', { label: null, coarse: null, method: 'UNMAPPED', score: null }],
  ]);
  const coarseOf = (label: string) => ({ 'B cell': 'B cell', 'CD8 T': 'T cell', 'CD4 T': 'T cell', 'NK cell': 'NK cell' })[label] ?? null;
  const cells = [
    { truth: 'CD19+ B', label: 'B cell', bestLabel: 'B cell', confidence: 0.9, novelty: 0.1 },
    { truth: 'CD8+ T', label: 'CD4 T', bestLabel: 'CD4 T', confidence: 0.6, novelty: 0.4 },
    { truth: 'CD4+ T', label: 'CD4 T', bestLabel: 'CD4 T', confidence: 0.8, novelty: 0.2 },
    { truth: 'Mystery', label: 'B cell', bestLabel: 'B cell', confidence: 0.7, novelty: 0.3 },
    { truth: 'Mystery', label: 'B cell', bestLabel: 'B cell', confidence: 0.7, novelty: 0.3 },
    { truth: 'CD56+ NK', label: null, bestLabel: 'CD4 T', confidence: 0.3, novelty: 0.7 },
  ];
  const evaluation = evaluateAgainstTruth(cells, mapping, coarseOf, new Set(['B cell', 'CD8 T', 'CD4 T']));

  it('scores mapped truth (never raw strings), reports unmapped truth with its counts', () => {
    expect(evaluation.fine.cells).toBe(3);
    expect(evaluation.fine.accuracy).toBe(2 / 3);
    expect(evaluation.unmappedTruth).toEqual([{ label: 'Mystery', cells: 2 }]);
  });

  it('reports every truth label with what it was scored as and how it was mapped, most cells first', () => {
    expect(evaluation.truthMapping).toEqual([
      { truth: 'Mystery', cells: 2, label: null, coarse: null, method: 'UNMAPPED', score: null },
      { truth: 'CD19+ B', cells: 1, label: 'B cell', coarse: 'B cell', method: 'FILE', score: null },
      { truth: 'CD4+ T', cells: 1, label: 'CD4 T', coarse: 'T cell', method: 'NAME', score: null },
      { truth: 'CD56+ NK', cells: 1, label: 'NK cell', coarse: 'NK cell', method: 'SYNONYM', score: null },
      { truth: 'CD8+ T', cells: 1, label: 'CD8 T', coarse: 'T cell', method: 'EMBEDDING', score: 0.91 },
    ]);
  });

  it('scores the coarse level through the coarse classes of truth and answer', () => {
    // CD8 T answered CD4 T: wrong fine, right coarse (T cell)
    expect(evaluation.coarse!.accuracy).toBe(1);
    expect(evaluation.coarse!.confusion.truth).toEqual(['B cell', 'T cell']);
    expect(evaluation.coarse!.ece).toBeNull();
  });

  it('cells of a type absent from the candidates are a novelty problem, not misses', () => {
    expect(evaluation.novelty).toEqual({ novelCells: 1, knownCells: 3, auroc: 1, novelUnassigned: 1, knownUnassigned: 0 });
    expect(evaluateAgainstTruth(cells, mapping, coarseOf).novelty).toBeNull();
  });

  it('a Cell Ontology term the catalogue lacks is a novel type; an id that is no CL term stays unmapped', () => {
    const withTerms = new Map<string, TruthMapping>([
      ...mapping,
      ['CL:0000115', { label: null, coarse: null, method: 'UNMAPPED', score: null, ontologyId: 'CL:0000115' }],
      ['CL:12312', { label: null, coarse: null, method: 'UNMAPPED', score: null, ontologyId: 'CL:12312' }],
    ]);
    const heart = [
      { truth: 'CL:0000115', label: null, bestLabel: 'B cell', confidence: 0.6, novelty: 0.9 },
      { truth: 'CL:0000115', label: 'B cell', bestLabel: 'B cell', confidence: 0.8, novelty: 0.15 },
      { truth: 'CL:12312', label: null, bestLabel: 'B cell', confidence: 0.6, novelty: 0.9 },
    ];
    const result = evaluateAgainstTruth([...cells, ...heart], withTerms, coarseOf);
    // Known cells' novelty 0.1, 0.4, 0.2, 0.7 against the novel 0.9 (above all four) and 0.15 (above
    // one): 5 of 8 pairs ranked right.
    expect(result.novelty).toEqual({ novelCells: 2, knownCells: 4, auroc: 5 / 8, novelUnassigned: 0.5, knownUnassigned: 0.25 });
    expect(result.unmappedTruth).toEqual([{ label: 'Mystery', cells: 2 }, { label: 'CL:12312', cells: 1 }]);
    expect(result.fine.cells).toBe(4);
  });
});
