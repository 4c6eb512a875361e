/**
 * Finding cells: by a text (searchCells, optionally reranked by CTM) and by a cell (similarCells,
 * and the neighbours annotation votes with). A query cell is a stored cell or an expression given
 * by value; either way it is encoded once.
 */
import { AtlasError } from '../errors.ts';
import type { IndexFilter, IndexHit, VectorIndex } from '../index/index.ts';
import type { CellEncoding } from '../model/encoders.ts';
import type { LangCellModel } from '../model/langcell.ts';
import { cellIdsWithMetadata, getCells, getCellVectors } from '../store/cells.ts';
import type { Database } from '../store/database.ts';
import { tokenizeExpression } from './expression-input.ts';
import { LruCache } from './lru.ts';
import type { CellFilter, CellHit, CellInput, InputGenes, SearchOptions } from './types.ts';

export interface SearchSettings {
  /** At most this many hits are rescored by CTM. */
  readonly maxRerank: number;
  /** Text-query embeddings kept in memory. */
  readonly textCacheSize: number;
}

/** The cell a query is about: its encoding (with hidden states when CTM needs them), and where it came from. */
export interface QueryCell {
  readonly encoding: CellEncoding;
  /** The stored cell's id (left out of its own neighbours), or null for an expression input. */
  readonly storedId: number | null;
  /** For an expression input: how many of its genes the model knows. */
  readonly genes: InputGenes | null;
  /** The cell's tokens (a fine-tuned bundle's classifier reads them). */
  readonly tokens: Int32Array;
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new AtlasError('INVALID_INPUT', `k must be a positive integer (got ${k}).`, { field: 'k' });
}

export class CellSearch {
  private readonly textCache: LruCache<string, Float32Array>;

  constructor(
    private readonly db: Database,
    private readonly model: LangCellModel,
    private readonly index: VectorIndex,
    private readonly settings: SearchSettings,
  ) {
    this.textCache = new LruCache(settings.textCacheSize);
  }

  private async embedText(text: string): Promise<Float32Array> {
    const key = text.trim();
    if (!key) throw new AtlasError('INVALID_INPUT', 'The search text is empty.', { field: 'text' });
    const cached = this.textCache.get(key);
    if (cached) return cached;
    const embedding = await this.model.embedTexts([key]);
    this.textCache.set(key, embedding);
    return embedding;
  }

  private async indexFilter(filter: CellFilter | undefined): Promise<IndexFilter> {
    if (!filter) return {};
    const metadata = filter.metadata && Object.keys(filter.metadata).length > 0 ? filter.metadata : undefined;
    return {
      ...(filter.datasetIds ? { datasetIds: new Set(filter.datasetIds) } : {}),
      ...(filter.labels ? { labels: new Set(filter.labels) } : {}),
      ...(metadata ? { cellIds: await cellIdsWithMetadata(this.db, metadata, filter.datasetIds) } : {}),
    };
  }

  /** Index hits as cells (in the same order; cells gone meanwhile are skipped), with CTM probabilities when reranked. */
  async hits(results: readonly IndexHit[], ctm?: ReadonlyMap<number, number>): Promise<CellHit[]> {
    const cells = new Map((await getCells(this.db, results.map((r) => r.cellId))).map((c) => [c.id, c]));
    return results.flatMap((r) => {
      const cell = cells.get(r.cellId);
      return cell ? [{ cell, similarity: r.similarity, ctmProbability: ctm?.get(r.cellId) ?? null }] : [];
    });
  }

  async searchCells(text: string, options: SearchOptions): Promise<CellHit[]> {
    checkK(options.k);
    const query = await this.embedText(text);
    const results = await this.index.search(query, options.k, await this.indexFilter(options.filter));
    if (!options.rerank || results.length === 0) return this.hits(results);
    // CTM rescoring of the best hits: their hidden states are recomputed from stored token ids.
    const rerankIds = results.slice(0, this.settings.maxRerank).map((r) => r.cellId);
    const vectors = await getCellVectors(this.db, rerankIds);
    const ids = rerankIds.filter((id) => vectors.has(id));
    const encoding = await this.model.embedCells(ids.map((id) => vectors.get(id)!.tokens), { keepHidden: true });
    const pMatch = await this.model.matchCells(encoding.hidden!, [text.trim()]);
    const ctm = new Map(ids.map((id, i) => [id, pMatch[i]!]));
    const reranked = [...results].sort((a, b) => (ctm.get(b.cellId) ?? -1) - (ctm.get(a.cellId) ?? -1) || b.similarity - a.similarity);
    return this.hits(reranked, ctm);
  }

  /**
   * The cell to answer about: its embedding (stored, or encoded from the expression) and, when
   * `keepHidden` (CTM rerank), the encoder's hidden states from the same single encoder run.
   */
  async queryCell(input: CellInput, keepHidden = false): Promise<QueryCell> {
    if ('cellId' in input) {
      const stored = (await getCellVectors(this.db, [input.cellId])).get(input.cellId);
      if (!stored) throw new AtlasError('NOT_FOUND', `No visible cell with id ${input.cellId}.`, { field: 'cellId' });
      // CTM attends over the hidden states, which are not stored: re-encode from the stored tokens.
      const encoding = keepHidden ? await this.model.embedCells([stored.tokens], { keepHidden }) : { embeddings: stored.embedding };
      return { encoding, storedId: input.cellId, genes: null, tokens: stored.tokens };
    }
    const { tokens, genes } = tokenizeExpression(this.model, input.expression);
    return { encoding: await this.model.embedCells([tokens], { keepHidden }), storedId: null, genes, tokens };
  }

  /** The k nearest visible reference cells of a query cell, itself excluded. */
  async neighbours(cell: QueryCell, k: number, filter: CellFilter | undefined): Promise<CellHit[]> {
    const exclude = cell.storedId;
    const results = await this.index.search(cell.encoding.embeddings, exclude === null ? k : k + 1, await this.indexFilter(filter));
    return this.hits(results.filter((r) => r.cellId !== exclude).slice(0, k));
  }

  async similarCells(input: CellInput, options: SearchOptions): Promise<CellHit[]> {
    checkK(options.k);
    return this.neighbours(await this.queryCell(input), options.k, options.filter);
  }
}
