import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoChunk, demoRows, generateDemoAtlas, type DemoAtlas } from '../../seed/atlas.ts';
import { atlasFiles } from '../../seed/write-atlas.ts';
import { CELL_TYPE_LABELS } from '../../seed/labels.ts';
import { bundleVocabulary } from '../../src/model/gene-vocabulary.ts';
import { resolveGenes } from '../../src/model/genes.ts';
import { LangCellModel } from '../../src/model/langcell.ts';
import { similarities, topIndices } from '../../src/model/scoring.ts';

/**
 * The committed demo model through the whole TypeScript path — seed atlas → rank-value tokenizer →
 * cell_encoder.onnx → zero-shot + CTM top-m — on the held-out cells it was never trained on. The
 * training script measured the same cells with its own Python tokenizer and PyTorch; the figures
 * it recorded in the manifest must be reproduced here.
 */
interface TrainingRecord {
  atlasFiles: Record<string, string>;
  heldOut: HeldOutMetrics;
}

interface HeldOutMetrics {
  testCells: number;
  zeroShotAccuracy: number;
  fusedAccuracyTopM: number;
  textToCellPrecisionAt10HeldOutPhrasings: number;
}

describe('demo model end to end (held-out demo cells)', () => {
  let model: LangCellModel;
  let atlas: DemoAtlas;
  let testRows: number[];
  let tokens: Int32Array[];
  let recorded: HeldOutMetrics;
  let training: TrainingRecord;

  beforeAll(async () => {
    model = await LangCellModel.open();
    training = model.bundle.manifest.training as unknown as TrainingRecord;
    recorded = training.heldOut;
    atlas = generateDemoAtlas();
    testRows = atlas.cells.filter((c) => c.split === 'test').map((c) => c.index);
    const mapping = resolveGenes({ index: atlas.genes.map((g) => g.ensemblId), columns: {} }, bundleVocabulary(model.bundle), 'demo atlas');
    // One chunk holding the test rows, as a reader would yield it.
    const chunk = demoChunk(demoRows(atlas, testRows));
    tokens = model.cellTokenizer.tokenizeChunk(chunk, mapping, 'counts');
  });

  it('was trained on the atlas the generator makes today (else: bash seed/make-demo-bundle.sh)', () => {
    const today = Object.fromEntries(
      [...atlasFiles(atlas)].filter(([name]) => name !== 'atlas.json').map(([name, bytes]) => [name, createHash('sha256').update(bytes).digest('hex')]),
    );
    expect(today).toEqual(training.atlasFiles);
  });

  it('reproduces the zero-shot and fused accuracy the training script recorded (≥ 0.9)', async () => {
    expect(testRows.length).toBe(recorded.testCells);
    const labels = await model.labelSet(CELL_TYPE_LABELS.map((l) => l.prompt));
    const truth = testRows.map((r) => CELL_TYPE_LABELS.findIndex((l) => l.name === atlas.cells[r]!.label));
    const zeroShot = await model.annotateCells(tokens, labels, { rerank: false, topM: 0, abstainBelow: 0 });
    const fused = await model.annotateCells(tokens, labels, { rerank: true, topM: 3, abstainBelow: 0 });
    const accuracy = (decisions: typeof fused) => decisions.filter((d, i) => d.best === truth[i]).length / truth.length;
    expect(accuracy(zeroShot)).toBeGreaterThanOrEqual(0.9);
    expect(accuracy(fused)).toBeGreaterThanOrEqual(0.9);
    // Same cells, independent tokenizer and runtime: within two cells of the recorded figures.
    expect(Math.abs(accuracy(zeroShot) - recorded.zeroShotAccuracy)).toBeLessThanOrEqual(2 / truth.length);
    expect(Math.abs(accuracy(fused) - recorded.fusedAccuracyTopM)).toBeLessThanOrEqual(2 / truth.length);

    // CTM beyond each cell's favourite runs only where it could change the answer: the decisions are
    // those of scoring the whole top 3, for fewer CTM pairs.
    const everyTopM = await model.annotateCells(tokens, labels, { rerank: true, topM: 3, abstainBelow: 0, scoreEveryTopM: true });
    expect(fused.map((d) => d.best)).toEqual(everyTopM.map((d) => d.best));
    fused.forEach((d, i) => expect(d.confidence).toBeCloseTo(everyTopM[i]!.confidence, 5));
    const pairs = (decisions: typeof fused) => decisions.reduce((n, d) => n + d.scores.filter((s) => s.pMatch !== null).length, 0);
    expect(pairs(everyTopM)).toBe(3 * tokens.length);
    expect(pairs(fused)).toBeLessThan(2 * tokens.length);

    // Cells encoded once by the caller (the service's path: the same encoding feeds the kNN vote) get
    // the same decisions; without hidden states only zero-shot is possible.
    const some = tokens.slice(0, 40);
    const encoding = await model.embedCells(some, { keepHidden: true });
    expect(await model.annotateEncoded(encoding, labels, { rerank: true, topM: 3, abstainBelow: 0 })).toEqual(fused.slice(0, 40));
    expect(await model.annotateEncoded({ embeddings: encoding.embeddings }, labels, { rerank: true, topM: 3, abstainBelow: 0 })).toEqual(zeroShot.slice(0, 40));
  }, 240_000); // runs the model over 1,200 cells: slow on two shared cores

  it('finds the right cells for held-out plain-language phrasings (precision@10 as recorded)', async () => {
    const { embeddings } = await model.embedCells(tokens);
    const dim = model.embeddingDim;
    const heldOut = CELL_TYPE_LABELS.flatMap((label) => label.phrasings.filter((p) => p.heldOut).map((p) => ({ label: label.name, text: p.text })));
    const queries = await model.embedTexts(heldOut.map((q) => q.text));
    const precisions = heldOut.map((query, q) => {
      const scores = similarities(queries.subarray(q * dim, (q + 1) * dim), embeddings, dim);
      const hits = topIndices(scores, 10);
      return hits.filter((h) => atlas.cells[testRows[h]!]!.label === query.label).length / 10;
    });
    const mean = precisions.reduce((a, b) => a + b, 0) / precisions.length;
    expect(Math.abs(mean - recorded.textToCellPrecisionAt10HeldOutPhrasings)).toBeLessThanOrEqual(0.02);
  }, 240_000); // runs the model over 1,200 cells: slow on two shared cores
});
