import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BUNDLE_DIR } from '../../src/model/bundle.ts';
import { LangCellModel } from '../../src/model/langcell.ts';

/**
 * onnxruntime-node against the PyTorch reference outputs the exporter stored in each bundle
 * (computed with the plain per-pair PyTorch modules, not the exported graphs). The demo bundle is
 * always checked; more bundles (e.g. a `langcell` random-init bundle made with tools/model) via
 * LANGCELL_PARITY_BUNDLES=dir1:dir2.
 */
interface ReferenceOutputs {
  cells: Array<{ input_ids: number[] }>;
  cell_embedding: number[][];
  cell_hidden_cls: number[][];
  texts: Array<{ text: string; input_ids: number[] }>;
  text_embedding: number[][];
  p_match: number[][];
}

const TOLERANCE = 1e-4;
const bundles = [DEMO_BUNDLE_DIR, ...(process.env.LANGCELL_PARITY_BUNDLES?.split(':').filter(Boolean) ?? [])];

function maxAbsDiff(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i += 1) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}

describe.each(bundles)('parity with PyTorch: %s', (dir) => {
  let model: LangCellModel;
  let reference: ReferenceOutputs;
  beforeAll(async () => {
    model = await LangCellModel.open({ bundleDir: dir });
    reference = JSON.parse(readFileSync(join(dir, 'reference_outputs.json'), 'utf8')) as ReferenceOutputs;
  });

  it('the TypeScript WordPiece tokenizer gives the reference ids of the exporter', () => {
    for (const text of reference.texts) expect(Array.from(model.textTokenizer.tokenize(text.text).inputIds)).toEqual(text.input_ids);
  });

  it('cell embeddings and <cls> hidden states (length-bucketed batches, whatever the padding)', async () => {
    const cells = reference.cells.map((c) => Int32Array.from(c.input_ids));
    const { embeddings, hidden } = await model.embedCells(cells, { keepHidden: true });
    const dim = model.embeddingDim;
    const hiddenSize = model.bundle.manifest.cell.hiddenSize;
    reference.cell_embedding.forEach((expected, i) => {
      expect(maxAbsDiff(embeddings.subarray(i * dim, (i + 1) * dim), expected)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxAbsDiff(hidden![i]!.data.subarray(0, hiddenSize), reference.cell_hidden_cls[i]!)).toBeLessThanOrEqual(TOLERANCE);
      expect(hidden![i]!.length).toBe(cells[i]!.length);
    });
  });

  it('text embeddings', async () => {
    const embeddings = await model.embedTexts(reference.texts.map((t) => t.text));
    const dim = model.embeddingDim;
    reference.text_embedding.forEach((expected, i) => {
      expect(maxAbsDiff(embeddings.subarray(i * dim, (i + 1) * dim), expected)).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('CTM p_match for every (cell, text) pair', async () => {
    const cells = reference.cells.map((c) => Int32Array.from(c.input_ids));
    const { hidden } = await model.embedCells(cells, { keepHidden: true });
    const texts = reference.texts.map((t) => t.text);
    const pMatch = await model.matchCells(hidden!, texts);
    reference.p_match.forEach((expected, i) => {
      expect(maxAbsDiff(pMatch.subarray(i * texts.length, (i + 1) * texts.length), expected)).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('the all-pairs CTM graph equals scoring each (cell, text) pair on its own', async () => {
    const cells = reference.cells.map((c) => Int32Array.from(c.input_ids));
    const { hidden } = await model.embedCells(cells, { keepHidden: true });
    const texts = reference.texts.map((t) => t.text);
    const allPairs = await model.matchCells(hidden!, texts);
    for (let i = 0; i < cells.length; i += 1) {
      for (let k = 0; k < texts.length; k += 1) {
        const [single] = await model.matchCells([hidden![i]!], [texts[k]!]);
        expect(Math.abs(single! - allPairs[i * texts.length + k]!)).toBeLessThanOrEqual(1e-5);
      }
    }
  });
});
