import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/model/bundle.ts';
import { bundleIdFor } from '../../src/model/manifest.ts';

// A structurally complete bundle whose ONNX files are placeholders: the loader verifies files,
// hashes and vocabularies; it does not run the graphs.
async function writeFakeBundle(dir: string): Promise<void> {
  const contents: Record<string, string> = {
    'cell_encoder.onnx': 'cell graph',
    'text_encoder.onnx': 'text graph',
    'ctm.onnx': 'ctm graph',
    'gene_vocab.json': JSON.stringify({ '<pad>': 0, '<mask>': 1, ENSG00000000001: 2, '<cls>': 3 }),
    'gene_medians.json': JSON.stringify({ ENSG00000000001: 1.5 }),
    'gene_symbols.json': JSON.stringify({ GENE1: 'ENSG00000000001' }),
    'tokenizer.json': JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }),
  };
  const files: Record<string, { sha256: string; bytes: number }> = {};
  for (const [name, text] of Object.entries(contents)) {
    await writeFile(join(dir, name), text);
    files[name] = { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) };
  }
  const dims = { hiddenSize: 8, layers: 1, heads: 2, intermediateSize: 16, padId: 0 };
  const manifest = {
    format: 'langcell-onnx/1',
    id: bundleIdFor('fake', files),
    name: 'fake',
    createdAt: '2026-11-25T00:00:00Z',
    embeddingDim: 256,
    cell: { ...dims, maxLength: 2048, vocabSize: 4, maskId: 1, clsId: 3 },
    text: { ...dims, maxLength: 512, vocabSize: 10, unkId: 1, clsId: 2, sepId: 3, lowercase: true },
    scoring: { temperature: 0.05, alpha: 0.1 },
    onnx: { opset: 17 },
    files,
    provenance: { kind: 'test' },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

describe('loadBundle', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bundle-'));
    await writeFakeBundle(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('loads a verified bundle with its vocabularies', async () => {
    const bundle = await loadBundle(dir);
    expect(bundle.manifest.name).toBe('fake');
    expect(bundle.geneVocab.get('<cls>')).toBe(3);
    expect(bundle.geneMedians.get('ENSG00000000001')).toBe(1.5);
    expect(bundle.geneSymbols.get('GENE1')).toBe('ENSG00000000001');
  });

  it('names a missing directory, a missing file and a corrupt file', async () => {
    await expect(loadBundle(join(dir, 'nope'))).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
    await unlink(join(dir, 'ctm.onnx'));
    await expect(loadBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_FILE_MISSING', message: expect.stringContaining('ctm.onnx') });
    await writeFile(join(dir, 'ctm.onnx'), 'ctm grapX'); // same size, different bytes
    await expect(loadBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_FILE_CORRUPT', message: expect.stringContaining('ctm.onnx has sha256') });
  });

  it('refuses a manifest with a wrong id, a missing field, or a vocabulary that disagrees', async () => {
    const path = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...manifest, id: 'fake-000000000000' }));
    await expect(loadBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_MANIFEST_INVALID', message: expect.stringContaining('id rule') });
    await writeFile(path, JSON.stringify({ ...manifest, scoring: { alpha: 0.1 } }));
    await expect(loadBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_MANIFEST_INVALID', message: expect.stringContaining('scoring.temperature') });
    await writeFile(path, JSON.stringify({ ...manifest, cell: { ...manifest.cell, clsId: 2 } }));
    await expect(loadBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_FILE_CORRUPT', message: expect.stringContaining('<cls>') });
  });
});

// The int8 section as tools/model quantize writes it: twins beside the fp32 graphs, listed apart.
async function addInt8Section(dir: string, fidelity: 'none' | 'measured' | 'stale'): Promise<{ fp32Id: string; int8Id: string }> {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const int8Files: Record<string, { sha256: string; bytes: number }> = {};
  for (const name of ['cell_encoder', 'text_encoder', 'ctm']) {
    const text = `${name} int8 graph`;
    await writeFile(join(dir, `${name}.int8.onnx`), text);
    int8Files[`${name}.int8.onnx`] = { sha256: sha(text), bytes: Buffer.byteLength(text) };
  }
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  const files = manifest.files as Record<string, { sha256: string }>;
  // The int8 id, written out independently of the code under test: the id rule's lines over the
  // int8 model's files (graphs replaced by their twins), names in byte order.
  const effective: Record<string, string> = {};
  for (const [name, entry] of Object.entries(files)) if (!name.endsWith('.onnx')) effective[name] = entry.sha256;
  for (const [name, entry] of Object.entries(int8Files)) effective[name] = entry.sha256;
  const lines = Object.keys(effective)
    .sort()
    .map((name) => `${name} ${effective[name]}\n`)
    .join('');
  const int8Id = `fake-int8-${sha(lines).slice(0, 12)}`;
  const record = {
    measuredAt: '2026-12-02T00:00:00Z',
    fp32: { 'cell_encoder.onnx': files['cell_encoder.onnx']!.sha256, 'text_encoder.onnx': files['text_encoder.onnx']!.sha256, 'ctm.onnx': files['ctm.onnx']!.sha256 },
    int8: Object.fromEntries(Object.entries(int8Files).map(([name, entry]) => [name, entry.sha256])),
    cellEmbeddingCosine: { cells: 10, min: 0.999, p01: 0.999, mean: 0.9999 },
    pMatchMaxAbsDiff: { pairs: 30, value: 0.01 },
    top1Agreement: { 'demo-heldout': { cells: 10, labels: 3, agreement: 1 } },
    textToCellPrecisionAt10: { queries: 3, fp32: 1, int8: 1, absDiff: 0 },
    targets: { 'top1-demo-heldout': { target: '≥ 99.5%', met: true } },
  };
  if (fidelity === 'stale') record.fp32['ctm.onnx'] = sha('an earlier ctm graph');
  manifest.int8 = { id: int8Id, files: int8Files, quantization: { operator: 'test' }, ...(fidelity === 'none' ? {} : { fidelity: record }) };
  await writeFile(path, JSON.stringify(manifest));
  return { fp32Id: manifest.id, int8Id };
}

describe('loadBundle with int8 twins', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bundle-int8-'));
    await writeFakeBundle(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('fp32 is unchanged by an int8 section: same id, fp32 graphs', async () => {
    const { fp32Id } = await addInt8Section(dir, 'measured');
    const bundle = await loadBundle(dir);
    expect(bundle.precision).toBe('fp32');
    expect(bundle.manifest.id).toBe(fp32Id);
    expect(bundle.graphPath('ctm.onnx')).toBe(join(dir, 'ctm.onnx'));
  });

  it('int8 runs the twins under its own id once its fidelity is recorded', async () => {
    const { fp32Id, int8Id } = await addInt8Section(dir, 'measured');
    const bundle = await loadBundle(dir, { precision: 'int8' });
    expect(bundle.manifest.id).toBe(int8Id);
    expect(bundle.manifest.id).not.toBe(fp32Id);
    expect(bundle.storedManifest.id).toBe(fp32Id);
    expect(bundle.graphPath('cell_encoder.onnx')).toBe(join(dir, 'cell_encoder.int8.onnx'));
    expect(Object.keys(bundle.manifest.files).filter((f) => f.endsWith('.onnx')).sort()).toEqual(['cell_encoder.int8.onnx', 'ctm.int8.onnx', 'text_encoder.int8.onnx']);
  });

  it('refuses int8 with no int8 graphs, no fidelity record, or a record of other graphs', async () => {
    await expect(loadBundle(dir, { precision: 'int8' })).rejects.toMatchObject({ code: 'BUNDLE_PRECISION_UNAVAILABLE', message: expect.stringContaining('no int8 graphs') });
    await addInt8Section(dir, 'none');
    await expect(loadBundle(dir, { precision: 'int8' })).rejects.toMatchObject({
      code: 'BUNDLE_PRECISION_UNAVAILABLE',
      message: expect.stringContaining(`never measured against their fp32 twins (run \`langcell-atlas fidelity --bundle ${dir}\`)`),
    });
    // measuring it is the one use that may open it
    expect((await loadBundle(dir, { precision: 'int8', allowUnmeasuredInt8: true })).precision).toBe('int8');
    await addInt8Section(dir, 'stale');
    await expect(loadBundle(dir, { precision: 'int8' })).rejects.toMatchObject({ code: 'BUNDLE_PRECISION_UNAVAILABLE', message: expect.stringContaining('other graphs than ctm.onnx') });
  });

  it('verifies the twins and their id like the fp32 files', async () => {
    await addInt8Section(dir, 'measured');
    await writeFile(join(dir, 'ctm.int8.onnx'), 'ctm int8 grapX');
    await expect(loadBundle(dir, { precision: 'int8' })).rejects.toMatchObject({ code: 'BUNDLE_FILE_CORRUPT', message: expect.stringContaining('ctm.int8.onnx') });
    await addInt8Section(dir, 'measured');
    const path = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8'));
    manifest.int8.id = 'fake-int8-000000000000';
    await writeFile(path, JSON.stringify(manifest));
    await expect(loadBundle(dir, { precision: 'int8' })).rejects.toMatchObject({ code: 'BUNDLE_MANIFEST_INVALID', message: expect.stringContaining('int8.id') });
  });
});
