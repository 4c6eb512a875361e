import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BUNDLE_DIR } from '../../src/model/bundle.ts';
import { describeModel, LangCellModel } from '../../src/model/langcell.ts';

/**
 * The demo bundle's int8 twins (tools/model quantize, fidelity recorded by `langcell-atlas fidelity`)
 * against the PyTorch fp32 reference outputs the exporter stored: close, but not the fp32 graphs.
 */
interface ReferenceOutputs {
  cells: Array<{ input_ids: number[] }>;
  cell_embedding: number[][];
  texts: Array<{ text: string }>;
  text_embedding: number[][];
}

function cosine(a: ArrayLike<number>, b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < b.length; i += 1) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

describe('demo bundle at int8', () => {
  let model: LangCellModel;
  let reference: ReferenceOutputs;
  const logged: string[] = [];
  beforeAll(async () => {
    model = await LangCellModel.open({ bundleDir: DEMO_BUNDLE_DIR, precision: 'int8', log: (m) => logged.push(m) });
    reference = JSON.parse(readFileSync(join(DEMO_BUNDLE_DIR, 'reference_outputs.json'), 'utf8')) as ReferenceOutputs;
  });

  it('runs under the int8 id and says so, with its fidelity', () => {
    const stored = model.bundle.storedManifest;
    expect(model.precision).toBe('int8');
    expect(model.id).toBe(stored.int8!.id);
    expect(model.id).not.toBe(stored.id);
    expect(model.id.startsWith('langcell-demo-int8-')).toBe(true);
    expect(logged).toEqual([describeModel(model.bundle)]);
    expect(logged[0]).toContain('cell_encoder.int8.onnx');
    expect(logged[0]).toContain(`fidelity to fp32 ${stored.id}`);
  });

  it('cell and text embeddings stay within cosine 0.999 of PyTorch fp32 but are not the fp32 ones', async () => {
    const { embeddings } = await model.embedCells(reference.cells.map((c) => Int32Array.from(c.input_ids)));
    const texts = await model.embedTexts(reference.texts.map((t) => t.text));
    const dim = model.embeddingDim;
    let largest = 0;
    reference.cell_embedding.forEach((expected, i) => {
      const row = embeddings.subarray(i * dim, (i + 1) * dim);
      expect(cosine(row, expected)).toBeGreaterThan(0.999);
      for (let j = 0; j < dim; j += 1) largest = Math.max(largest, Math.abs(row[j]! - expected[j]!));
    });
    reference.text_embedding.forEach((expected, i) => expect(cosine(texts.subarray(i * dim, (i + 1) * dim), expected)).toBeGreaterThan(0.999));
    // fp32 parity is ≤ 1e-4 (parity.test.ts); int8 rounding shows well above it
    expect(largest).toBeGreaterThan(1e-4);
  });
});
