import { describe, expect, it } from 'vitest';
import { evaluateAnnotations } from '../../src/atlas/evaluation.ts';

describe('evaluateAnnotations', () => {
  it('accuracy, per-class F1 and macro-F1 computed by hand', () => {
    const truth = ['B', 'B', 'B', 'T', 'T', 'NK'];
    const predicted = ['B', 'B', 'T', 'T', 'unassigned', 'T'];
    // B: tp 2, predicted 2, support 3 → P 1, R 2/3, F1 0.8
    // T: tp 1, predicted 3, support 2 → P 1/3, R 1/2, F1 0.4
    // NK: tp 0 → F1 0. Macro = (0.8 + 0.4 + 0) / 3 = 0.4. Accuracy 3/6.
    const metrics = evaluateAnnotations(truth, predicted);
    expect(metrics.accuracy).toBe(0.5);
    expect(metrics.macroF1).toBeCloseTo(0.4, 10);
    expect(metrics.perClass.find((c) => c.label === 'B')!.f1).toBeCloseTo(0.8, 10);
    expect(metrics.perClass.find((c) => c.label === 'T')!.f1).toBeCloseTo(0.4, 10);
    expect(metrics.confusion.get('T')!.get('unassigned')).toBe(1);
  });
});
