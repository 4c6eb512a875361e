/**
 * The atlas's questions and answers: what the API and the CLI ask (`AtlasApi`) and get back. Plain
 * data (no Prisma, no GraphQL types). The persisted records live in the store (`store/records.ts`)
 * and the ingestion request in `ingest/request.ts`; they are re-exported here for the API and CLI.
 */
import type { IngestRequest } from '../ingest/request.ts';
import type { StatedValueType } from '../model/expression-values.ts';
import type { LabelMapEntry } from '../store/label-maps.ts';
import type { AnnotationJobRecord, AnnotationResultRecord, AnnotationStatus, CellRecord, DatasetRecord, IngestionJobRecord, LabelInput, LabelRecord } from '../store/records.ts';
import type { AdaptRequest, AdapterSummary } from './adapters.ts';
import type { AnnotateFileRequest } from './annotate-file.ts';
import type { DecisionFit } from './decider.ts';
import type { Evaluation } from './evaluation.ts';

export type { IngestRequest } from '../ingest/request.ts';
export type { LabelMapEntry } from '../store/label-maps.ts';
export type { AdaptRequest, AdapterSummary } from './adapters.ts';
export type { DecisionFit } from './decider.ts';
export type { CellRecord, DatasetRecord, DatasetState, IngestionJobRecord, JobState, LabelInput, LabelRecord } from '../store/records.ts';
export type { AnnotationResultRecord, AnnotationStatus } from '../store/records.ts';
export type { AnnotateFileRequest } from './annotate-file.ts';
export type { Evaluation } from './evaluation.ts';

export type MetadataValue = string | number | boolean;

/** Restricts a vector search; applied inside the HNSW search, not to its results. */
export interface CellFilter {
  readonly datasetIds?: readonly number[];
  /** Label names (exact). */
  readonly labels?: readonly string[];
  /** Every key must equal the value in the cell's metadata. */
  readonly metadata?: Readonly<Record<string, MetadataValue>>;
}

export interface CellHit {
  readonly cell: CellRecord;
  /** Cosine similarity of the two embeddings, in [-1, 1]. */
  readonly similarity: number;
  /** CTM match probability of (cell, query text), when reranked. */
  readonly ctmProbability: number | null;
}

/** How the caller says an expression's values were produced (see model/expression-values.ts). */
export type ExpressionValueType = StatedValueType;

/** One cell given by value: genes are Ensembl ids or symbols. */
export interface ExpressionInput {
  readonly genes: readonly string[];
  readonly values: readonly number[];
  readonly valueType: ExpressionValueType;
}

export type CellInput = { readonly cellId: number } | { readonly expression: ExpressionInput };

export interface LabelCandidate {
  readonly label: LabelRecord;
  /** softmax over candidates of similarity / T. */
  readonly zeroShot: number;
  /** LangCell's CTM term (softmax of p_match over candidates); null when not reranked. */
  readonly ctm: number | null;
  /** CTM match probability for (cell, label); null when not reranked or not needed (settled). */
  readonly pMatch: number | null;
  /** LangCell's fused score α·zeroShot + (1 − α)·ctm (zeroShot without rerank). */
  readonly fused: number;
  /** Share of the distance-weighted kNN vote of labelled reference cells whose harmonised label counts for this one. */
  readonly knnShare: number;
  /** Cosine of the cell's rank-weighted genes with the label's gene signature over its labelled reference cells (model/gene-signature.ts); null before the decision is fitted or without labelled references. */
  readonly signature: number | null;
  /** The few-shot adapter's probability; null without an adapter. */
  readonly adapter: number | null;
  /** A fine-tuned bundle's classifier probability (LangCell-CE); null when the bundle has no classifier. */
  readonly classifier: number | null;
  /** The fitted decision's probability (calibrated); null when the decision is LangCell's own (uncalibrated). */
  readonly combined: number | null;
}

/** An uncertain fine answer rolled up to the nearest ancestor its candidates make certain. */
export interface RolledUp {
  readonly ontologyId: string;
  readonly name: string;
  readonly confidence: number;
}

