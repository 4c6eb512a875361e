/**
 * The atlas: one object that answers every question the API and the CLI ask (AtlasApi), over the
 * model, the HNSW index and the store. No HTTP and no SQL here.
 *
 * Lifecycle (`openAtlas`): database (embedded unless DATABASE_URL) with migrations → model bundle
 * (refused if stored embeddings came from another model) → demo atlas seeded when the database is
 * empty → index loaded and verified, or rebuilt → unfinished ingestions resumed → ready.
 */
import { AtlasError } from '../errors.ts';
import type { Config } from '../config.ts';
import { cancelIngestion, IngestWorker, removeDataset, resumeUnfinished, startIngestion } from '../ingest/ingestion.ts';
import type { LabelSet, LangCellModel } from '../model/langcell.ts';
import type { TokenizedText } from '../model/text-tokenizer.ts';
import type { CellEncoding } from '../model/encoders.ts';
import { openIngestionContext, type OpenIngestionContext } from '../ingest/context.ts';
import { topIndices } from '../model/scoring.ts';
import { cellIdsWithMetadata, getCells, getCellVectors } from '../store/cells.ts';
import type { Database } from '../store/database.ts';
import * as datasetStore from '../store/datasets.ts';
import { getJob } from '../store/jobs.ts';
import * as labelStore from '../store/labels.ts';
import { AtlasIndex, configuredIndexOptions, type IndexFilter } from './atlas-index.ts';
import { tokenizeExpression } from './expression-input.ts';
import { readLabelFile } from './label-file.ts';
import { LruCache } from './lru.ts';
import type {
  Annotation,
  AnnotateCellOptions,
  AtlasApi,
  AtlasHealth,
  CellFilter,
  CellHit,
  CellInput,
  CellRecord,
  DatasetRecord,
  IngestionJobRecord,
  IngestRequest,
  InputGenes,
  LabelCandidate,
  LabelImportResult,
  LabelInput,
  LabelRecord,
  ModelInfo,
  SearchOptions,
} from './types.ts';

export interface AtlasOptions {
  /** Take ingestion chunks in this process. */
  readonly worker: boolean;
  /** Seed the demo atlas and labels when the database holds no dataset and no label. */
  readonly seedWhenEmpty: boolean;
  /** Write the index back to disk (only the serving process should; CLI queries read it). */
  readonly persistIndex: boolean;
  readonly log: (message: string) => void;
}

/** Every label in memory, with what annotation needs of it; `version` is `labelsVersion` when read. */
interface LabelCatalogue {
  readonly version: string;
  readonly labels: readonly LabelRecord[];
  /** Label name → index into `labels`. */
  readonly byName: ReadonlyMap<string, number>;
  /** labels.length × embeddingDim text embeddings under this model. */
  readonly embeddings: Float32Array;
  readonly prompts: readonly TokenizedText[];
}

export class Atlas implements AtlasApi {
  private readonly textCache: LruCache<string, Float32Array>;
  private catalogue: LabelCatalogue | undefined;
  private worker: IngestWorker | undefined;

  private constructor(
    readonly config: Config,
    readonly db: Database,
    readonly langcell: LangCellModel,
    readonly index: AtlasIndex,
    readonly ingestion: OpenIngestionContext,
    private readonly log: (message: string) => void,
  ) {
    this.textCache = new LruCache(config.LANGCELL_TEXT_CACHE_SIZE);
  }

  static async open(config: Config, options: AtlasOptions): Promise<Atlas> {
    const { log } = options;
    const ingestion = await openIngestionContext(config, log);
    try {
      if (options.seedWhenEmpty) {
        const { seedIfEmpty } = await import('../../seed/seed-database.ts');
        await seedIfEmpty(ingestion);
      }
      const index = await AtlasIndex.open(ingestion.db, configuredIndexOptions(config, ingestion.model, { persist: options.persistIndex, log }));
      await index.listen();
      const atlas = new Atlas(config, ingestion.db, ingestion.model, index, ingestion, log);
      if (options.worker) {
        await resumeUnfinished(ingestion);
        await atlas.startWorker();
      }
      return atlas;
    } catch (error) {
      await ingestion.close();
      throw error;
    }
  }

  async startWorker(): Promise<void> {
    if (this.worker) return;
    this.worker = new IngestWorker(this.ingestion);
    await this.worker.start();
  }

