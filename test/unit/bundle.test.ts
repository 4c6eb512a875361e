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
