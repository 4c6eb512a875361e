import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BUNDLE_DIR } from '../../src/model/bundle.ts';
import { LangCellModel } from '../../src/model/langcell.ts';

/**
 * A LangCell-CE bundle made by `tools/model finetune` (tiny random base, one epoch) is loaded by the
 * runtime: `cell_classifier.onnx` runs through onnxruntime-node and its probabilities equal the
 * softmax of the PyTorch logits the exporter stored. Needs Debian's python3-torch and python3-onnx
 * (CI installs them, see .ci/run); the Python suite covers the same graph without Node's model layer.
 */
const REPO = resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const hasTorch =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import torch, numpy, onnx'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

function softmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const exp = row.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((v) => v / sum);
}

describe.runIf(hasTorch)('fine-tuned bundle with cell_classifier.onnx', () => {
  let dir: string;
  let bundle: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'classifier-bundle-'));
    const base = join(dir, 'base');
    execFileSync(PYTHON, ['-m', 'tools.model', 'export', '--random-init', 'tiny', '--out', base, '--no-verify'], { cwd: REPO, stdio: 'ignore' });
    const vocab = JSON.parse(readFileSync(join(base, 'gene_vocab.json'), 'utf8')) as Record<string, number>;
    const genes = Object.entries(vocab)
      .filter(([token]) => !token.startsWith('<'))
      .map(([, id]) => id);
    const names = ['B cell', 'T cell', 'natural killer cell'];
    const lines = Array.from({ length: 24 }, (_, i) => {
      const type = i % 3;
      const tokens = [vocab['<cls>']!, ...genes.slice(type * 6, type * 6 + 6), ...genes.slice(40 + i, 45 + i)];
      return JSON.stringify({ cell: `c${i}`, input_ids: tokens, obs: { cell_type: names[type] } });
    });
    writeFileSync(join(dir, 'cells.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'labels.tsv'), 'label\tid\tdefinition\nB cell\tCL:0000236\t\nT cell\tCL:0000084\t\nnatural killer cell\tCL:0000623\t\n');
    bundle = join(dir, 'ce');
    execFileSync(
      PYTHON,
      ['-m', 'tools.model', 'finetune', '--base-bundle', base, '--tokens', join(dir, 'cells.jsonl'), '--label-column', 'cell_type', '--labels', join(dir, 'labels.tsv'), '--epochs', '1', '--warmup-steps', '0', '--out', bundle],
      { cwd: REPO, stdio: 'ignore' },
    );
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the classifier and its classes, and matches PyTorch within 1e-4', async () => {
    const model = await LangCellModel.open({ bundleDir: bundle });
    expect(model.hasClassifier).toBe(true);
    expect(model.classifierClasses).toEqual([
      { name: 'B cell', ontologyId: 'CL:0000236' },
      { name: 'T cell', ontologyId: 'CL:0000084' },
      { name: 'natural killer cell', ontologyId: 'CL:0000623' },
    ]);
    const reference = JSON.parse(readFileSync(join(bundle, 'reference_outputs.json'), 'utf8')) as {
      cells: Array<{ input_ids: number[] }>;
      classifier_logits: number[][];
    };
    const probabilities = await model.classifyCells(reference.cells.map((c) => Int32Array.from(c.input_ids)));
    reference.classifier_logits.forEach((logits, i) => {
      const expected = softmax(logits);
      expected.forEach((p, k) => expect(Math.abs(probabilities[i * 3 + k]! - p)).toBeLessThanOrEqual(1e-4));
    });
  });
});

describe('bundle without a classifier', () => {
  it('says so and refuses to classify', async () => {
    const model = await LangCellModel.open({ bundleDir: DEMO_BUNDLE_DIR });
    expect(model.hasClassifier).toBe(false);
    expect(model.classifierClasses).toEqual([]);
    await expect(model.classifyCells([Int32Array.from([model.bundle.manifest.cell.clsId])])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
