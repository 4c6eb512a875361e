import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeH5ad } from '../helpers/h5ad-writer.ts';
import { temporaryDirectory } from '../helpers/reader-fixtures.ts';

/**
 * The CLI options tools/model fewshot / finetune and their evaluation rely on: `tokenize --obs`
 * (labels travel with the tokens), `annotate --only-cells` (held-out cells only) and `--truth-map`
 * (dataset labels → label names through ontology ids).
 */
const REPO = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const directory = temporaryDirectory('model-commands-');
const vocab = JSON.parse(readFileSync(join(REPO, 'seed/bundle/gene_vocab.json'), 'utf8')) as Record<string, number>;
const genes = Object.keys(vocab)
  .filter((g) => g.startsWith('ENSG'))
  .slice(0, 30);
const CELLS = ['c0', 'c1', 'c2', 'c3'];
const TYPES = ['CD19+ B', 'CD56+ NK', 'CD19+ B', 'CD56+ NK'];
const h5ad = join(directory.path, 'cells.h5ad');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [join(REPO, 'bin/langcell-atlas.js'), ...args], { cwd: REPO });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  const X = CELLS.map((_, c) => genes.map((_, g) => ((c * 7 + g * 3) % 5) + (g % 4 === c ? 9 : 0)));
  await writeH5ad(h5ad, {
    X,
    layout: 'csr',
    encoding: 'modern',
    obs: { index: CELLS, columns: { cell_type: { kind: 'categorical', values: TYPES } } },
    var: { index: genes },
  });
  writeFileSync(join(directory.path, 'labels.tsv'), 'label\tid\tdefinition\nB cell\tCL:0000236\t\nnatural killer cell\tCL:0000623\t\n');
  writeFileSync(join(directory.path, 'map.tsv'), 'dataset\tdataset_label\tcl_id\nx\tCD19+ B\tCL:0000236\nx\tCD56+ NK\tCL:0000623\n');
  writeFileSync(join(directory.path, 'ids.txt'), 'cell\nc1\nc2\n');
});
afterAll(() => directory.remove());

describe('tokenize --obs', () => {
  it('copies the label column into each line', async () => {
    const out = join(directory.path, 'tokens.jsonl');
    const { code, stderr } = await cli('tokenize', h5ad, '--obs', 'cell_type', '--out', out);
    expect(code, stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { cell: string; input_ids: number[]; obs: Record<string, string> });
    expect(lines.map((l) => [l.cell, l.obs.cell_type])).toEqual(CELLS.map((c, i) => [c, TYPES[i]]));
    expect(lines.every((l) => l.input_ids[0] === vocab['<cls>'])).toBe(true);
  }, 60_000);

  it('refuses a column the file does not have', async () => {
    const { code, stderr } = await cli('tokenize', h5ad, '--obs', 'bulk_labels', '--out', join(directory.path, 'never.jsonl'));
    expect(code).toBe(2);
    expect(stderr).toContain('LABEL_COLUMN_MISSING');
  }, 60_000);
});

describe('annotate --only-cells --truth-map', () => {
  it('annotates only the listed cells and maps truth values to label names', async () => {
    const out = join(directory.path, 'preds.csv');
    const { code, stdout, stderr } = await cli(
      'annotate', h5ad, '--labels', join(directory.path, 'labels.tsv'), '--truth-column', 'cell_type',
      '--truth-map', join(directory.path, 'map.tsv'), '--only-cells', join(directory.path, 'ids.txt'), '--out', out,
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('annotated 2 of 4 cells');
    expect(stdout).toMatch(/^fine: 2 cells {2}accuracy \d\.\d{4} {2}macro-F1 \d\.\d{4} /m);
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((r) => r.split(','));
    expect(rows.map((r) => [r[0], r.at(-1)])).toEqual([
      ['c1', 'natural killer cell'],
      ['c2', 'B cell'],
    ]);
  }, 60_000);

  it('refuses an --alpha outside [0, 1]', async () => {
    const { code, stderr } = await cli('annotate', h5ad, '--labels', join(directory.path, 'labels.tsv'), '--alpha', '1.5');
    expect(code).toBe(2);
    expect(stderr).toContain('--alpha must be within [0, 1]');
  }, 60_000);

  it('refuses --decide-by classifier on a bundle without one', async () => {
    const { code, stderr } = await cli('annotate', h5ad, '--labels', join(directory.path, 'labels.tsv'), '--decide-by', 'classifier');
    expect(code).toBe(2);
    expect(stderr).toContain('has no cell_classifier.onnx');
  }, 60_000);
});