/** How unlike the reference a cell is (see NoveltyProfile in model/decision.ts). */
export interface NoveltyReport {
  readonly novel: boolean;
  /** √(the cell's unlikeness ÷ the profile's threshold): novel above 1. */
  readonly score: number;
  /** 1 − similarity of the nearest reference cell; null without reference cells. */
  readonly nearestDistance: number | null;
  /** Mean 1 − similarity of its nearest reference cells (at most NOVELTY_K); null without reference cells. */
  readonly meanDistance: number | null;
  readonly bestTextSimilarity: number;
  /** Its best cosine with a label's gene signature; null without labelled references. */
  readonly bestSignatureSimilarity: number | null;
  /** Genes of the cell the model knows, and the fewest it needs to place a cell against this reference. */
  readonly genesKnown: number;
  readonly minGenes: number;
}

export interface KnnSummary {
  readonly hits: number;
  /** Vote share of the best-voted label and of the runner-up. */
  readonly topShare: number;
  readonly runnerUpShare: number;
  /** 1 − similarity of the nearest reference cell. */
  readonly minDistance: number | null;
}

/** How many genes of an expression input the model knows (the others cannot be ranked and are ignored). */
export interface InputGenes {
  readonly given: number;
  readonly matched: number;
  /** How the ids were read, e.g. `var index (Ensembl)` or `var index (symbols)`. */
  readonly source: string;
  /** How the values were read, e.g. `log1p (stated)`. */
  readonly valuesReadAs: string;
}

/** Why an annotation is UNASSIGNED: too unsure, sources disagreeing, or a cell unlike any reference cell and label. */
export type AbstainReason = 'LOW_CONFIDENCE' | 'CONFLICT' | 'NOVEL' | 'TOO_FEW_GENES';

export interface Annotation {
  /** null when the service abstains (UNASSIGNED; `reason` says why). */
  readonly label: LabelRecord | null;
  /** null when a label was assigned. */
  readonly reason: AbstainReason | null;
  /** The best label regardless of abstention. */
  readonly bestLabel: LabelRecord;
  readonly confidence: number;
  readonly abstainBelow: number;
  /** Whether `confidence` is a calibrated probability (a fitted decision), or LangCell's own score. */
  readonly calibrated: boolean;
  /** The evidence sources the decision combined, e.g. ['zeroShot', 'fused', 'knn']. */
  readonly decidedBy: readonly string[];
  /** When UNASSIGNED for low confidence or conflict: the nearest ancestor that is certain, or null. */
  readonly rolledUp: RolledUp | null;
  /** Null when there is no novelty profile yet (no reference cells). */
  readonly novelty: NoveltyReport | null;
  /** The adapter used, by name. */
  readonly adapter: string | null;
  readonly candidates: readonly LabelCandidate[];
  readonly neighbors: readonly CellHit[];
  readonly knn: KnnSummary;
  /** For an expression input: its genes as the model read them; null for a stored cell. */
  readonly inputGenes: InputGenes | null;
}

export interface ModelInfo {
  readonly bundleId: string;
  readonly embeddingDim: number;
  readonly executionProvider: string | null;
  readonly alpha: number;
  readonly temperature: number;
}

export interface SearchOptions {
  readonly k: number;
  readonly filter?: CellFilter;
  /** Rescore the top hits with CTM (re-encoding those cells from their stored token ids). */
  readonly rerank?: boolean;
}

export interface AnnotateCellOptions {
  /** Label names; default: every label. */
  readonly candidates?: readonly string[];
  /** Reference neighbours for the kNN vote. */
  readonly k: number;
  readonly rerank: boolean;
  /** CTM scores this many best zero-shot candidates. */
  readonly topM: number;
  readonly filter?: CellFilter;
  /** A few-shot adapter by name. */
  readonly adapter?: string;
}

/** A query file annotated as a whole (a job), with its evaluation when it had a truth column. */
export interface AnnotationJob extends Omit<AnnotationJobRecord, 'evaluation'> {
  readonly evaluation: Evaluation | null;
}

export interface LabelCount {
  readonly label: string;
  readonly cells: number;
}

export interface AnnotationResultPage {
  readonly total: number;
  readonly rows: AnnotationResultRecord[];
}

export interface AnnotationResultQuery {
  readonly offset: number;
  readonly limit: number;
  readonly status?: AnnotationStatus;
}

