/**
 * The atlas: one object that answers every question the API and the CLI ask (`AtlasApi`), over the
 * model, the vector index and the store. Each question has its own module — search.ts (cells by
 * text or by cell), annotate.ts (a cell's label), labels.ts (the label catalogue), datasets.ts
 * (references and their ingestion) — and this class wires them together. No HTTP and no SQL here.
 *
 * Lifecycle (`Atlas.open`, on a runtime from src/runtime.ts): an optional preparation hook (the
 * demo seed of `serve`) → the vector index, loaded and verified or rebuilt, then following the
 * database → unfinished ingestions resumed and this process taking chunks (when it is a worker).
 */
import { IngestWorker, resumeUnfinished } from '../ingest/ingestion.ts';
import { openVectorIndex, type VectorIndex, type VectorIndexOptions } from '../index/index.ts';
import { DEFAULT_LAYOUT_POLICY, keepLayoutCurrent, type LayoutPolicy } from '../layout/layout-job.ts';
import { MapLayouts } from '../layout/map-layouts.ts';
import type { Runtime } from '../runtime.ts';
import { externalIds, getCells } from '../store/cells.ts';
import { Adapters, type AdaptRequest, type AdapterSummary } from './adapters.ts';
import { annotateCell, annotateTokens, type AnnotationParts, type AnnotationSettings } from './annotate.ts';
import type { FileAnnotationParts } from './annotate-file.ts';
import { AnnotationJobs } from './annotation-jobs.ts';
import { Datasets } from './datasets.ts';
import { Decider, type DecisionFit } from './decider.ts';
import { LabelMaps } from './label-maps.ts';
import { LabelCatalogue } from './labels.ts';
import type { LabelMapEntry } from '../store/label-maps.ts';
import { ATLAS_CHANNEL } from '../store/jobs.ts';
import { CellSearch, type SearchSettings } from './search.ts';
import type {
  AnnotateFileRequest,
  Annotation,
  AnnotationJob,
  AnnotationResultPage,
  AnnotationResultQuery,
  AnnotateCellOptions,
  LabelCount,
  AtlasApi,
  AtlasHealth,
  CellFilter,
  CellHit,
  CellInput,
  CellRecord,
  DatasetRecord,
  IngestionJobRecord,
  IngestRequest,
  LabelImportResult,
  LabelInput,
  LabelRecord,
  ModelInfo,
  SearchOptions,
} from './types.ts';

/** Quiet time after the last change notification before a server refits its decision. */
const REFIT_AFTER_QUIET_MS = 1_000;

export interface AtlasOptions extends SearchSettings, AnnotationSettings {
  /** Take ingestion chunks in this process (and resume unfinished ingestions). */
  readonly worker: boolean;
  /** Where and how the vector index lives (`indexOptions` in src/runtime.ts builds it from the config). */
  readonly index: VectorIndexOptions;
  /**
   * Open the index at start (a server). Otherwise it opens on the first question that needs it, so
   * that a CLI command about datasets or labels never loads or rebuilds it.
   */
  readonly openIndexAtStart: boolean;
  /** Runs before the index opens, e.g. seeding an empty database (`serve` passes the demo seed). */
  readonly prepare?: (runtime: Runtime) => Promise<unknown>;
  /** How the explorer's map is computed (workers only); default DEFAULT_LAYOUT_POLICY. */
  readonly layout?: LayoutPolicy;
  /**
   * Fit the decision in the background when the atlas changed, answering uncalibrated meanwhile (a
   * server); otherwise the first annotation waits for the fit (a CLI run).
   */
  readonly fitInBackground: boolean;
}

export class Atlas implements AtlasApi {
  private indexPromise: Promise<VectorIndex> | undefined;
  private searchPromise: Promise<CellSearch> | undefined;
  private worker: IngestWorker | undefined;
  private stopLayouts: (() => Promise<void>) | undefined;
  private stopRefitting: (() => Promise<void>) | undefined;
  /** The explorer's map: layout versions, coordinates, colour codes. */
  readonly layouts: MapLayouts;
  private readonly labelCatalogue: LabelCatalogue;
  private readonly datasetService: Datasets;
  private readonly annotationJobs: AnnotationJobs;
  private readonly labelMaps: LabelMaps;
  private readonly adapterService: Adapters;
  private readonly decider: Decider;

