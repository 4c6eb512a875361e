/**
 * Metrics for batch annotation against known labels: accuracy, macro-F1 (over the classes present
 * in the truth, as scikit-learn's default for `f1_score(average="macro")` with labels=truth classes)
 * and the confusion matrix. Predictions of "unassigned" count as wrong.
 */
export interface AnnotationMetrics {
  readonly cells: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: ReadonlyArray<{ label: string; support: number; precision: number; recall: number; f1: number }>;
  /** truth label → predicted label → count */
  readonly confusion: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export function evaluateAnnotations(truth: readonly string[], predicted: readonly string[]): AnnotationMetrics {
  if (truth.length !== predicted.length) throw new Error('truth and predictions differ in length');
  const classes = [...new Set(truth)].sort();
  const confusion = new Map<string, Map<string, number>>();
  let correct = 0;
  truth.forEach((label, i) => {
    const guess = predicted[i]!;
    if (guess === label) correct += 1;
    const row = confusion.get(label) ?? new Map<string, number>();
    row.set(guess, (row.get(guess) ?? 0) + 1);
    confusion.set(label, row);
  });
  const perClass = classes.map((label) => {
    const truePositives = confusion.get(label)?.get(label) ?? 0;
    const support = truth.filter((t) => t === label).length;
    const predictedCount = predicted.filter((p) => p === label).length;
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, support, precision, recall, f1 };
  });
  const macroF1 = perClass.reduce((sum, c) => sum + c.f1, 0) / Math.max(1, perClass.length);
  return { cells: truth.length, accuracy: truth.length === 0 ? 0 : correct / truth.length, macroF1, perClass, confusion };
}