/** What the atlas reports to the service's readiness check. */
export interface AtlasHealth {
  /** Cells queries can return now (deleted and unfinished datasets excluded). */
  readonly indexedCells: number;
}

export interface LabelImportResult {
  readonly created: number;
  readonly updated: number;
  readonly total: number;
  /** Terms with an ontology id stored in the ontology graph. */
  readonly terms: number;
}

/**
 * Everything the API and the CLI can ask of the atlas. Implemented by `Atlas` (src/atlas/atlas.ts);
 * throws `AtlasError` with a stable code for anything the caller can fix.
 */
export interface AtlasApi {
  model(): ModelInfo;
  searchCells(text: string, options: SearchOptions): Promise<CellHit[]>;
  similarCells(input: CellInput, options: SearchOptions): Promise<CellHit[]>;
  annotateCell(input: CellInput, options: AnnotateCellOptions): Promise<Annotation>;
  cell(id: number): Promise<CellRecord | null>;
  /** Stored cells by id, in the order asked; cells that are gone are left out. */
  cells(ids: readonly number[]): Promise<CellRecord[]>;
  datasets(): Promise<DatasetRecord[]>;
  deleteDataset(id: number): Promise<DatasetRecord>;
  labels(search?: string): Promise<LabelRecord[]>;
  createLabel(input: LabelInput): Promise<LabelRecord>;
  updateLabel(id: number, patch: Partial<LabelInput>): Promise<LabelRecord>;
  deleteLabel(id: number): Promise<LabelRecord>;
  /** OBO or TSV file (path on the server); `termsOnly` imports the ontology graph alone. */
  importLabels(path: string, options?: { termsOnly?: boolean }): Promise<LabelImportResult>;
  /** How a dataset's label strings map onto the catalogue. */
  labelMappings(datasetId: number): Promise<LabelMapEntry[]>;
  setLabelMapping(datasetId: number, sourceLabel: string, labelName: string | null): Promise<LabelMapEntry>;
  adapters(): Promise<AdapterSummary[]>;
  adapt(request: AdaptRequest): Promise<AdapterSummary>;
  deleteAdapter(id: number): Promise<AdapterSummary>;
  /** The decision fitted for the atlas now; null while a server fits it in the background. */
  decision(adapter?: string): Promise<DecisionFit | null>;
  calibrate(adapter?: string): Promise<DecisionFit>;
  /** Validates and queues; `signal` aborts the validation (INTERRUPTED), which writes nothing. */
  ingestReference(request: IngestRequest, signal?: AbortSignal): Promise<IngestionJobRecord>;
  ingestionJob(id: number): Promise<IngestionJobRecord | null>;
  cancelIngestion(id: number): Promise<IngestionJobRecord>;
  /** Yields the job's state on every change until it is finished (SUCCEEDED, FAILED, CANCELLED). */
  watchIngestion(id: number, signal?: AbortSignal): AsyncIterable<IngestionJobRecord>;
  /** Validates a query file and queues its annotation as a job (file: an upload or a server path, resolved by the caller). */
  annotateFile(request: AnnotateFileRequest): Promise<AnnotationJob>;
  annotationJob(id: number): Promise<AnnotationJob | null>;
  /** Stops a queued or running annotation job (JOB_NOT_CANCELLABLE once it has ended). */
  cancelAnnotation(id: number): Promise<AnnotationJob>;
  annotationResults(jobId: number, query: AnnotationResultQuery): Promise<AnnotationResultPage>;
  /** Cells per given label (`unassigned` for abstentions), most first. */
  annotationLabelCounts(jobId: number): Promise<LabelCount[]>;
  /** The job's results as CSV text chunks (header first), in file order. */
  annotationResultsCsv(jobId: number): AsyncIterable<string>;
  /** Yields the job on every change until it has SUCCEEDED or FAILED. */
  watchAnnotationJob(id: number, signal?: AbortSignal): AsyncIterable<AnnotationJob>;
  /** Files unfinished annotation jobs still read (the upload sweep keeps them). */
  annotationSourcesInUse?(): Promise<string[]>;
  /** Readiness probe for /healthz (cheap: no model run); throws when the store or index cannot serve. */
  health?(): AtlasHealth | Promise<AtlasHealth>;
}