  private constructor(
    readonly runtime: Runtime,
    private readonly options: AtlasOptions,
  ) {
    this.labelCatalogue = new LabelCatalogue(runtime.db, runtime.model, runtime.log);
    this.layouts = new MapLayouts(runtime.db, runtime.model.id, async (text, k) => (await this.search()).textSimilarities(text, k));
    this.labelMaps = new LabelMaps(runtime.db, runtime.model, this.labelCatalogue);
    this.adapterService = new Adapters(runtime.db, runtime.model, this.labelCatalogue, this.labelMaps);
    this.decider = new Decider(runtime.db, runtime.model, this.labelCatalogue, this.labelMaps, this.adapterService, () => this.search(), runtime.log, options.fitInBackground);
    // Saving is left to the index's background checkpoints: a restart applies deletions it missed.
    this.datasetService = new Datasets(runtime, async () => {
      if (this.indexPromise) await (await this.indexPromise).sync();
    });
    this.annotationJobs = new AnnotationJobs(runtime, async () => this.fileAnnotationParts());
  }

  /** The atlas over an open runtime; on failure the runtime is closed too. */
  static async open(runtime: Runtime, options: AtlasOptions): Promise<Atlas> {
    try {
      await options.prepare?.(runtime);
      const atlas = new Atlas(runtime, options);
      if (options.openIndexAtStart) await atlas.index();
      // A server starts fitting its decision at once (in the background), so that the first
      // annotations are already calibrated when the atlas has labelled reference cells.
      if (options.fitInBackground) {
        void atlas.decision().catch((error: Error) => runtime.log(`decision fit failed: ${error.message}`));
        await atlas.refitWhenReferencesChange();
      }
      if (options.worker) {
        await resumeUnfinished(runtime);
        await atlas.startWorker();
        // Annotation jobs are taken by serving workers only: a CLI ingest that starts a worker must not take them.
        await atlas.annotationJobs.resumeUnfinished();
        await runtime.queue.workAnnotations((message, attempt) => atlas.annotationJobs.run(message.annotationJobId, attempt));
      }
      return atlas;
    } catch (error) {
      await runtime.close();
      throw error;
    }
  }

  /** The vector index, opened on first use. */
  index(): Promise<VectorIndex> {
    this.indexPromise ??= openVectorIndex(this.runtime.db, this.options.index);
    return this.indexPromise;
  }

  private async search(): Promise<CellSearch> {
    this.searchPromise ??= this.index().then((index) => new CellSearch(this.runtime.db, this.runtime.model, index, this.options));
    const search = await this.searchPromise;
    // An index that does not follow the database (a CLI run, a benchmark) catches up on demand.
    if (!this.options.index.follow) await (await this.index()).sync();
    return search;
  }

  /**
   * Takes ingestion chunks in this process and, unless `layouts` is false (a CLI ingest that exits
   * when its job ends), computes the explorer's map when the atlas changes.
   */
  async startWorker(options: { layouts: boolean } = { layouts: true }): Promise<void> {
    if (!this.worker) {
      this.worker = new IngestWorker(this.runtime);
      await this.worker.start();
    }
    if (options.layouts && !this.stopLayouts) {
      const { db, model, queue, log } = this.runtime;
      this.stopLayouts = await keepLayoutCurrent({ db, modelId: model.id, embeddingDim: model.embeddingDim, log }, queue, this.options.layout ?? DEFAULT_LAYOUT_POLICY);
    }
  }