  /** Stops taking chunks (the one in hand finishes), persists the index, closes the database. */
  async close(): Promise<void> {
    await this.ingestion.queue.stop();
    await this.worker?.close();
    await this.index.close();
    await this.ingestion.close();
  }

  model(): ModelInfo {
    const { scoring } = this.langcell.bundle.manifest;
    return {
      bundleId: this.langcell.id,
      embeddingDim: this.langcell.embeddingDim,
      executionProvider: this.langcell.executionProvider ?? null,
      alpha: scoring.alpha,
      temperature: scoring.temperature,
    };
  }

  async health(): Promise<AtlasHealth> {
    await this.db.pool.query('SELECT 1');
    return { indexedCells: this.index.visibleCount };
  }

  // --- search -------------------------------------------------------------------------------

  private async embedText(text: string): Promise<Float32Array> {
    const key = text.trim();
    if (!key) throw new AtlasError('INVALID_INPUT', 'The search text is empty.', { field: 'text' });
    const cached = this.textCache.get(key);
    if (cached) return cached;
    const embedding = await this.langcell.embedTexts([key]);
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

  private checkK(k: number): void {
    if (!Number.isInteger(k) || k < 1) throw new AtlasError('INVALID_INPUT', `k must be a positive integer (got ${k}).`, { field: 'k' });
  }

  private async hits(results: readonly { cellId: number; similarity: number }[], ctm?: ReadonlyMap<number, number>): Promise<CellHit[]> {
    const cells = new Map((await getCells(this.db, results.map((r) => r.cellId))).map((c) => [c.id, c]));
    return results.flatMap((r) => {
      const cell = cells.get(r.cellId);
      return cell ? [{ cell, similarity: r.similarity, ctmProbability: ctm?.get(r.cellId) ?? null }] : [];
    });
  }

  async searchCells(text: string, options: SearchOptions): Promise<CellHit[]> {
    this.checkK(options.k);
    const query = await this.embedText(text);
    const results = this.index.search(query, options.k, await this.indexFilter(options.filter));
    if (!options.rerank || results.length === 0) return this.hits(results);
    // CTM rescoring of the best hits: their hidden states are recomputed from stored token ids.
    const rerankIds = results.slice(0, this.config.LANGCELL_MAX_RERANK).map((r) => r.cellId);
    const vectors = await getCellVectors(this.db, rerankIds);
    const ids = rerankIds.filter((id) => vectors.has(id));
    const encoding = await this.langcell.embedCells(ids.map((id) => vectors.get(id)!.tokens), { keepHidden: true });
    const pMatch = await this.langcell.matchCells(encoding.hidden!, [text.trim()]);
    const ctm = new Map(ids.map((id, i) => [id, pMatch[i]!]));
    const reranked = [...results].sort(
      (a, b) => (ctm.get(b.cellId) ?? -1) - (ctm.get(a.cellId) ?? -1) || b.similarity - a.similarity,
    );
    return this.hits(reranked, ctm);
  }

  /** Tokens and embedding of the cell a query is about (a stored cell or an expression). */
  /**
   * The cell to answer about: its embedding (stored, or encoded from the expression) and, when
   * `keepHidden` (CTM rerank), the encoder's hidden states from one encoder run.
   */
  private async inputCell(input: CellInput, keepHidden = false): Promise<{ encoding: CellEncoding; storedId: number | null; genes: InputGenes | null }> {
    if ('cellId' in input) {
      const stored = (await getCellVectors(this.db, [input.cellId])).get(input.cellId);
      if (!stored) throw new AtlasError('NOT_FOUND', `No visible cell with id ${input.cellId}.`, { field: 'cellId' });
      // CTM attends over the hidden states, which are not stored: re-encode from the stored tokens.
      const encoding = keepHidden ? await this.langcell.embedCells([stored.tokens], { keepHidden }) : { embeddings: stored.embedding };
      return { encoding, storedId: input.cellId, genes: null };
    }
    const { tokens, genes } = tokenizeExpression(this.langcell, input.expression);
    return { encoding: await this.langcell.embedCells([tokens], { keepHidden }), storedId: null, genes };
  }

  private async neighbours(embedding: Float32Array, k: number, filter: CellFilter | undefined, exclude: number | null) {
    const base = await this.indexFilter(filter);
    const results = this.index.search(embedding, exclude === null ? k : k + 1, base);
    return results.filter((r) => r.cellId !== exclude).slice(0, k);
  }

  async similarCells(input: CellInput, options: SearchOptions): Promise<CellHit[]> {
    this.checkK(options.k);
    const cell = await this.inputCell(input);
    return this.hits(await this.neighbours(cell.encoding.embeddings, options.k, options.filter, cell.storedId));
  }

  // --- annotation ---------------------------------------------------------------------------

  /**
   * Every label with its text embedding under this model (computed once, then stored) and its
   * tokenized prompt, kept in memory until a label changes (here or in another process).
   */
  private async labelCatalogue(): Promise<LabelCatalogue> {
    const version = await labelStore.labelsVersion(this.db);
    if (this.catalogue?.version === version) return this.catalogue;
    const labels = await labelStore.listLabels(this.db);
    const stored = await labelStore.getLabelEmbeddings(this.db, this.langcell.id, labels);
    const missing = labels.filter((l) => !stored.has(l.id));
    const dim = this.langcell.embeddingDim;
    if (missing.length > 0) {
      const computed = await this.langcell.embedTexts(missing.map((l) => l.promptText));
      const entries = missing.map((label, i) => ({ label, embedding: computed.slice(i * dim, (i + 1) * dim) }));
      await labelStore.saveLabelEmbeddings(this.db, this.langcell.id, entries);
      for (const entry of entries) stored.set(entry.label.id, entry.embedding);
    }
    const embeddings = new Float32Array(labels.length * dim);
    labels.forEach((label, i) => embeddings.set(stored.get(label.id)!, i * dim));
    this.catalogue = {
      version,
      labels,
      byName: new Map(labels.map((l, i) => [l.name, i])),
      embeddings,
      prompts: labels.map((l) => this.langcell.textTokenizer.tokenize(l.promptText)),
    };
    return this.catalogue;
  }

  /** The candidate labels of an annotation (all labels by default) as a LabelSet for the model. */
  private async candidateLabels(names: readonly string[] | undefined): Promise<{ labels: LabelRecord[]; labelSet: LabelSet }> {
    const catalogue = await this.labelCatalogue();
    let picked = catalogue.labels.map((_, i) => i);
    if (names) {
      const unique = [...new Set(names)];
      const unknown = unique.filter((n) => !catalogue.byName.has(n));
      if (unknown.length > 0) throw new AtlasError('NOT_FOUND', `Unknown labels: ${unknown.slice(0, 5).join(', ')}.`, { field: 'candidates' });
      picked = unique.map((n) => catalogue.byName.get(n)!).sort((a, b) => a - b);
      if (picked.length < 2) {
        throw new AtlasError('INVALID_INPUT', `Annotation needs at least two different candidate labels; got ${picked.length}.`, { field: 'candidates' });
      }
    } else if (picked.length < 2) {
      throw new AtlasError('INVALID_INPUT', 'Annotation needs at least two labels in the atlas; import labels first (`importLabels`, or `langcell-atlas labels import`).', {
        field: 'candidates',
      });
    }
    const dim = this.langcell.embeddingDim;
    const embeddings = new Float32Array(picked.length * dim);
    picked.forEach((index, i) => embeddings.set(catalogue.embeddings.subarray(index * dim, (index + 1) * dim), i * dim));
    return { labels: picked.map((i) => catalogue.labels[i]!), labelSet: { prompts: picked.map((i) => catalogue.prompts[i]!), embeddings } };
  }

  async annotateCell(input: CellInput, options: AnnotateCellOptions): Promise<Annotation> {
    this.checkK(options.k);
    const { labels, labelSet } = await this.candidateLabels(options.candidates);
    const cell = await this.inputCell(input, options.rerank);
    const [decision] = await this.langcell.annotateEncoded(cell.encoding, labelSet, {
      rerank: options.rerank,
      topM: Math.max(1, Math.min(options.topM, labels.length)),
      abstainBelow: this.config.LANGCELL_ABSTAIN_BELOW,
    });
    const neighbours = await this.hits(await this.neighbours(cell.encoding.embeddings, options.k, options.filter, cell.storedId));

    // Distance-weighted kNN vote: each reference cell votes for its label with its similarity.
    const votes = new Map<string, number>();
    let totalVote = 0;
    for (const hit of neighbours) {
      const weight = Math.max(0, hit.similarity);
      totalVote += weight;
      if (hit.cell.label !== null) votes.set(hit.cell.label.toLowerCase(), (votes.get(hit.cell.label.toLowerCase()) ?? 0) + weight);
    }
    const shares = [...votes.values()].map((v) => (totalVote > 0 ? v / totalVote : 0)).sort((a, b) => b - a);
    const { alpha } = this.langcell.bundle.manifest.scoring;
    const candidates: LabelCandidate[] = decision!.scores.map((score) => {
      const label = labels[score.label]!;
      // Reference datasets name cell types their own way: a label's synonyms count as its name.
      const names = new Set([label.name, ...label.synonyms].map((n) => n.toLowerCase()));
      const vote = [...names].reduce((sum, n) => sum + (votes.get(n) ?? 0), 0);
      const share = totalVote > 0 ? vote / totalVote : 0;
      const reranked = options.rerank && alpha < 1;
      return {
        label,
        zeroShot: score.zeroShot,
        ctm: reranked ? (score.fused - alpha * score.zeroShot) / (1 - alpha) : null,
        pMatch: score.pMatch,
        fused: score.fused,
        knnShare: share,
      };
    });
    return {
      label: decision!.label === null ? null : labels[decision!.label]!,
      bestLabel: labels[decision!.best]!,
      confidence: decision!.confidence,
      abstainBelow: this.config.LANGCELL_ABSTAIN_BELOW,
      candidates,
      neighbors: neighbours,
      knn: {
        hits: neighbours.length,
        topShare: shares[0] ?? 0,
        runnerUpShare: shares[1] ?? 0,
        minDistance: neighbours.length > 0 ? 1 - neighbours[0]!.similarity : null,
      },
      inputGenes: cell.genes,
    };
  }

  // --- records ------------------------------------------------------------------------------

  async cell(id: number): Promise<CellRecord | null> {
    return (await getCells(this.db, [id]))[0] ?? null;
  }

  datasets(): Promise<DatasetRecord[]> {
    return datasetStore.listDatasets(this.db);
  }

  async deleteDataset(id: number): Promise<DatasetRecord> {
    const deleted = await removeDataset(this.db, id);
    if (!deleted) throw new AtlasError('NOT_FOUND', `No dataset with id ${id}.`, { field: 'id' });
    await this.index.sync();
    await this.index.persist();
    return deleted;
  }

  labels(search?: string): Promise<LabelRecord[]> {
    return labelStore.listLabels(this.db, search);
  }

  createLabel(input: LabelInput): Promise<LabelRecord> {
    return labelStore.createLabel(this.db, input);
  }

  updateLabel(id: number, patch: Partial<LabelInput>): Promise<LabelRecord> {
    return labelStore.updateLabel(this.db, id, patch);
  }

  deleteLabel(id: number): Promise<LabelRecord> {
    return labelStore.deleteLabel(this.db, id);
  }

  async importLabels(path: string): Promise<LabelImportResult> {
    const file = await readLabelFile(path);
    const { created, updated } = await labelStore.upsertLabels(this.db, file.labels);
    if (file.skippedDuplicates.length + file.skippedUnnamed.length > 0) {
      this.log(`labels import: skipped ${file.skippedDuplicates.length} repeated names and ${file.skippedUnnamed.length} terms without a name`);
    }
    return { created, updated, total: file.labels.length };
  }

  // --- ingestion ----------------------------------------------------------------------------

  async ingestReference(request: IngestRequest): Promise<IngestionJobRecord> {
    return (await startIngestion(this.ingestion, request)).job;
  }

  ingestionJob(id: number): Promise<IngestionJobRecord | null> {
    return getJob(this.db, id);
  }

  cancelIngestion(id: number): Promise<IngestionJobRecord> {
    return cancelIngestion(this.ingestion, id);
  }

  async *watchIngestion(id: number, signal?: AbortSignal): AsyncIterable<IngestionJobRecord> {
    let last = '';
    for (;;) {
      const job = await getJob(this.db, id);
      if (!job) throw new AtlasError('NOT_FOUND', `No ingestion job with id ${id}.`, { field: 'jobId' });
      const key = `${job.state}:${job.processedCells}`;
      if (key !== last) {
        last = key;
        yield job;
      }
      if (job.state !== 'QUEUED' && job.state !== 'RUNNING') return;
      if (signal?.aborted) return;
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}

export function topLabelNames(annotation: Annotation, n: number): string[] {
  return topIndices(annotation.candidates.map((c) => c.fused), n).map((i) => annotation.candidates[i]!.label.name);
}
