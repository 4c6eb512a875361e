/**
 * The atlas's domain: what the API, the CLI and the ingestion pipeline exchange. These are plain
 * records (no Prisma types, no GraphQL types) so every layer above the store can use them.
 */
import type { ObsValue } from '../ingest/readers/types.ts';

export type MetadataValue = string | number | boolean;

/** Restricts a vector search; applied inside the HNSW search, not to its results. */
export interface CellFilter {
  readonly datasetIds?: readonly number[];
  /** Label names (exact). */
  readonly labels?: readonly string[];
  /** Every key must equal the value in the cell's metadata. */
  readonly metadata?: Readonly<Record<string, MetadataValue>>;
}

export interface CellRecord {
  readonly id: number;
  readonly externalId: string;
  readonly datasetId: number;
  readonly datasetName: string;
  readonly label: string | null;
  readonly metadata: Readonly<Record<string, ObsValue>>;
  /** Genes of this cell that are in the model's vocabulary (= token count without <cls>). */
  readonly geneCount: number;
}

export interface CellHit {
  readonly cell: CellRecord;
  /** Cosine similarity of the two embeddings, in [-1, 1]. */
  readonly similarity: number;
  /** CTM match probability of (cell, query text), when reranked. */
  readonly ctmProbability: number | null;
}

export type ExpressionValueType = 'counts' | 'log1p';

/** One cell given by value: genes are Ensembl ids or symbols. */
export interface ExpressionInput {
  readonly genes: readonly string[];
  readonly values: readonly number[];
  readonly valueType: ExpressionValueType;
}

export type CellInput = { readonly cellId: number } | { readonly expression: ExpressionInput };

export interface LabelRecord {
  readonly id: number;
  readonly name: string;
  readonly ontologyId: string | null;
  readonly description: string | null;
  readonly synonyms: readonly string[];
  readonly parents: readonly string[];
  /** LangCell's prompt form: "cell type: NAME. DEFINITION; " */
  readonly promptText: string;
}

export interface LabelInput {
  readonly name: string;
  readonly ontologyId?: string | null;
  readonly description?: string | null;
  readonly synonyms?: readonly string[];
  readonly parents?: readonly string[];
}

export interface LabelCandidate {
  readonly label: LabelRecord;
  /** softmax over candidates of similarity / T. */
  readonly zeroShot: number;
  /** LangCell's CTM term (softmax of p_match over candidates); null when not reranked. */
  readonly ctm: number | null;
  /** CTM match probability for (cell, label); null when not reranked. */
  readonly pMatch: number | null;
  readonly fused: number;
  /** Share of the distance-weighted kNN vote of reference cells carrying this label. */
  readonly knnShare: number;
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
}

export interface Annotation {
  /** null when the confidence is below the abstain threshold (UNASSIGNED). */
  readonly label: LabelRecord | null;
  /** The best label regardless of abstention. */
  readonly bestLabel: LabelRecord;
  readonly confidence: number;
  readonly abstainBelow: number;
  readonly candidates: readonly LabelCandidate[];
  readonly neighbors: readonly CellHit[];
  readonly knn: KnnSummary;
  /** For an expression input: its genes as the model read them; null for a stored cell. */
  readonly inputGenes: InputGenes | null;
}

export type DatasetState = 'INGESTING' | 'READY' | 'FAILED' | 'CANCELLED';

export interface DatasetRecord {
  readonly id: number;
  readonly name: string;
  readonly state: DatasetState;
  readonly sourcePath: string;
  readonly sourceSha256: string;
  readonly format: string;
  readonly species: string;
  readonly modelId: string;
  /** Cells stored so far / cells in the source. */
  readonly cellCount: number;
  readonly totalCells: number;
  readonly genesMatched: number;
  readonly genesTotal: number;
  readonly labelColumn: string | null;
  readonly metadataColumns: readonly string[];
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

export type JobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface IngestionJobRecord {
  readonly id: number;
  readonly datasetId: number;
  readonly datasetName: string;
  readonly state: JobState;
  readonly processedCells: number;
  readonly totalCells: number;
  readonly cellsPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export type IngestFormat = 'h5ad' | '10x-mtx' | '10x-h5' | 'csv' | 'tsv';
export type IngestLayer = 'auto' | 'counts' | 'raw' | 'X';

export interface IngestRequest {
  readonly path: string;
  readonly name: string;
  readonly format?: IngestFormat;
  readonly layer?: IngestLayer;
  readonly labelColumn?: string;
  readonly genesAsRows?: boolean;
  readonly species?: string;
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
  datasets(): Promise<DatasetRecord[]>;
  deleteDataset(id: number): Promise<DatasetRecord>;
  labels(search?: string): Promise<LabelRecord[]>;
  createLabel(input: LabelInput): Promise<LabelRecord>;
  updateLabel(id: number, patch: Partial<LabelInput>): Promise<LabelRecord>;
  deleteLabel(id: number): Promise<LabelRecord>;
  /** OBO or TSV file (path on the server). */
  importLabels(path: string): Promise<LabelImportResult>;
  ingestReference(request: IngestRequest): Promise<IngestionJobRecord>;
  ingestionJob(id: number): Promise<IngestionJobRecord | null>;
  cancelIngestion(id: number): Promise<IngestionJobRecord>;
  /** Yields the job's state on every change until it is finished (SUCCEEDED, FAILED, CANCELLED). */
  watchIngestion(id: number, signal?: AbortSignal): AsyncIterable<IngestionJobRecord>;
  /** Readiness probe for /healthz (cheap: no model run); throws when the store or index cannot serve. */
  health?(): AtlasHealth | Promise<AtlasHealth>;
}