  /**
   * A server refits its decision soon after the references change (an ingestion ends, a dataset is
   * deleted, a mapping is changed anywhere on this database), so the next answers are calibrated
   * without a question having to start the fit first. Notifications come in bursts while a file is
   * ingested: the fit is asked for once they pause (the decider fits only when its state changed).
   */
  private async refitWhenReferencesChange(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const unlisten = await this.runtime.db.listen(ATLAS_CHANNEL, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.decision().catch((error: Error) => this.runtime.log(`decision fit failed: ${error.message}`)), REFIT_AFTER_QUIET_MS);
      timer.unref();
    });
    this.stopRefitting = async () => {
      clearTimeout(timer);
      await unlisten();
    };
  }

  /** Stops taking chunks (the one in hand finishes), saves the index, closes the runtime. */
  async close(): Promise<void> {
    await this.stopRefitting?.();
    await this.stopLayouts?.();
    await this.runtime.queue.stop();
    await this.worker?.close();
    if (this.indexPromise) await (await this.indexPromise).close();
    await this.runtime.close();
  }

  model(): ModelInfo {
    const { model } = this.runtime;
    const { scoring } = model.bundle.manifest;
    return {
      bundleId: model.id,
      embeddingDim: model.embeddingDim,
      executionProvider: model.executionProvider ?? null,
      alpha: scoring.alpha,
      temperature: scoring.temperature,
    };
  }

  async health(): Promise<AtlasHealth> {
    await this.runtime.db.ping();
    const index = await this.index();
    const problem = index.problem();
    if (problem) throw new Error(problem);
    return { indexedCells: index.count() };
  }

  async searchCells(text: string, options: SearchOptions): Promise<CellHit[]> {
    return (await this.search()).searchCells(text, await this.harmonisedFilter(options));
  }

  async similarCells(input: CellInput, options: SearchOptions): Promise<CellHit[]> {
    return (await this.search()).similarCells(input, await this.harmonisedFilter(options));
  }

  /**
   * A label filter names catalogue labels (what the explorer's menu offers) or a reference's own
   * strings: "B cell" also finds pbmc68k's "CD19+ B" cells, harmonised to it.
   */
  private async harmonisedFilter<T extends { readonly filter?: CellFilter }>(options: T): Promise<T> {
    const names = options.filter?.labels;
    if (!names || names.length === 0) return options;
    const [lookup, { labels }] = await Promise.all([this.labelMaps.lookup(), this.labelCatalogue.current()]);
    const wanted = new Set(names);
    const expanded = new Set(names);
    for (const label of labels) if (wanted.has(label.name)) for (const source of lookup.sourceLabelsOf(label.id)) expanded.add(source);
    return { ...options, filter: { ...options.filter, labels: [...expanded] } };
  }

  private async annotationParts(): Promise<AnnotationParts> {
    return {
      model: this.runtime.model,
      labels: this.labelCatalogue,
      search: await this.search(),
      labelMaps: this.labelMaps,
      decider: this.decider,
      adapters: this.adapterService,
    };
  }

  async annotateCell(input: CellInput, options: AnnotateCellOptions): Promise<Annotation> {
    return annotateCell(await this.annotationParts(), this.options, input, await this.harmonisedFilter(options));
  }

  /** Annotations of tokenized query cells (a file's), in order; the same decision as `annotateCell`. */
  async annotateTokens(tokens: readonly Int32Array[], options: AnnotateCellOptions, onProgress?: (done: number) => void): Promise<Annotation[]> {
    return annotateTokens(await this.annotationParts(), this.options, tokens, options, onProgress);
  }

  /** What annotating a whole file needs (the CLI's annotate and evaluate run the jobs' code with it). */
  fileAnnotationParts(): FileAnnotationParts {
    return {
      model: this.runtime.model,
      annotateTokens: (tokens, options, onProgress) => this.annotateTokens(tokens, options, onProgress),
      labels: () => this.labels(),
      harmoniseLabels: (sources, explicit) => this.harmoniseLabels(sources, explicit),
      checkAdapter: async (name) => void (await this.adapterService.usable(name)),
      externalIds: (ids) => externalIds(this.runtime.db, ids),
    };
  }

  annotateFile(request: AnnotateFileRequest): Promise<AnnotationJob> {
    return this.annotationJobs.start(request);
  }

  cancelAnnotation(id: number): Promise<AnnotationJob> {
    return this.annotationJobs.cancel(id);
  }

  annotationJob(id: number): Promise<AnnotationJob | null> {
    return this.annotationJobs.job(id);
  }

  annotationResults(jobId: number, query: AnnotationResultQuery): Promise<AnnotationResultPage> {
    return this.annotationJobs.results(jobId, query);
  }

  annotationLabelCounts(jobId: number): Promise<LabelCount[]> {
    return this.annotationJobs.labelCounts(jobId);
  }

  annotationResultsCsv(jobId: number): AsyncIterable<string> {
    return this.annotationJobs.csv(jobId);
  }

  watchAnnotationJob(id: number, signal?: AbortSignal): AsyncIterable<AnnotationJob> {
    return this.annotationJobs.watch(id, signal);
  }

  annotationSourcesInUse(): Promise<string[]> {
    return this.annotationJobs.sourcesInUse();
  }

  async cell(id: number): Promise<CellRecord | null> {
    return (await getCells(this.runtime.db, [id]))[0] ?? null;
  }

  cells(ids: readonly number[]): Promise<CellRecord[]> {
    return getCells(this.runtime.db, ids);
  }

  datasets(): Promise<DatasetRecord[]> {
    return this.datasetService.list();
  }

  dataset(name: string): Promise<DatasetRecord | null> {
    return this.datasetService.byName(name);
  }

  deleteDataset(id: number): Promise<DatasetRecord> {
    return this.datasetService.delete(id);
  }

  labels(search?: string): Promise<LabelRecord[]> {
    return this.labelCatalogue.list(search);
  }

  createLabel(input: LabelInput): Promise<LabelRecord> {
    return this.labelCatalogue.create(input);
  }

  updateLabel(id: number, patch: Partial<LabelInput>): Promise<LabelRecord> {
    return this.labelCatalogue.update(id, patch);
  }

  deleteLabel(id: number): Promise<LabelRecord> {
    return this.labelCatalogue.delete(id);
  }

  importLabels(path: string, options: { termsOnly?: boolean } = {}): Promise<LabelImportResult> {
    return this.labelCatalogue.importFile(path, options);
  }

  ingestReference(request: IngestRequest, signal?: AbortSignal): Promise<IngestionJobRecord> {
    return this.datasetService.ingest(request, signal);
  }

  ingestionJob(id: number): Promise<IngestionJobRecord | null> {
    return this.datasetService.job(id);
  }

  cancelIngestion(id: number): Promise<IngestionJobRecord> {
    return this.datasetService.cancel(id);
  }

  watchIngestion(id: number, signal?: AbortSignal): AsyncIterable<IngestionJobRecord> {
    return this.datasetService.watch(id, signal);
  }

  // --- harmonisation, adapters and the fitted decision --------------------------------------

  /** How a dataset's own label strings map onto the catalogue (mapped first when needed). */
  labelMappings(datasetId: number): Promise<LabelMapEntry[]> {
    return this.labelMaps.entries(datasetId);
  }

  /** An admin's mapping of one of a dataset's label strings (null: unmapped on purpose). */
  setLabelMapping(datasetId: number, sourceLabel: string, labelName: string | null): Promise<LabelMapEntry> {
    return this.labelMaps.setMapping(datasetId, sourceLabel, labelName);
  }

  /** Label strings (e.g. a query file's truth column) as catalogue labels with coarse classes; `explicit` maps source → label name or ontology id. */
  harmoniseLabels(sources: readonly string[], explicit?: ReadonlyMap<string, string>) {
    return this.labelMaps.harmonise(sources, explicit);
  }

  adapters(): Promise<AdapterSummary[]> {
    return this.adapterService.list();
  }

  adapt(request: AdaptRequest): Promise<AdapterSummary> {
    return this.adapterService.fit(request, this.runtime.log);
  }

  deleteAdapter(id: number): Promise<AdapterSummary> {
    return this.adapterService.delete(id);
  }

  /** The decision as fitted for the atlas now (fitting it first when needed), for an adapter or none. */
  async decision(adapter?: string): Promise<DecisionFit | null> {
    const record = adapter === undefined ? null : await this.adapterService.usable(adapter);
    return this.decider.current(record, false);
  }

  /** Fits the decision again for the atlas now (`langcell-atlas calibrate`). */
  async calibrate(adapter?: string): Promise<DecisionFit> {
    const record = adapter === undefined ? null : await this.adapterService.usable(adapter);
    return this.decider.refit(record);
  }
}
