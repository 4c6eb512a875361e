import { describe, expect, it } from 'vitest';
import { CellTokenizer } from '../../src/model/cell-tokenizer.ts';
import { resolveGenes } from '../../src/model/genes.ts';
import type { CellChunk } from '../../src/model/cells.ts';

// A five-gene vocabulary: token ids 2..6, <cls> = 7, as LangCell appends <cls> after the genes.
const CLS = 7;
const vocabulary = {
  geneVocab: new Map([
    ['<pad>', 0],
    ['<mask>', 1],
    ['ENSG00000000001', 2],
    ['ENSG00000000002', 3],
    ['ENSG00000000003', 4],
    ['ENSG00000000004', 5],
    ['ENSG00000000005', 6],
    ['<cls>', CLS],
  ]),
  geneMedians: new Map([
    ['ENSG00000000001', 1],
    ['ENSG00000000002', 2],
    ['ENSG00000000003', 0.5],
    ['ENSG00000000004', 1],
    ['ENSG00000000005', 4],
  ]),
  geneSymbols: new Map<string, string>(),
};
// File columns: the five genes, then one gene outside the vocabulary.
const fileGenes = {
  index: ['ENSG00000000001', 'ENSG00000000002', 'ENSG00000000003', 'ENSG00000000004', 'ENSG00000000005', 'ENSG00000099999'],
  columns: {},
};
const mapping = resolveGenes(fileGenes, vocabulary, 'test', { minMatchedGenes: 1, minCoverage: 0 });

function denseChunk(rows: number[][]): CellChunk {
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of rows) {
    row.forEach((value, column) => {
      if (value !== 0) {
        indices.push(column);
        values.push(value);
      }
    });
    indptr.push(indices.length);
  }
  return {
    start: 0,
    cellIds: rows.map((_, i) => `cell${i}`),
    indptr: Uint32Array.from(indptr),
    indices: Uint32Array.from(indices),
    values: Float32Array.from(values),
    obs: {},
  };
}

