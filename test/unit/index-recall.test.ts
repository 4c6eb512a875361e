import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoAtlas } from '../../seed/atlas.ts';
import { CellVectorIndex, DEFAULT_HNSW_PARAMS, exactSearch, recallAtK, strictRecallAtK } from '../../src/index/index.ts';
import { bundleVocabulary } from '../../src/model/gene-vocabulary.ts';
import { resolveGenes } from '../../src/model/genes.ts';
import { LangCellModel } from '../../src/model/langcell.ts';
import type { CellChunk } from '../../src/model/cells.ts';

/**
 * The default HNSW parameters on real model output: the whole demo atlas (6,000 cells) embedded by
 * the demo model through the TypeScript path, indexed with DEFAULT_HNSW_PARAMS, and 300 of its
 * cells as queries, against exact search. The demo model's space is very tight (cells of one type
 * have cosine ≈ 0.99 to their centre; the 10th and 11th neighbours often differ by < 1e-5), so
 * recall counts a tie at the 10th place as a hit (see recallAtK); the strict id-match figure is
 * checked too, with room for the float32 tie-breaking.
 */
describe('HNSW recall on the demo atlas embeddings', () => {
  const k = 10;
  let embeddings: Float32Array;
  let ids: Uint32Array;
  let dim: number;

  beforeAll(async () => {
    const model = await LangCellModel.open();
    dim = model.embeddingDim;
    const atlas = generateDemoAtlas();
    const mapping = resolveGenes({ index: atlas.genes.map((g) => g.ensemblId), columns: {} }, bundleVocabulary(model.bundle), 'demo atlas');
    const chunk: CellChunk = {
      start: 0,
      cellIds: atlas.cells.map((cell) => cell.id),
      indptr: atlas.counts.indptr,
      indices: atlas.counts.indices,
      values: atlas.counts.values,
      obs: {},
    };
    const tokens = model.cellTokenizer.tokenizeChunk(chunk, mapping, 'counts');
    embeddings = (await model.embedCells(tokens)).embeddings;
    ids = Uint32Array.from({ length: atlas.cells.length }, (_, i) => i + 1);
  }, 300_000);

  it('reaches recall@10 ≥ 0.99 against exact search with the default parameters', () => {
    expect(ids.length).toBe(6000);
    const index = CellVectorIndex.create({ dim, params: DEFAULT_HNSW_PARAMS, initialCapacity: 1000 });
    index.add(ids, embeddings);
    expect(index.size).toBe(6000);
    const matrix = { dim, ids, vectors: embeddings };
    let recall = 0;
    let strict = 0;
    const queries = 300;
    for (let q = 0; q < queries; q += 1) {
      const row = q * 20;
      const query = embeddings.subarray(row * dim, (row + 1) * dim);
      const found = index.search(query, k);
      const truth = exactSearch(matrix, query, k);
      expect(found).toHaveLength(k);
      recall += recallAtK(found, truth, k);
      strict += strictRecallAtK(found, truth, k);
    }
    expect(recall / queries).toBeGreaterThanOrEqual(0.99);
    expect(strict / queries).toBeGreaterThanOrEqual(0.98);
  });
});
