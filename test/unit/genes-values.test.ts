import { describe, expect, it } from 'vitest';
import { resolveGenes, unversionedEnsemblId } from '../../src/model/genes.ts';
import { bundleIdFor } from '../../src/model/manifest.ts';

const vocabulary = {
  geneVocab: new Map([
    ['<pad>', 0],
    ['<mask>', 1],
    ['ENSG00000111111', 2],
    ['ENSG00000222222', 3],
    ['<cls>', 4],
  ]),
  geneMedians: new Map([
    ['ENSG00000111111', 1.5],
    ['ENSG00000222222', 0.5],
  ]),
  geneSymbols: new Map([
    ['CD3E', 'ENSG00000111111'],
    ['MS4A1', 'ENSG00000222222'],
  ]),
};
const lenient = { minMatchedGenes: 1, minCoverage: 0 };

describe('gene id resolution', () => {
  it('strips Ensembl versions', () => {
    expect(unversionedEnsemblId('ENSG00000141510.17')).toBe('ENSG00000141510');
    expect(unversionedEnsemblId('CD3E.1')).toBe('CD3E.1');
  });

  it('prefers the candidate that matches most genes: a gene_ids column beats a symbol index', () => {
    const mapping = resolveGenes(
      { index: ['CD3E', 'FOO', 'MS4A1'], columns: { gene_ids: ['ENSG00000111111.3', 'ENSG00000999999', 'ENSG00000222222'] } },
      vocabulary,
      'f',
      lenient,
    );
    expect(mapping.source).toBe('column gene_ids (Ensembl)');
    expect(Array.from(mapping.tokenIds)).toEqual([2, -1, 3]);
    expect(Array.from(mapping.medians)).toEqual([1.5, Number.NaN, 0.5]);
  });

  it('maps symbols through the bundle symbol map when there are no Ensembl ids', () => {
    const mapping = resolveGenes({ index: ['MS4A1', 'CD3E'], columns: {} }, vocabulary, 'f', lenient);
    expect(mapping.source).toBe('var index (symbols)');
    expect(Array.from(mapping.tokenIds)).toEqual([3, 2]);
  });

  it('refuses a file with no vocabulary gene, and one with too few', () => {
    expect(() => resolveGenes({ index: ['Actb', 'Gapdh'], columns: {} }, { ...vocabulary, geneSymbols: new Map() }, 'mouse.h5ad')).toThrow(
      expect.objectContaining({ code: 'NO_VOCABULARY_GENES' }),
    );
    expect(() => resolveGenes({ index: ['ENSG00000111111', 'ENSG00000000042'], columns: {} }, vocabulary, 'f.h5ad', { minMatchedGenes: 2, minCoverage: 0 })).toThrow(
      expect.objectContaining({ code: 'TOO_FEW_GENES_MATCHED' }),
    );
  });
});

describe('bundle id rule', () => {
  it('name + first 12 hex of sha256 over sorted "<file> <sha>\\n" lines', () => {
    // Independent: sha256("a.onnx aa\nb.json bb\n") computed with `printf 'a.onnx aa\nb.json bb\n' | sha256sum`.
    const id = bundleIdFor('demo', { 'b.json': { sha256: 'bb' }, 'a.onnx': { sha256: 'aa' } });
    expect(id).toBe(`demo-${EXPECTED_PREFIX}`);
  });
});
const EXPECTED_PREFIX = '66cace239760';