describe('CellTokenizer (Geneformer rank-value encoding, golden values computed by hand)', () => {
  const tokenizer = new CellTokenizer(CLS, 2048);

  it('maps 5 of 6 genes and reports it', () => {
    expect(mapping.matched).toBe(5);
    expect(mapping.total).toBe(6);
    expect(Array.from(mapping.tokenIds)).toEqual([2, 3, 4, 5, 6, -1]);
  });

  it.each([
    {
      // n = 118. Scores x/n·1e4/median: A 338.98, B 8/2 → 338.98 (tie), C 0 (dropped), D 338.98 (tie), E 2/4 → 42.37.
      // The unknown gene (100 counts) is dropped but still counts toward n. Ties keep file order: A, B, D.
      name: 'ties broken by column order, zeros and unknown genes dropped',
      row: [4, 8, 0, 4, 2, 100],
      expected: [CLS, 2, 3, 5, 6],
    },
    {
      // Scores 1/1, 1/2, 1/0.5, 1/1, 1/4 (× n-constant): C 2 > A 1 = D 1 > B 0.5 > E 0.25.
      name: 'median normalization reorders equal counts',
      row: [1, 1, 1, 1, 1, 0],
      expected: [CLS, 4, 2, 5, 3, 6],
    },
    { name: 'a cell with no vocabulary genes is just <cls>', row: [0, 0, 0, 0, 0, 7], expected: [CLS] },
    { name: 'an all-zero cell is just <cls>', row: [0, 0, 0, 0, 0, 0], expected: [CLS] },
  ])('$name', ({ row, expected }) => {
    const [ids] = tokenizer.tokenizeChunk(denseChunk([row]), mapping, 'counts');
    expect(Array.from(ids!)).toEqual(expected);
  });

  it('inverts log1p-normalized input so the ranks equal those of the counts', () => {
    const counts = [3, 9, 1, 5, 20, 2];
    const total = counts.reduce((a, b) => a + b, 0);
    const log1p = counts.map((c) => Math.log1p((c / total) * 1e4));
    // By hand: scores ∝ 3/1, 9/2, 1/0.5, 5/1, 20/4 → D 5 = E 5 (tie: D first), B 4.5, A 3, C 2.
    const expected = [CLS, 5, 6, 3, 2, 4];
    const [fromCounts] = tokenizer.tokenizeChunk(denseChunk([counts]), mapping, 'counts');
    const [fromLog] = tokenizer.tokenizeChunk(denseChunk([log1p]), mapping, 'log1p');
    expect(Array.from(fromCounts!)).toEqual(expected);
    expect(Array.from(fromLog!)).toEqual(expected);
  });

  it('keeps <cls> plus the top maxLength−1 genes of a long cell', () => {
    const genes = 3000;
    const bigVocab = {
      geneVocab: new Map<string, number>([
        ['<pad>', 0],
        ['<mask>', 1],
      ]),
      geneMedians: new Map<string, number>(),
      geneSymbols: new Map<string, string>(),
    };
    const index: string[] = [];
    for (let g = 0; g < genes; g += 1) {
      const id = `ENSG${String(g).padStart(11, '0')}`;
      index.push(id);
      bigVocab.geneVocab.set(id, g + 2);
      bigVocab.geneMedians.set(id, 1);
    }
    bigVocab.geneVocab.set('<cls>', genes + 2);
    const bigMapping = resolveGenes({ index, columns: {} }, bigVocab, 'test');
    // Gene g has 3000 − g counts: the ranking is column order, so the kept genes are columns 0..2046.
    const row = Array.from({ length: genes }, (_, g) => genes - g);
    const [ids] = new CellTokenizer(genes + 2, 2048).tokenizeChunk(denseChunk([row]), bigMapping, 'counts');
    expect(ids!.length).toBe(2048);
    expect(ids![0]).toBe(genes + 2);
    expect(Array.from(ids!.subarray(1))).toEqual(Array.from({ length: 2047 }, (_, g) => g + 2));
  });

  it('tokenizes each cell of a multi-cell chunk on its own row', () => {
    const cells = tokenizer.tokenizeChunk(denseChunk([[4, 8, 0, 4, 2, 100], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]]), mapping, 'counts');
    expect(cells.map((c) => Array.from(c))).toEqual([[CLS, 2, 3, 5, 6], [CLS], [CLS, 4, 2, 5, 3, 6]]);
  });
});

describe('CellTokenizer precision follows the stored dtype, as numpy does', () => {
  // Two genes whose scores differ below float32 resolution (found by tools/verify on an int32
  // matrix): n = 200,003; gene A 2103 counts, median 1.7123202954658256; gene B 2787 counts,
  // median 2.2692519360919876. In float64 A = 61.406982707667694 > B = 61.40698067281702; with
  // float32 for x/n×10,000 A = 61.40698239671684 < B = 61.406983258717986.
  const vocab = {
    geneVocab: new Map([
      ['<pad>', 0],
      ['<mask>', 1],
      ['ENSG00000000001', 2],
      ['ENSG00000000002', 3],
      ['<cls>', 4],
    ]),
    geneMedians: new Map([
      ['ENSG00000000001', 1.7123202954658256],
      ['ENSG00000000002', 2.2692519360919876],
    ]),
    geneSymbols: new Map<string, string>(),
  };
  const nearTies = resolveGenes({ index: ['ENSG00000000001', 'ENSG00000000002', 'ENSG00000000003'], columns: {} }, vocab, 'test', {
    minMatchedGenes: 1,
    minCoverage: 0,
  });
  const chunk = denseChunk([[2103, 2787, 200_003 - 2103 - 2787]]);
  const tokenizer = new CellTokenizer(4, 2048);

  it('integer or float64 storage ranks in float64', () => {
    expect(Array.from(tokenizer.tokenizeChunk(chunk, nearTies, 'counts', 'float64')[0]!)).toEqual([4, 2, 3]);
  });

  it('float32 storage ranks x/n×10,000 in float32', () => {
    expect(Array.from(tokenizer.tokenizeChunk(chunk, nearTies, 'counts', 'float32')[0]!)).toEqual([4, 3, 2]);
  });
});
