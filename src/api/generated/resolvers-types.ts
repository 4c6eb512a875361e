/* eslint-disable */
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CellRecord, CellHit as AtlasCellHit, Annotation as AtlasAnnotation, LabelCandidate as AtlasLabelCandidate, KnnSummary as AtlasKnnSummary, LabelRecord, DatasetRecord, IngestionJobRecord, ModelInfo, AnnotationJob as AtlasAnnotationJob, AnnotationResultRecord, LabelImportResult as AtlasLabelImportResult, LabelMapEntry, AdapterSummary, DecisionFit, Evaluation as AtlasEvaluation } from '../../atlas/types.ts';
import type { ApiContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string | number; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, as an ISO 8601 string in UTC (for example `2025-01-31T09:30:00.000Z`). */
  DateTime: { input: Date; output: Date; }
  /**
   * A JSON object. In a cell's metadata the values are strings, numbers, booleans or null, exactly
   * as they were in the reference file's cell annotations (`obs`).
   */
  JSONObject: { input: Record<string, unknown>; output: Readonly<Record<string, unknown>>; }
};

/** Why an annotation is UNASSIGNED. */
export type AbstainReason =
  /** Below `abstainBelow`, and the evidence sources that give probabilities (text similarity with CTM, the reference cells' vote, the adapter, a fine-tuned classifier) each favour a different label. */
  | 'CONFLICT'
  /** The confidence is below `abstainBelow`. */
  | 'LOW_CONFIDENCE'
  /** The cell is far from the reference cells, unlike every label text and (with labelled references) unlike every label's gene signature, together past the atlas's novelty threshold (`Novelty.score` above 1): probably a type the atlas does not know. */
  | 'NOVEL'
  /** The model knows too few of the cell's genes to place it (`Novelty.genesKnown` below `Novelty.minGenes`: half the known genes of the reference's sparsest 1% of cells), for example cells of another tissue or a targeted gene panel. Not judged novel or known. */
  | 'TOO_FEW_GENES';

/** What to fit an adapter on (exactly one of `dataset` and `cells`). */
export type AdaptInput = {
  /** Cells by id with label names. */
  cells?: InputMaybe<Array<LabelledCellInput>>;
  /** A labelled reference dataset by name. */
  dataset?: InputMaybe<Scalars['String']['input']>;
  /** `cache`, `linear` or `auto` (both, the better on validation kept). */
  kind?: InputMaybe<Scalars['String']['input']>;
  /** A unique name, used to choose it in `annotateCell(adapter:)`. */
  name: Scalars['String']['input'];
  /** Seed of the shuffle that picks the shots. */
  seed?: InputMaybe<Scalars['Int']['input']>;
  /** Training cells per label (LangCell's n-shot); default: all but the validation cells. */
  shots?: InputMaybe<Scalars['Int']['input']>;
};

/** A few-shot adapter fitted on labelled reference cells. */
export type Adapter = {
  __typename?: 'Adapter';
  /** Weight of the adapter against zero-shot, chosen on validation cells (0 = zero-shot). */
  blend: Scalars['Float']['output'];
  /** When it was fitted. */
  createdAt: Scalars['DateTime']['output'];
  /** The atlas's id of this adapter. */
  id: Scalars['ID']['output'];
  /** `cache` (Tip-Adapter) or `linear` (a linear probe started at the label texts). */
  kind: Scalars['String']['output'];
  /** The labels it predicts. */
  labels: Array<Scalars['String']['output']>;
  /** The model bundle whose embeddings it was fitted on. */
  modelId: Scalars['String']['output'];
  /** Its unique name. */
  name: Scalars['String']['output'];
  /** Validation figures (accuracy, log-loss, zero-shot accuracy, cells, shots, seed) as fitted. */
  validation: Scalars['JSONObject']['output'];
};

/** Result of `adapt` and `deleteAdapter`. */
export type AdapterPayload = {
  __typename?: 'AdapterPayload';
  /** The adapter, or null when refused. */
  adapter?: Maybe<Adapter>;
  /** What was refused, with its code. */
  errors: Array<InputError>;
};

/** A query file to annotate: exactly one of `uploadId` and `path`, plus how to read and annotate it. */
export type AnnotateFileInput = {
  /** A few-shot adapter by name (see `adapters`); its probabilities join the evidence (LangCell's few-shot protocol: `adapt` with `shots`, then annotate with it). */
  adapter?: InputMaybe<Scalars['String']['input']>;
  /** Label names to choose from (exact names from `labels`). Default: every label. */
  candidates?: InputMaybe<Array<Scalars['String']['input']>>;
  /** The file's format; detected when left out. */
  format?: InputMaybe<IngestFormat>;
  /** Reference neighbours for the kNN vote (1 to the server's maximum). */
  k?: InputMaybe<Scalars['Int']['input']>;
  /** Which matrix of an `.h5ad` file to read. */
  layer?: InputMaybe<IngestLayer>;
  /** A path on the server, inside the server's ingest root (LANGCELL_INGEST_ROOT); relative paths are resolved from it. */
  path?: InputMaybe<Scalars['String']['input']>;
  /** Run the CTM head on the best `topM` zero-shot candidates. */
  rerank?: InputMaybe<Scalars['Boolean']['input']>;
  /** How many of the best zero-shot candidates the CTM head scores. */
  topM?: InputMaybe<Scalars['Int']['input']>;
  /** An `obs` column holding each cell's true cell type: the results are then evaluated (after harmonising its labels to the catalogue). */
  truthColumn?: InputMaybe<Scalars['String']['input']>;
  /** Explicit mapping of truth labels to catalogue label names or ontology ids (for example from `dataset_label_to_cl.tsv`); they win over the automatic rules. */
  truthMap?: InputMaybe<Array<LabelMapInput>>;
  /** The text of a mapping file for the truth labels, as the CLI's `--truth-map` reads it (TSV or CSV with a header: a source column `dataset_label`, `source`, `source_label` or `label`, and a target column `cl_id`, `ontology_id`, `target`, `label_name` or `cl_label`). Entries in `truthMap` win over its rows. */
  truthMapFile?: InputMaybe<Scalars['String']['input']>;
  /** The id returned by `POST /uploads?purpose=annotation` (a read token may upload for annotation). */
  uploadId?: InputMaybe<Scalars['String']['input']>;
  /** How the values were produced; read from the file or the data when left out (ambiguous values are refused with `VALUE_TYPE_AMBIGUOUS`). */
  valueType?: InputMaybe<ValueType>;
};

/**
 * The answer for one cell. With a fitted decision (`calibrated` true) the label is the one the
 * combined decision gives the highest probability (`LabelCandidate.combined`, weighing the sources
 * named in `decidedBy`); without one it is LangCell's, the highest fused score
 * (`LabelCandidate.fused`). The decision to answer or abstain uses one number, `confidence`.
 */
export type Annotation = {
  __typename?: 'Annotation';
  /** The abstain threshold the server used: below it the answer is UNASSIGNED. */
  abstainBelow: Scalars['Float']['output'];
  /** The few-shot adapter used, by name. */
  adapter?: Maybe<Scalars['String']['output']>;
  /** The best-scoring label whether or not the service abstained. */
  bestLabel: Label;
  /** Whether `confidence` is a calibrated probability from the decision fitted on this atlas's labelled reference cells; false while none is fitted (no labelled reference, or fitting in the background). */
  calibrated: Scalars['Boolean']['output'];
  /** Every candidate label with its scores, the answer's first: by `combined` with a fitted decision, else by `fused`. */
  candidates: Array<LabelCandidate>;
  /**
   * How sure the service is of `bestLabel`, from 0 to 1. With a fitted decision (`calibrated`
   * true) it is the combined decision's probability of the winner, Platt-scaled on held-out
   * reference cells (`Decision.confidenceMap`): among answers given confidence c, about c are right.
   * Without one (LangCell's own decision, `calibrated` false):
   * confidence = α · zeroShot(winner) + (1 − α) · pMatch(winner),
   * with α the model bundle's fusion weight (`Model.alpha`; LangCell uses 0.1), zeroShot the
   * winner's zero-shot probability and pMatch its CTM match probability (without rerank the
   * confidence is zeroShot(winner)). Below `abstainBelow` the answer is UNASSIGNED. This is not the
   * fused score: LangCell's second softmax squeezes fused scores (with 8 labels a perfect cell
   * gets at most 0.28 from the CTM term), so they do not read as probabilities.
   */
  confidence: Scalars['Float']['output'];
  /** The evidence sources the decision combined: `zeroShot`, `fused` (zero-shot with CTM), `knn`, `signature` (gene signatures), `adapter`, `classifier`; LangCell's own decision is `zeroShot` and `ctm`. */
  decidedBy: Array<Scalars['String']['output']>;
  /** For an expression input: how many of its genes the model knows (only those are ranked). Null for a stored cell. */
  inputGenes?: Maybe<InputGenes>;
  /** Summary of the nearest-neighbour vote. */
  knn: KnnSummary;
  /** The assigned label, or null when the service abstains (`status` UNASSIGNED). */
  label?: Maybe<Label>;
  /** The nearest reference cells (the `k` used for the kNN vote), closest first. */
  neighbors: Array<CellHit>;
  /** How unlike the reference the cell is; null before the atlas has reference cells. */
  novelty?: Maybe<Novelty>;
  /** Why the answer is UNASSIGNED; null when a label was assigned. */
  reason?: Maybe<AbstainReason>;
  /** When UNASSIGNED for low confidence or conflict: the nearest ancestor term that is certain, or null. */
  rolledUp?: Maybe<RolledUp>;
  /** ASSIGNED when `confidence` ≥ `abstainBelow`, otherwise UNASSIGNED. */
  status: AnnotationStatus;
};

/** A query file annotated as a whole, in the background (`annotateFile`). */
export type AnnotationJob = {
  __typename?: 'AnnotationJob';
  /** When the job was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Stable code of the error that stopped the job, or null. */
  errorCode?: Maybe<Scalars['String']['output']>;
  /** What went wrong and what to do about it, or null. */
  errorMessage?: Maybe<Scalars['String']['output']>;
  /** The results against the truth column, once the job has SUCCEEDED; null without a truth column. */
  evaluation?: Maybe<Evaluation>;
  /** The file's name. */
  fileName: Scalars['String']['output'];
  /** When it finished, or null. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The job's id. */
  id: Scalars['ID']['output'];
  /** Cells per assigned label, and `unassigned`, most cells first (so far). */
  labelCounts: Array<LabelCount>;
  /** Cells annotated so far. */
  processedCells: Scalars['Int']['output'];
  /** processedCells / totalCells, from 0 to 1. */
  progress: Scalars['Float']['output'];
  /** Where to download every result as CSV (GET, same token as the API): row, cell, label, best_label, status, reason, confidence, novelty, truth, neighbor_cell_ids (space-separated). */
  resultsCsvUrl: Scalars['String']['output'];
  /** Where the job is. */
  state: JobState;
  /** Cells in the file. */
  totalCells: Scalars['Int']['output'];
  /** The `obs` column the results are evaluated against, or null. */
  truthColumn?: Maybe<Scalars['String']['output']>;
  /** How the file's values were read and what decided it, for example `log1p (count lattice)`. */
  valuesReadAs?: Maybe<Scalars['String']['output']>;
};

/** Result of `annotateFile`. */
export type AnnotationJobPayload = {
  __typename?: 'AnnotationJobPayload';
  /** Problems with the input; empty on success. */
  errors: Array<InputError>;
  /** The job; null when `errors` is not empty. */
  job?: Maybe<AnnotationJob>;
};

/** A page of an annotation job's results. */
export type AnnotationResultPage = {
  __typename?: 'AnnotationResultPage';
  /** This page's rows, in file order. */
  rows: Array<AnnotationResultRow>;
  /** Results matching the query (all pages). */
  total: Scalars['Int']['output'];
};

/** One annotated cell of a file. */
export type AnnotationResultRow = {
  __typename?: 'AnnotationResultRow';
  /** The best label whether or not the service abstained. */
  bestLabel: Scalars['String']['output'];
  /** The confidence of `bestLabel`, from 0 to 1 (see `Annotation.confidence`). */
  confidence: Scalars['Float']['output'];
  /** The cell's id in the file (barcode or `obs` index). */
  externalId: Scalars['String']['output'];
  /** The label given, or null when UNASSIGNED. */
  label?: Maybe<Scalars['String']['output']>;
  /** The nearest reference cells that voted, closest first. */
  neighborCellIds: Array<Scalars['ID']['output']>;
  /** How unlike the reference the cell is (`Annotation.novelty.score`: above 1 it is past the novelty threshold); null without a novelty profile. */
  novelty?: Maybe<Scalars['Float']['output']>;
  /** Why the service abstained; null when assigned. */
  reason?: Maybe<AbstainReason>;
  /** The cell's row in the file (0-based). */
  row: Scalars['Int']['output'];
  /** ASSIGNED or UNASSIGNED. */
  status: AnnotationStatus;
  /** The truth column's value for this cell, as the file has it; null without a truth column. */
  truth?: Maybe<Scalars['String']['output']>;
};

/** Whether an annotation names a label or abstains. */
export type AnnotationStatus =
  /** `confidence` reached the server's threshold; `label` is set. */
  | 'ASSIGNED'
  /** `confidence` was below the threshold; `label` is null and `bestLabel` is only a hint. */
  | 'UNASSIGNED';

/** A reference cell stored in the atlas. */
export type Cell = {
  __typename?: 'Cell';
  /** The dataset the cell came from. */
  datasetId: Scalars['ID']['output'];
  /** Name of the dataset the cell came from. */
  datasetName: Scalars['String']['output'];
  /** The cell's id in its source file (the barcode or `obs` index). */
  externalId: Scalars['String']['output'];
  /** How many of the cell's expressed genes are in the model's gene vocabulary. */
  geneCount: Scalars['Int']['output'];
  /** The atlas's id of this cell. */
  id: Scalars['ID']['output'];
  /** The cell-type label the reference file gives this cell (its label column), or null when it has none. */
  label?: Maybe<Scalars['String']['output']>;
  /** The cell's annotations from the reference file (`obs` columns), as a JSON object. */
  metadata: Scalars['JSONObject']['output'];
};

/** Restricts a cell search. All given conditions must hold. */
export type CellFilter = {
  /** Only cells of these datasets. */
  datasetIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** Only cells whose label is one of these names (exact). */
  labels?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Only cells whose metadata has each of these keys with exactly this value (string, number or boolean), for example `{"donor": "D1"}`. */
  metadata?: InputMaybe<Scalars['JSONObject']['input']>;
};

/** A reference cell found by a search, with how well it matches. */
export type CellHit = {
  __typename?: 'CellHit';
  /** The cell. */
  cell: Cell;
  /** CTM match probability of this cell and the query text, from 0 to 1, when the search was reranked; otherwise null. */
  ctmProbability?: Maybe<Scalars['Float']['output']>;
  /** Cosine similarity of the query's embedding and the cell's embedding, from -1 to 1 (higher is closer). */
  similarity: Scalars['Float']['output'];
};

/** A cell to annotate or compare: exactly one of `cellId` and `expression`. */
export type CellInput = {
  /** A stored reference cell. */
  cellId?: InputMaybe<Scalars['ID']['input']>;
  /** A new cell's expression profile. */
  expression?: InputMaybe<ExpressionInput>;
};

/** One truth class's metrics. */
export type ClassMetrics = {
  __typename?: 'ClassMetrics';
  /** Harmonic mean of precision and recall. */
  f1: Scalars['Float']['output'];
  /** The class. */
  label: Scalars['String']['output'];
  /** Share of cells given this class that are of it. */
  precision: Scalars['Float']['output'];
  /** Share of this class's cells given it. */
  recall: Scalars['Float']['output'];
  /** Cells of this class. */
  support: Scalars['Int']['output'];
};

/** Counts of cells by truth (rows) and prediction (columns, `unassigned` last). */
export type ConfusionMatrix = {
  __typename?: 'ConfusionMatrix';
  /** counts[i][j]: cells of truth[i] predicted as predicted[j]. */
  counts: Array<Array<Scalars['Int']['output']>>;
  /** Column names. */
  predicted: Array<Scalars['String']['output']>;
  /** Row names. */
  truth: Array<Scalars['String']['output']>;
};

/** A reference atlas (one ingested file). */
export type Dataset = {
  __typename?: 'Dataset';
  /** Cells stored so far. */
  cellCount: Scalars['Int']['output'];
  /** When ingestion completed, or null. */
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  /** When ingestion started. */
  createdAt: Scalars['DateTime']['output'];
  /** Format the file was read as (`h5ad`, `10x-mtx`, …). */
  format: Scalars['String']['output'];
  /** Genes of the file found in the model's vocabulary. */
  genesMatched: Scalars['Int']['output'];
  /** Genes in the file. */
  genesTotal: Scalars['Int']['output'];
  /** The atlas's id of this dataset. */
  id: Scalars['ID']['output'];
  /** The `obs` column that gave each cell its label, or null. */
  labelColumn?: Maybe<Scalars['String']['output']>;
  /** How the dataset's own label strings map onto the catalogue's labels (harmonisation), most cells first. */
  labelMappings: Array<LabelMapping>;
  /** The `obs` columns stored as cell metadata (usable in `CellFilter.metadata`). */
  metadataColumns: Array<Scalars['String']['output']>;
  /** Model bundle that embedded the cells. */
  modelId: Scalars['String']['output'];
  /** The name given at ingestion. */
  name: Scalars['String']['output'];
  /** File name of the source (without the server's folders). */
  sourceFile: Scalars['String']['output'];
  /** SHA-256 of the source file, hex. */
  sourceSha256: Scalars['String']['output'];
  /** Species of the cells, for example `human`. */
  species: Scalars['String']['output'];
  /** Whether the dataset is complete and searchable. */
  state: DatasetState;
  /** Cells in the source file. */
  totalCells: Scalars['Int']['output'];
  /** How the file's values were read: `counts`, `normalized`, `log1p`, `log2(x+1)`, `log10(x+1)` (inverted before ranking). */
  valuesReadAs: Scalars['String']['output'];
};

/** Result of `deleteDataset`. */
export type DatasetPayload = {
  __typename?: 'DatasetPayload';
  /** The deleted dataset; null when `errors` is not empty. */
  dataset?: Maybe<Dataset>;
  /** Problems with the input; empty on success. */
  errors: Array<InputError>;
};

/** Where a dataset is in its life. */
export type DatasetState =
  /** Ingestion was cancelled. */
  | 'CANCELLED'
  /** Ingestion failed; see the job's error. */
  | 'FAILED'
  /** Its ingestion job has not finished; its cells are not returned by queries yet. */
  | 'INGESTING'
  /** Complete and searchable. */
  | 'READY';

/** The decision fitted for the atlas as it is now. */
export type Decision = {
  __typename?: 'Decision';
  /** The adapter it was fitted with. */
  adapter?: Maybe<Scalars['String']['output']>;
  /** Whether a combiner was fitted (false without enough labelled reference cells: answers stay LangCell's, uncalibrated). */
  calibrated: Scalars['Boolean']['output'];
  /** Platt scaling of the combiner's P(winner) into the answer's `confidence`, with and without CTM rerank: confidence = σ(slope · logit(P) + intercept), fitted on the held-out predictions — `pooled`, and `byDataset` for each reference with 50 or more validation cells when there are several (a cell takes the map of the reference whose gene signature it is most like). */
  confidenceMap?: Maybe<Scalars['JSONObject']['output']>;
  /** When it was fitted. */
  fittedAt: Scalars['DateTime']['output'];
  /** The reference's novelty thresholds. */
  novelty?: Maybe<Scalars['JSONObject']['output']>;
  /** Held-out figures: accuracy and ECE per source and combined (after the confidence map, cross-fitted), the reliability table, cell counts. */
  validation?: Maybe<Scalars['JSONObject']['output']>;
  /** Combiner weights per source, with and without CTM rerank. */
  weights?: Maybe<Scalars['JSONObject']['output']>;
};

/** Result of `calibrate`. */
export type DecisionPayload = {
  __typename?: 'DecisionPayload';
  /** The decision as fitted, or null when refused. */
  decision?: Maybe<Decision>;
  /** What was refused, with its code. */
  errors: Array<InputError>;
};

/**
 * An annotation job's results against its truth column. Truth labels are harmonised to catalogue
 * labels first (never compared as raw strings); those that map to no label are listed in
 * `unmappedTruth` with their counts and not scored.
 */
export type Evaluation = {
  __typename?: 'Evaluation';
  /** Cells whose nearest reference cell has their own cell id (barcode): the reference holds these very cells (the file, or part of it, was ingested), so the figures are optimistic. Evaluate on cells the reference does not hold. */
  cellsInReference: Scalars['Int']['output'];
  /** Scored on coarse classes (the labels' parents); null when no truth label has one. */
  coarse?: Maybe<EvaluationLevel>;
  /** Scored on catalogue labels. */
  fine: EvaluationLevel;
  /** When the truth holds types absent from the candidates: how well the service tells those cells apart; null otherwise. */
  novelty?: Maybe<NoveltyEvaluation>;
  /** Every truth label, what it was scored as and how it was mapped, most cells first: check the EMBEDDING rows (a loose text match) and fix any with `truthMap`. */
  truthMapping: Array<TruthLabelMapping>;
  /** Truth labels that map to no catalogue label, with their cell counts. */
  unmappedTruth: Array<LabelCount>;
};

/** Metrics at one level (fine labels or coarse classes). */
export type EvaluationLevel = {
  __typename?: 'EvaluationLevel';
  /** Share of cells left UNASSIGNED. */
  abstentionRate: Scalars['Float']['output'];
  /** Share of cells given their true label (an abstention counts as wrong). */
  accuracy: Scalars['Float']['output'];
  /** Accuracy among the cells given a label. */
  assignedAccuracy: Scalars['Float']['output'];
  /** Cells scored (those with a mapped truth of a candidate type). */
  cells: Scalars['Int']['output'];
  /** Truth × prediction counts. */
  confusion: ConfusionMatrix;
  /** Expected calibration error of the confidence (10 equal-width bins); null at the coarse level, which the confidence does not speak of. */
  ece?: Maybe<Scalars['Float']['output']>;
  /** Mean F1 over the truth classes. */
  macroF1: Scalars['Float']['output'];
  /** Per truth class. */
  perClass: Array<ClassMetrics>;
  /** The reliability table behind `ece`. */
  reliability: Array<ReliabilityBin>;
  /** Coverage and accuracy at abstain thresholds 0, 0.1, …, 0.9 (risk–coverage). Cells UNASSIGNED whatever the threshold (NOVEL, TOO_FEW_GENES) are never answered, so the row at the service's threshold matches its abstentions. */
  riskCoverage: Array<RiskCoveragePoint>;
};

/**
 * One cell given by its expression. `genes` and `values` are parallel lists of the same length;
 * genes missing from the list count as zero. Scaled values (negative numbers) are refused.
 * Send large profiles as GraphQL variables, not inline in the query text.
 */
export type ExpressionInput = {
  /** Ensembl gene ids (for example `ENSG00000105374`, version suffixes are ignored) or gene symbols (for example `NKG7`). */
  genes: Array<Scalars['String']['input']>;
  /** How the values were produced. */
  valueType: ValueType;
  /** The expression value of each gene, in the same order. */
  values: Array<Scalars['Float']['input']>;
};

/** Whether the service is ready. */
export type Health = {
  __typename?: 'Health';
  /** Cells the index can return, or null when the atlas does not report it. */
  cellsIndexed?: Maybe<Scalars['Int']['output']>;
  /** The model bundle id. */
  modelId: Scalars['String']['output'];
  /** True when the atlas answered. */
  ok: Scalars['Boolean']['output'];
};

/** A label file: exactly one of `uploadId` and `path`. */
export type ImportLabelsInput = {
  /** A path on the server, inside the server's ingest root (LANGCELL_INGEST_ROOT); relative paths are resolved from it. */
  path?: InputMaybe<Scalars['String']['input']>;
  /** Import the ontology graph only (for harmonisation, roll-up and coarse classes), leaving the candidate labels as they are. */
  termsOnly?: InputMaybe<Scalars['Boolean']['input']>;
  /** The id returned by `POST /uploads`. */
  uploadId?: InputMaybe<Scalars['ID']['input']>;
};

/** Result of `importLabels`. */
export type ImportLabelsPayload = {
  __typename?: 'ImportLabelsPayload';
  /** Problems with the input; empty on success. */
  errors: Array<InputError>;
  /** The counts; null when `errors` is not empty. */
  result?: Maybe<LabelImportResult>;
};

/** File formats a reference can be read from. */
export type IngestFormat =
  /** Comma-separated table. */
  | 'CSV'
  /** AnnData `.h5ad` (X, raw/X or layers/counts; CSR, CSC or dense). */
  | 'H5AD'
  /** A Cell Ranger HDF5 matrix (`.h5`). */
  | 'TENX_H5'
  /** A 10x Genomics matrix folder (`matrix.mtx.gz`, `features.tsv.gz`, `barcodes.tsv.gz`). */
  | 'TENX_MTX'
  /** Tab-separated table. */
  | 'TSV';

/** Which matrix of an `.h5ad` file to read. */
export type IngestLayer =
  /** Raw counts first: `layers/counts`, then `raw/X`, then `X`. */
  | 'AUTO'
  /** `layers/counts`. */
  | 'COUNTS'
  /** `raw/X`. */
  | 'RAW'
  /** `X`. */
  | 'X';

/** A reference file to ingest: exactly one of `uploadId` and `path`, plus how to read it. */
export type IngestReferenceInput = {
  /** The file's format; detected from the file when left out. */
  format?: InputMaybe<IngestFormat>;
  /** For CSV/TSV tables: true when rows are genes and columns are cells. */
  genesAsRows?: InputMaybe<Scalars['Boolean']['input']>;
  /** The `obs` column holding each cell's cell-type label, if any. */
  labelColumn?: InputMaybe<Scalars['String']['input']>;
  /** Explicit label mapping: the dataset's label strings to catalogue label names or ontology ids (they win over the automatic rules). */
  labelMap?: InputMaybe<Array<LabelMapInput>>;
  /** Which matrix of an `.h5ad` file to read. */
  layer?: IngestLayer;
  /** Name of the new dataset (unique). */
  name: Scalars['String']['input'];
  /** A path on the server, inside the server's ingest root (LANGCELL_INGEST_ROOT); relative paths are resolved from it. 10x matrix folders must be given this way. */
  path?: InputMaybe<Scalars['String']['input']>;
  /** Species of the cells, for example `human`. */
  species?: InputMaybe<Scalars['String']['input']>;
  /** The id returned by `POST /uploads`. */
  uploadId?: InputMaybe<Scalars['ID']['input']>;
  /** How the values were produced. Left out, it is read from the file (scanpy's `uns/log1p`) or the data; values that could be read several ways are refused with `VALUE_TYPE_AMBIGUOUS`. */
  valueType?: InputMaybe<ValueType>;
};

/** A background job that ingests one reference file. */
export type IngestionJob = {
  __typename?: 'IngestionJob';
  /** Recent throughput, or null before the first batch. */
  cellsPerSecond?: Maybe<Scalars['Float']['output']>;
  /** When the job was created. */
  createdAt: Scalars['DateTime']['output'];
  /** The dataset being created. */
  datasetId: Scalars['ID']['output'];
  /** Name of the dataset being created. */
  datasetName: Scalars['String']['output'];
  /** Stable code of the error that stopped the job (for example `SCALED_VALUES`), or null. */
  errorCode?: Maybe<Scalars['String']['output']>;
  /** What went wrong and what to do about it, or null. */
  errorMessage?: Maybe<Scalars['String']['output']>;
  /** Estimated seconds left, or null when unknown. */
  etaSeconds?: Maybe<Scalars['Float']['output']>;
  /** When it finished, or null. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The job's id (use it with `ingestionJob`, `ingestionProgress` and `cancelIngestion`). */
  id: Scalars['ID']['output'];
  /** Cells stored so far. */
  processedCells: Scalars['Int']['output'];
  /** processedCells / totalCells, from 0 to 1 (0 while totalCells is unknown). */
  progress: Scalars['Float']['output'];
  /** When a worker started it, or null. */
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Where the job is. */
  state: JobState;
  /** Cells in the source file (0 until the file has been read). */
  totalCells: Scalars['Int']['output'];
};

/** Result of `ingestReference` or `cancelIngestion`. */
export type IngestionJobPayload = {
  __typename?: 'IngestionJobPayload';
  /** Problems with the input; empty on success. */
  errors: Array<InputError>;
  /** The job; null when `errors` is not empty. */
  job?: Maybe<IngestionJob>;
};

/** One problem with a mutation's input: which field, a stable code and what to do. */
export type InputError = {
  __typename?: 'InputError';
  /** Stable code, for example `REQUIRED`, `PATH_NOT_ALLOWED`, `UPLOAD_NOT_FOUND`, `FILE_NOT_FOUND`, `NOT_FOUND`. */
  code: Scalars['String']['output'];
  /** Path of the input field, for example `input.path` or `id`. */
  field: Scalars['String']['output'];
  /** What was wrong and how to fix it. */
  message: Scalars['String']['output'];
};

/** The genes of an expression input as the model read them. */
export type InputGenes = {
  __typename?: 'InputGenes';
  /** Genes given. */
  given: Scalars['Int']['output'];
  /** Genes found in the model's vocabulary; the others are ignored. Symbols match fewer genes than Ensembl ids (renamed genes, and symbols shared by several ids), so give Ensembl ids when you have them. */
  matched: Scalars['Int']['output'];
  /** How the ids were read: Ensembl ids or gene symbols. */
  source: Scalars['String']['output'];
  /** How the values were read and what decided it, for example `log1p (stated)`. */
  valuesReadAs: Scalars['String']['output'];
};

/** Where an ingestion job is. */
export type JobState =
  /** Stopped by `cancelIngestion` or `cancelAnnotation`. */
  | 'CANCELLED'
  /** Stopped by an error; see `errorCode` and `errorMessage`. */
  | 'FAILED'
  /** Waiting for a worker. */
  | 'QUEUED'
  /** A worker is reading, embedding and storing cells. */
  | 'RUNNING'
  /** Finished; the dataset is searchable. */
  | 'SUCCEEDED';

/** Nearest-neighbour vote statistics (as SCimilarity reports them). */
export type KnnSummary = {
  __typename?: 'KnnSummary';
  /** Reference cells that voted. */
  hits: Scalars['Int']['output'];
  /** 1 − similarity of the nearest reference cell; null when there is none. */
  minDistance?: Maybe<Scalars['Float']['output']>;
  /** Vote share of the runner-up label, from 0 to 1. */
  runnerUpShare: Scalars['Float']['output'];
  /** Vote share of the best-voted label, from 0 to 1. */
  topShare: Scalars['Float']['output'];
};

/** A cell-type label that cells can be annotated with. */
export type Label = {
  __typename?: 'Label';
  /** The definition used in the label's text, or null. */
  description?: Maybe<Scalars['String']['output']>;
  /** The atlas's id of this label. */
  id: Scalars['ID']['output'];
  /** The cell-type name, for example `CD8-positive, alpha-beta T cell`. */
  name: Scalars['String']['output'];
  /** Ontology term id, for example `CL:0000625`, or null. */
  ontologyId?: Maybe<Scalars['String']['output']>;
  /** Names or ontology ids of broader cell types. */
  parents: Array<Scalars['String']['output']>;
  /** The text the model embeds, in LangCell's prompt form: `cell type: NAME. DEFINITION; `. */
  promptText: Scalars['String']['output'];
  /** Other names of this cell type. */
  synonyms: Array<Scalars['String']['output']>;
};

/** One candidate label's scores for a cell. */
export type LabelCandidate = {
  __typename?: 'LabelCandidate';
  /** The few-shot adapter's probability (blended toward zero-shot), or null without an adapter. */
  adapter?: Maybe<Scalars['Float']['output']>;
  /** A fine-tuned bundle's classifier probability (LangCell-CE, `tools/model finetune`), or null when the model has no classifier. */
  classifier?: Maybe<Scalars['Float']['output']>;
  /** The fitted decision's calibrated probability of this label, or null when the decision is LangCell's own (`Annotation.calibrated` false). */
  combined?: Maybe<Scalars['Float']['output']>;
  /** LangCell's CTM term: softmax over the candidates of pMatch, with unscored candidates counted as pMatch = 0. Null when not reranked. */
  ctm?: Maybe<Scalars['Float']['output']>;
  /** α · zeroShot + (1 − α) · ctm (zeroShot alone without rerank); the winner has the highest fused score. */
  fused: Scalars['Float']['output'];
  /** Share of the distance-ranked vote (the i-th nearest votes 1/i) of the nearest labelled reference cells whose harmonised label (see `Dataset.labelMappings`) is this label or rolls up to it, from 0 to 1. */
  knnShare: Scalars['Float']['output'];
  /** The label. */
  label: Label;
  /** CTM match probability of this cell and this label's text, from 0 to 1. Null without rerank, when the candidate was not among the `topM`, or when no pMatch it could have would change the answer (the CTM head then skips it: the zero-shot favourite is always scored, the other top-m candidates only when the favourite's score leaves the answer open). */
  pMatch?: Maybe<Scalars['Float']['output']>;
  /** Best cosine similarity, from 0 to 1, of the cell's genes (weighted by rank, exp(−rank/100)) with a gene signature of this label: each reference dataset's sum of the same over its cells harmonised to the label (or to one that rolls up to it). Model-free evidence from the reference's own expression. Null without labelled references, or while the decision is being fitted. */
  signature?: Maybe<Scalars['Float']['output']>;
  /** Zero-shot probability: softmax over the candidates of (cell · label text) / temperature (0.05), from 0 to 1. */
  zeroShot: Scalars['Float']['output'];
};

/** How many cells got a label. */
export type LabelCount = {
  __typename?: 'LabelCount';
  /** Cells. */
  cells: Scalars['Int']['output'];
  /** A label name, or `unassigned`. */
  label: Scalars['String']['output'];
};

/** Counts of a label import. */
export type LabelImportResult = {
  __typename?: 'LabelImportResult';
  /** Labels created. */
  created: Scalars['Int']['output'];
  /** Labels in the file. */
  total: Scalars['Int']['output'];
  /** Existing labels updated. */
  updated: Scalars['Int']['output'];
};

/** A new cell-type label. */
export type LabelInput = {
  /** Definition, used in the prompt text the model embeds. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** The cell-type name (unique). */
  name: Scalars['String']['input'];
  /** Ontology term id, for example `CL:0000625`. */
  ontologyId?: InputMaybe<Scalars['String']['input']>;
  /** Broader cell types (names or ontology ids). */
  parents?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Other names. */
  synonyms?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** One explicit label mapping. */
export type LabelMapInput = {
  /** The label as the dataset writes it. */
  source: Scalars['String']['input'];
  /** A catalogue label name or an ontology id such as `CL:0000236`. */
  target: Scalars['String']['input'];
};

/** One of a dataset's label strings and the catalogue label its cells count for. */
export type LabelMapping = {
  __typename?: 'LabelMapping';
  /** Cells carrying this label in the dataset. */
  cells: Scalars['Int']['output'];
  /** The catalogue label it maps to, or null when unmapped. */
  label?: Maybe<Label>;
  /** How the entry was made: FILE (mapping file), ADMIN, NAME, SYNONYM, ONTOLOGY_ID, ANCESTOR (nearest catalogue ancestor in the ontology), EMBEDDING (nearest label text by a margin) or UNMAPPED. */
  method: Scalars['String']['output'];
  /** The ontology term it stands for when known (may be finer than `label`, for example a naive CD4 T cell mapped to `CD4-positive, alpha-beta T cell`). */
  ontologyId?: Maybe<Scalars['String']['output']>;
  /** For EMBEDDING: the cosine similarity of the label texts. */
  score?: Maybe<Scalars['Float']['output']>;
  /** The label as the dataset wrote it, for example `CD19+ B`. */
  sourceLabel: Scalars['String']['output'];
};

/** Result of `setLabelMapping`. */
export type LabelMappingPayload = {
  __typename?: 'LabelMappingPayload';
  /** What was refused, with its code. */
  errors: Array<InputError>;
  /** The entry as it is now, or null when refused. */
  mapping?: Maybe<LabelMapping>;
};

/** Changes to a label; fields left out stay as they are. */
export type LabelPatch = {
  /** New definition; null clears it. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** New name (cannot be null). */
  name?: InputMaybe<Scalars['String']['input']>;
  /** New ontology id; null clears it. */
  ontologyId?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the parents; null clears them. */
  parents?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Replaces the synonyms; null clears them. */
  synonyms?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Result of a label mutation: the label, or the input errors. */
export type LabelPayload = {
  __typename?: 'LabelPayload';
  /** Problems with the input; empty on success. */
  errors: Array<InputError>;
  /** The created, updated or deleted label; null when `errors` is not empty. */
  label?: Maybe<Label>;
};

/** A stored cell and its label name. */
export type LabelledCellInput = {
  /** A stored cell's id. */
  cellId: Scalars['ID']['input'];
  /** A catalogue label name. */
  label: Scalars['String']['input'];
};

/** The model bundle serving this atlas. */
export type Model = {
  __typename?: 'Model';
  /** Fusion weight α of zero-shot against CTM (see `Annotation.confidence`). */
  alpha: Scalars['Float']['output'];
  /** Bundle id (name and content hash), for example `langcell-demo-c205e04541a5`. */
  bundleId: Scalars['String']['output'];
  /** Dimension of the shared cell–text embedding space (LangCell: 256). */
  embeddingDim: Scalars['Int']['output'];
  /** Where the ONNX graphs run (`cpu`, `webgpu`, `cuda`), or null before the first inference. */
  executionProvider?: Maybe<Scalars['String']['output']>;
  /** Temperature of the zero-shot softmax (LangCell: 0.05). */
  temperature: Scalars['Float']['output'];
};

/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Fits a few-shot adapter ("teach the atlas") on labelled reference cells: a labelled dataset's
   * harmonised labels, or cells by id with label names; `shots` cells per label for training, the
   * blend toward zero-shot chosen on other cells held out for validation.
   */
  adapt: AdapterPayload;
  /**
   * Annotates every cell of a query file (an upload or a server path) as a background job, with the
   * same decision as `annotateCell`; with `truthColumn` the results are evaluated against it. Needs
   * read access only. The file is checked first (cells, genes, truth column, how its values are
   * read): refusals come back in `errors`. Follow the job with `annotationProgress`.
   */
  annotateFile: AnnotationJobPayload;
  /** Fits the decision again on the atlas's labelled reference cells (it is fitted automatically when the atlas changes). */
  calibrate: DecisionPayload;
  /** Stops a queued or running annotation job (read access, as `annotateFile`): the results stored so far stay readable; `JOB_NOT_CANCELLABLE` once it has ended. */
  cancelAnnotation: AnnotationJobPayload;
  /** Stops a queued or running ingestion job; its dataset never becomes searchable. */
  cancelIngestion: IngestionJobPayload;
  /** Adds a cell-type label; its text is embedded at once so that annotation can use it. */
  createLabel: LabelPayload;
  /** Removes an adapter. */
  deleteAdapter: AdapterPayload;
  /** Removes a dataset and its cells; its cells disappear from queries at once. */
  deleteDataset: DatasetPayload;
  /** Removes a label. Cells keep the label name they were ingested with. */
  deleteLabel: LabelPayload;
  /**
   * Creates or updates labels from a Cell Ontology OBO file or a TSV file (`name`, optional
   * `ontology_id`, optional `description`), given as an upload or a path on the server.
   */
  importLabels: ImportLabelsPayload;
  /**
   * Starts ingesting a reference atlas: the file is validated, tokenized, embedded, stored and
   * indexed by a background job. The dataset becomes visible to queries only when the job has
   * succeeded. Follow it with `ingestionProgress` or `ingestionJob`.
   */
  ingestReference: IngestionJobPayload;
  /** Maps one of a dataset's label strings onto a catalogue label by name (null: unmapped on purpose); an admin's mapping is never recomputed. */
  setLabelMapping: LabelMappingPayload;
  /** Changes a label. Fields left out stay as they are; `ontologyId: null` or `description: null` clears them. */
  updateLabel: LabelPayload;
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationAdaptArgs = {
  input: AdaptInput;
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationAnnotateFileArgs = {
  input: AnnotateFileInput;
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationCalibrateArgs = {
  adapter?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationCancelAnnotationArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationCancelIngestionArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationCreateLabelArgs = {
  input: LabelInput;
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationDeleteAdapterArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationDeleteDatasetArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationDeleteLabelArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationImportLabelsArgs = {
  input: ImportLabelsInput;
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationIngestReferenceArgs = {
  input: IngestReferenceInput;
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationSetLabelMappingArgs = {
  datasetId: Scalars['ID']['input'];
  label?: InputMaybe<Scalars['String']['input']>;
  sourceLabel: Scalars['String']['input'];
};


/**
 * Changing the atlas. Every mutation but `annotateFile` needs an admin token (`Authorization: Bearer <admin token>`);
 * without one the request fails with `UNAUTHENTICATED` (no or unknown token) or `FORBIDDEN` (a read
 * token). Input the server cannot use is reported in the payload's `errors`, not thrown.
 */
export type MutationUpdateLabelArgs = {
  id: Scalars['ID']['input'];
  patch: LabelPatch;
};

/** How unlike the reference a cell is. */
export type Novelty = {
  __typename?: 'Novelty';
  /** The best cosine similarity of the cell to any label's gene signature (`LabelCandidate.signature`); null without labelled references. */
  bestSignatureSimilarity?: Maybe<Scalars['Float']['output']>;
  /** The best cosine similarity of the cell to any label text. */
  bestTextSimilarity: Scalars['Float']['output'];
  /** Genes of the cell the model knows (its tokens after `<cls>`). */
  genesKnown: Scalars['Int']['output'];
  /** Mean 1 − cosine similarity of its (at most 25) nearest reference cells: one factor of `score`. */
  meanDistance?: Maybe<Scalars['Float']['output']>;
  /** The fewest known genes a cell needs to be placed against this reference (below it: UNASSIGNED, TOO_FEW_GENES). */
  minGenes: Scalars['Float']['output'];
  /** 1 − cosine similarity of the nearest reference cell. */
  nearestDistance?: Maybe<Scalars['Float']['output']>;
  /** Whether the cell counts as novel (then the answer is UNASSIGNED with reason NOVEL). */
  novel: Scalars['Boolean']['output'];
  /** Novel when above 1: √(unlikeness ÷ the atlas's threshold), where unlikeness = `meanDistance` × (1 − `bestTextSimilarity`) × (1 − `bestSignatureSimilarity`, with labelled references) — far from the reference cells, unlike every label text and unlike every label's gene signature, each able to make up for the others. The threshold is chosen on the reference cells by taking each labelled type out of the reference and the labels in turn (query `decision`, `novelty`). */
  score: Scalars['Float']['output'];
};

/** Telling cells of types absent from the candidates (novel) from the others. */
export type NoveltyEvaluation = {
  __typename?: 'NoveltyEvaluation';
  /** AUROC of the novelty score (the decision's, else 1 − confidence) for telling them apart; null unless both are present. */
  auroc?: Maybe<Scalars['Float']['output']>;
  /** Cells of a candidate type. */
  knownCells: Scalars['Int']['output'];
  /** Share of known cells left UNASSIGNED. */
  knownUnassigned: Scalars['Float']['output'];
  /** Cells of a type absent from the candidates. */
  novelCells: Scalars['Int']['output'];
  /** Share of novel cells left UNASSIGNED. */
  novelUnassigned: Scalars['Float']['output'];
};

/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type Query = {
  __typename?: 'Query';
  /** Few-shot adapters fitted on this atlas (`adapt`). */
  adapters: Array<Adapter>;
  /**
   * The cell-type label of one cell, with the evidence behind it. Each candidate label is scored by
   * three sources: zero-shot similarity of the cell to the label's text, LangCell's cell–text
   * matching (CTM) head on the best `topM` zero-shot candidates, and the votes of the `k` nearest
   * reference cells. See `Annotation.confidence` for how the answer is decided.
   */
  annotateCell: Annotation;
  /** One annotation job, or null when no job has this id. To follow it as it runs, subscribe to `annotationProgress`. */
  annotationJob?: Maybe<AnnotationJob>;
  /** A page of an annotation job's per-cell results, in file order (all of them: download `AnnotationJob.resultsCsvUrl`). */
  annotationResults: AnnotationResultPage;
  /** One stored reference cell, or null when no cell has this id. */
  cell?: Maybe<Cell>;
  /** Stored reference cells by id, in the order asked (ids of cells that are gone are left out), for example the first cells of a selection on the map. */
  cells: Array<Cell>;
  /** Every reference dataset, including ones still being ingested (see `state`). */
  datasets: Array<Dataset>;
  /** The decision fitted for the atlas as it is now (for an adapter, or none); null while it is being fitted. */
  decision?: Maybe<Decision>;
  /** Whether the service can answer queries, and how many cells it can return. */
  health: Health;
  /** One ingestion job, or null when no job has this id. To follow a job as it runs, subscribe to `ingestionProgress`. */
  ingestionJob?: Maybe<IngestionJob>;
  /** Cell-type labels. With `search`, only the labels that match it (by name, synonym or ontology id). */
  labels: Array<Label>;
  /** The model bundle that embeds cells and texts in this service. */
  model: Model;
  /**
   * Reference cells that best match a description in plain language, for example
   * "cytotoxic lymphocytes expressing GZMB". The text is embedded with LangCell's text encoder and
   * compared with every indexed cell embedding (cosine similarity); the best `k` are returned, best
   * first.
   */
  searchCells: Array<CellHit>;
  /** Reference cells most similar to a given cell (cosine similarity of cell embeddings), best first. */
  similarCells: Array<CellHit>;
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryAnnotateCellArgs = {
  adapter?: InputMaybe<Scalars['String']['input']>;
  candidates?: InputMaybe<Array<Scalars['String']['input']>>;
  filter?: InputMaybe<CellFilter>;
  input: CellInput;
  k?: Scalars['Int']['input'];
  rerank?: Scalars['Boolean']['input'];
  topM?: Scalars['Int']['input'];
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryAnnotationJobArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryAnnotationResultsArgs = {
  jobId: Scalars['ID']['input'];
  limit?: InputMaybe<Scalars['Int']['input']>;
  offset?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<AnnotationStatus>;
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryCellArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryCellsArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryDecisionArgs = {
  adapter?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryIngestionJobArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QueryLabelsArgs = {
  search?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QuerySearchCellsArgs = {
  filter?: InputMaybe<CellFilter>;
  k?: Scalars['Int']['input'];
  rerank?: Scalars['Boolean']['input'];
  text: Scalars['String']['input'];
};


/**
 * Reading the atlas. When the server sets a read token, every query needs
 * `Authorization: Bearer <read or admin token>`.
 */
export type QuerySimilarCellsArgs = {
  filter?: InputMaybe<CellFilter>;
  input: CellInput;
  k?: Scalars['Int']['input'];
};

/** Cells whose confidence falls in (lower, upper]. */
export type ReliabilityBin = {
  __typename?: 'ReliabilityBin';
  /** Share of them whose best label is right; null when empty. */
  accuracy?: Maybe<Scalars['Float']['output']>;
  /** Cells in the bin. */
  cells: Scalars['Int']['output'];
  /** Their mean confidence; null when empty. */
  confidence?: Maybe<Scalars['Float']['output']>;
  /** Lower bound (exclusive; 0 is included in the first bin). */
  lower: Scalars['Float']['output'];
  /** Upper bound. */
  upper: Scalars['Float']['output'];
};

/** What answering only the cells at or above a confidence threshold gives. */
export type RiskCoveragePoint = {
  __typename?: 'RiskCoveragePoint';
  /** Accuracy of the answered cells; null when none is. */
  accuracy?: Maybe<Scalars['Float']['output']>;
  /** Share of cells answered. */
  coverage: Scalars['Float']['output'];
  /** The threshold. */
  threshold: Scalars['Float']['output'];
};

/** An uncertain answer rolled up to the nearest ancestor (Cell Ontology) that the candidates make certain. */
export type RolledUp = {
  __typename?: 'RolledUp';
  /** Summed probability of the candidates below it. */
  confidence: Scalars['Float']['output'];
  /** Its name, for example `T cell`. */
  name: Scalars['String']['output'];
  /** The ancestor term's id, for example `CL:0000084`. */
  ontologyId: Scalars['String']['output'];
};

/**
 * Live updates, delivered as server-sent events: send the subscription with
 * `Accept: text/event-stream` (GraphiQL does this for you).
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** The annotation job every time its state or progress changes, starting with its current state; the stream ends when it has SUCCEEDED or FAILED. */
  annotationProgress: AnnotationJob;
  /** The job's state every time it changes, starting with its current state; the stream ends when the job has SUCCEEDED, FAILED or was CANCELLED. */
  ingestionProgress: IngestionJob;
};


/**
 * Live updates, delivered as server-sent events: send the subscription with
 * `Accept: text/event-stream` (GraphiQL does this for you).
 */
export type SubscriptionAnnotationProgressArgs = {
  jobId: Scalars['ID']['input'];
};


/**
 * Live updates, delivered as server-sent events: send the subscription with
 * `Accept: text/event-stream` (GraphiQL does this for you).
 */
export type SubscriptionIngestionProgressArgs = {
  jobId: Scalars['ID']['input'];
};

/** One truth label of an evaluated file and the catalogue label it was scored as. */
export type TruthLabelMapping = {
  __typename?: 'TruthLabelMapping';
  /** Cells carrying it. */
  cells: Scalars['Int']['output'];
  /** Its coarse class, or null. */
  coarse?: Maybe<Scalars['String']['output']>;
  /** The catalogue label it was scored as, or null (not scored). */
  label?: Maybe<Scalars['String']['output']>;
  /** How it was mapped: FILE (truthMap), NAME, SYNONYM, ONTOLOGY_ID, ANCESTOR, EMBEDDING (nearest label text by a margin) or UNMAPPED. */
  method: Scalars['String']['output'];
  /** For EMBEDDING: the cosine similarity of the label texts. */
  score?: Maybe<Scalars['Float']['output']>;
  /** The label as the file's truth column writes it. */
  truth: Scalars['String']['output'];
};

/** How the numbers in an expression profile or a file were produced. */
export type ValueType =
  /** Raw UMI or read counts (preferred): whole numbers; non-integers are refused (`VALUE_TYPE_MISMATCH`). */
  | 'COUNTS'
  /** log1p (natural log) of normalized counts (scanpy's `normalize_total` + `log1p`); inverted before ranking, so ranks are exact. */
  | 'LOG1P'
  /** log2(x + 1) of normalized values, for example log2(TPM/10 + 1); inverted before ranking. */
  | 'LOG2P'
  /** log10(x + 1) of normalized values; inverted before ranking. */
  | 'LOG10P'
  /** Library-size-normalized values on the linear scale (CP10k, CPM, TPM). */
  | 'NORMALIZED';



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AbstainReason: AbstainReason;
  AdaptInput: AdaptInput;
  Adapter: ResolverTypeWrapper<AdapterSummary>;
  AdapterPayload: ResolverTypeWrapper<Omit<AdapterPayload, 'adapter'> & { adapter?: Maybe<ResolversTypes['Adapter']> }>;
  AnnotateFileInput: AnnotateFileInput;
  Annotation: ResolverTypeWrapper<AtlasAnnotation>;
  AnnotationJob: ResolverTypeWrapper<AtlasAnnotationJob>;
  AnnotationJobPayload: ResolverTypeWrapper<Omit<AnnotationJobPayload, 'job'> & { job?: Maybe<ResolversTypes['AnnotationJob']> }>;
  AnnotationResultPage: ResolverTypeWrapper<Omit<AnnotationResultPage, 'rows'> & { rows: Array<ResolversTypes['AnnotationResultRow']> }>;
  AnnotationResultRow: ResolverTypeWrapper<AnnotationResultRecord>;
  AnnotationStatus: AnnotationStatus;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Cell: ResolverTypeWrapper<CellRecord>;
  CellFilter: CellFilter;
  CellHit: ResolverTypeWrapper<AtlasCellHit>;
  CellInput: CellInput;
  ClassMetrics: ResolverTypeWrapper<ClassMetrics>;
  ConfusionMatrix: ResolverTypeWrapper<ConfusionMatrix>;
  Dataset: ResolverTypeWrapper<DatasetRecord>;
  DatasetPayload: ResolverTypeWrapper<Omit<DatasetPayload, 'dataset'> & { dataset?: Maybe<ResolversTypes['Dataset']> }>;
  DatasetState: DatasetState;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Decision: ResolverTypeWrapper<DecisionFit>;
  DecisionPayload: ResolverTypeWrapper<Omit<DecisionPayload, 'decision'> & { decision?: Maybe<ResolversTypes['Decision']> }>;
  Evaluation: ResolverTypeWrapper<AtlasEvaluation>;
  EvaluationLevel: ResolverTypeWrapper<EvaluationLevel>;
  ExpressionInput: ExpressionInput;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Health: ResolverTypeWrapper<Health>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  ImportLabelsInput: ImportLabelsInput;
  ImportLabelsPayload: ResolverTypeWrapper<Omit<ImportLabelsPayload, 'result'> & { result?: Maybe<ResolversTypes['LabelImportResult']> }>;
  IngestFormat: IngestFormat;
  IngestLayer: IngestLayer;
  IngestReferenceInput: IngestReferenceInput;
  IngestionJob: ResolverTypeWrapper<IngestionJobRecord>;
  IngestionJobPayload: ResolverTypeWrapper<Omit<IngestionJobPayload, 'job'> & { job?: Maybe<ResolversTypes['IngestionJob']> }>;
  InputError: ResolverTypeWrapper<InputError>;
  InputGenes: ResolverTypeWrapper<InputGenes>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSONObject: ResolverTypeWrapper<Scalars['JSONObject']['output']>;
  JobState: JobState;
  KnnSummary: ResolverTypeWrapper<AtlasKnnSummary>;
  Label: ResolverTypeWrapper<LabelRecord>;
  LabelCandidate: ResolverTypeWrapper<AtlasLabelCandidate>;
  LabelCount: ResolverTypeWrapper<LabelCount>;
  LabelImportResult: ResolverTypeWrapper<AtlasLabelImportResult>;
  LabelInput: LabelInput;
  LabelMapInput: LabelMapInput;
  LabelMapping: ResolverTypeWrapper<LabelMapEntry>;
  LabelMappingPayload: ResolverTypeWrapper<Omit<LabelMappingPayload, 'mapping'> & { mapping?: Maybe<ResolversTypes['LabelMapping']> }>;
  LabelPatch: LabelPatch;
  LabelPayload: ResolverTypeWrapper<Omit<LabelPayload, 'label'> & { label?: Maybe<ResolversTypes['Label']> }>;
  LabelledCellInput: LabelledCellInput;
  Model: ResolverTypeWrapper<ModelInfo>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Novelty: ResolverTypeWrapper<Novelty>;
  NoveltyEvaluation: ResolverTypeWrapper<NoveltyEvaluation>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ReliabilityBin: ResolverTypeWrapper<ReliabilityBin>;
  RiskCoveragePoint: ResolverTypeWrapper<RiskCoveragePoint>;
  RolledUp: ResolverTypeWrapper<RolledUp>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TruthLabelMapping: ResolverTypeWrapper<TruthLabelMapping>;
  ValueType: ValueType;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AdaptInput: AdaptInput;
  Adapter: AdapterSummary;
  AdapterPayload: Omit<AdapterPayload, 'adapter'> & { adapter?: Maybe<ResolversParentTypes['Adapter']> };
  AnnotateFileInput: AnnotateFileInput;
  Annotation: AtlasAnnotation;
  AnnotationJob: AtlasAnnotationJob;
  AnnotationJobPayload: Omit<AnnotationJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['AnnotationJob']> };
  AnnotationResultPage: Omit<AnnotationResultPage, 'rows'> & { rows: Array<ResolversParentTypes['AnnotationResultRow']> };
  AnnotationResultRow: AnnotationResultRecord;
  Boolean: Scalars['Boolean']['output'];
  Cell: CellRecord;
  CellFilter: CellFilter;
  CellHit: AtlasCellHit;
  CellInput: CellInput;
  ClassMetrics: ClassMetrics;
  ConfusionMatrix: ConfusionMatrix;
  Dataset: DatasetRecord;
  DatasetPayload: Omit<DatasetPayload, 'dataset'> & { dataset?: Maybe<ResolversParentTypes['Dataset']> };
  DateTime: Scalars['DateTime']['output'];
  Decision: DecisionFit;
  DecisionPayload: Omit<DecisionPayload, 'decision'> & { decision?: Maybe<ResolversParentTypes['Decision']> };
  Evaluation: AtlasEvaluation;
  EvaluationLevel: EvaluationLevel;
  ExpressionInput: ExpressionInput;
  Float: Scalars['Float']['output'];
  Health: Health;
  ID: Scalars['ID']['output'];
  ImportLabelsInput: ImportLabelsInput;
  ImportLabelsPayload: Omit<ImportLabelsPayload, 'result'> & { result?: Maybe<ResolversParentTypes['LabelImportResult']> };
  IngestReferenceInput: IngestReferenceInput;
  IngestionJob: IngestionJobRecord;
  IngestionJobPayload: Omit<IngestionJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['IngestionJob']> };
  InputError: InputError;
  InputGenes: InputGenes;
  Int: Scalars['Int']['output'];
  JSONObject: Scalars['JSONObject']['output'];
  KnnSummary: AtlasKnnSummary;
  Label: LabelRecord;
  LabelCandidate: AtlasLabelCandidate;
  LabelCount: LabelCount;
  LabelImportResult: AtlasLabelImportResult;
  LabelInput: LabelInput;
  LabelMapInput: LabelMapInput;
  LabelMapping: LabelMapEntry;
  LabelMappingPayload: Omit<LabelMappingPayload, 'mapping'> & { mapping?: Maybe<ResolversParentTypes['LabelMapping']> };
  LabelPatch: LabelPatch;
  LabelPayload: Omit<LabelPayload, 'label'> & { label?: Maybe<ResolversParentTypes['Label']> };
  LabelledCellInput: LabelledCellInput;
  Model: ModelInfo;
  Mutation: Record<PropertyKey, never>;
  Novelty: Novelty;
  NoveltyEvaluation: NoveltyEvaluation;
  Query: Record<PropertyKey, never>;
  ReliabilityBin: ReliabilityBin;
  RiskCoveragePoint: RiskCoveragePoint;
  RolledUp: RolledUp;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  TruthLabelMapping: TruthLabelMapping;
};

export type AdapterResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Adapter'] = ResolversParentTypes['Adapter']> = {
  blend?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  labels?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  modelId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  validation?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
};

export type AdapterPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['AdapterPayload'] = ResolversParentTypes['AdapterPayload']> = {
  adapter?: Resolver<Maybe<ResolversTypes['Adapter']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
};

export type AnnotationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Annotation'] = ResolversParentTypes['Annotation']> = {
  abstainBelow?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  adapter?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  bestLabel?: Resolver<ResolversTypes['Label'], ParentType, ContextType>;
  calibrated?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  candidates?: Resolver<Array<ResolversTypes['LabelCandidate']>, ParentType, ContextType>;
  confidence?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  decidedBy?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  inputGenes?: Resolver<Maybe<ResolversTypes['InputGenes']>, ParentType, ContextType>;
  knn?: Resolver<ResolversTypes['KnnSummary'], ParentType, ContextType>;
  label?: Resolver<Maybe<ResolversTypes['Label']>, ParentType, ContextType>;
  neighbors?: Resolver<Array<ResolversTypes['CellHit']>, ParentType, ContextType>;
  novelty?: Resolver<Maybe<ResolversTypes['Novelty']>, ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['AbstainReason']>, ParentType, ContextType>;
  rolledUp?: Resolver<Maybe<ResolversTypes['RolledUp']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AnnotationStatus'], ParentType, ContextType>;
};

export type AnnotationJobResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['AnnotationJob'] = ResolversParentTypes['AnnotationJob']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errorMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  evaluation?: Resolver<Maybe<ResolversTypes['Evaluation']>, ParentType, ContextType>;
  fileName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  labelCounts?: Resolver<Array<ResolversTypes['LabelCount']>, ParentType, ContextType>;
  processedCells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  resultsCsvUrl?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['JobState'], ParentType, ContextType>;
  totalCells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  truthColumn?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  valuesReadAs?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type AnnotationJobPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['AnnotationJobPayload'] = ResolversParentTypes['AnnotationJobPayload']> = {
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
  job?: Resolver<Maybe<ResolversTypes['AnnotationJob']>, ParentType, ContextType>;
};

export type AnnotationResultPageResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['AnnotationResultPage'] = ResolversParentTypes['AnnotationResultPage']> = {
  rows?: Resolver<Array<ResolversTypes['AnnotationResultRow']>, ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type AnnotationResultRowResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['AnnotationResultRow'] = ResolversParentTypes['AnnotationResultRow']> = {
  bestLabel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  confidence?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  externalId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  label?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  neighborCellIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  novelty?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['AbstainReason']>, ParentType, ContextType>;
  row?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AnnotationStatus'], ParentType, ContextType>;
  truth?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type CellResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Cell'] = ResolversParentTypes['Cell']> = {
  datasetId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  datasetName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  externalId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  geneCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  label?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  metadata?: Resolver<ResolversTypes['JSONObject'], ParentType, ContextType>;
};

export type CellHitResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['CellHit'] = ResolversParentTypes['CellHit']> = {
  cell?: Resolver<ResolversTypes['Cell'], ParentType, ContextType>;
  ctmProbability?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  similarity?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type ClassMetricsResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ClassMetrics'] = ResolversParentTypes['ClassMetrics']> = {
  f1?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  precision?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  recall?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  support?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ConfusionMatrixResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ConfusionMatrix'] = ResolversParentTypes['ConfusionMatrix']> = {
  counts?: Resolver<Array<Array<ResolversTypes['Int']>>, ParentType, ContextType>;
  predicted?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  truth?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
};

export type DatasetResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Dataset'] = ResolversParentTypes['Dataset']> = {
  cellCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  completedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  format?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  genesMatched?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  genesTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  labelColumn?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  labelMappings?: Resolver<Array<ResolversTypes['LabelMapping']>, ParentType, ContextType>;
  metadataColumns?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  modelId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sourceFile?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  sourceSha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  species?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  state?: Resolver<ResolversTypes['DatasetState'], ParentType, ContextType>;
  totalCells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  valuesReadAs?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type DatasetPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DatasetPayload'] = ResolversParentTypes['DatasetPayload']> = {
  dataset?: Resolver<Maybe<ResolversTypes['Dataset']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DecisionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Decision'] = ResolversParentTypes['Decision']> = {
  adapter?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  calibrated?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  confidenceMap?: Resolver<Maybe<ResolversTypes['JSONObject']>, ParentType, ContextType>;
  fittedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  novelty?: Resolver<Maybe<ResolversTypes['JSONObject']>, ParentType, ContextType>;
  validation?: Resolver<Maybe<ResolversTypes['JSONObject']>, ParentType, ContextType>;
  weights?: Resolver<Maybe<ResolversTypes['JSONObject']>, ParentType, ContextType>;
};

export type DecisionPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['DecisionPayload'] = ResolversParentTypes['DecisionPayload']> = {
  decision?: Resolver<Maybe<ResolversTypes['Decision']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
};

export type EvaluationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Evaluation'] = ResolversParentTypes['Evaluation']> = {
  cellsInReference?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  coarse?: Resolver<Maybe<ResolversTypes['EvaluationLevel']>, ParentType, ContextType>;
  fine?: Resolver<ResolversTypes['EvaluationLevel'], ParentType, ContextType>;
  novelty?: Resolver<Maybe<ResolversTypes['NoveltyEvaluation']>, ParentType, ContextType>;
  truthMapping?: Resolver<Array<ResolversTypes['TruthLabelMapping']>, ParentType, ContextType>;
  unmappedTruth?: Resolver<Array<ResolversTypes['LabelCount']>, ParentType, ContextType>;
};

export type EvaluationLevelResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['EvaluationLevel'] = ResolversParentTypes['EvaluationLevel']> = {
  abstentionRate?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  accuracy?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  assignedAccuracy?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  cells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  confusion?: Resolver<ResolversTypes['ConfusionMatrix'], ParentType, ContextType>;
  ece?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  macroF1?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  perClass?: Resolver<Array<ResolversTypes['ClassMetrics']>, ParentType, ContextType>;
  reliability?: Resolver<Array<ResolversTypes['ReliabilityBin']>, ParentType, ContextType>;
  riskCoverage?: Resolver<Array<ResolversTypes['RiskCoveragePoint']>, ParentType, ContextType>;
};

export type HealthResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Health'] = ResolversParentTypes['Health']> = {
  cellsIndexed?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  modelId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type ImportLabelsPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ImportLabelsPayload'] = ResolversParentTypes['ImportLabelsPayload']> = {
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
  result?: Resolver<Maybe<ResolversTypes['LabelImportResult']>, ParentType, ContextType>;
};

export type IngestionJobResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['IngestionJob'] = ResolversParentTypes['IngestionJob']> = {
  cellsPerSecond?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  datasetId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  datasetName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errorMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  etaSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  processedCells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['JobState'], ParentType, ContextType>;
  totalCells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IngestionJobPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['IngestionJobPayload'] = ResolversParentTypes['IngestionJobPayload']> = {
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
  job?: Resolver<Maybe<ResolversTypes['IngestionJob']>, ParentType, ContextType>;
};

export type InputErrorResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['InputError'] = ResolversParentTypes['InputError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type InputGenesResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['InputGenes'] = ResolversParentTypes['InputGenes']> = {
  given?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  matched?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  source?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  valuesReadAs?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface JsonObjectScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSONObject'], any> {
  name: 'JSONObject';
}

export type KnnSummaryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['KnnSummary'] = ResolversParentTypes['KnnSummary']> = {
  hits?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  minDistance?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  runnerUpShare?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  topShare?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type LabelResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Label'] = ResolversParentTypes['Label']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ontologyId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  parents?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  promptText?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  synonyms?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
};

export type LabelCandidateResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LabelCandidate'] = ResolversParentTypes['LabelCandidate']> = {
  adapter?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  classifier?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  combined?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  ctm?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  fused?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  knnShare?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['Label'], ParentType, ContextType>;
  pMatch?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  signature?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  zeroShot?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type LabelCountResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LabelCount'] = ResolversParentTypes['LabelCount']> = {
  cells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  label?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type LabelImportResultResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LabelImportResult'] = ResolversParentTypes['LabelImportResult']> = {
  created?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updated?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type LabelMappingResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LabelMapping'] = ResolversParentTypes['LabelMapping']> = {
  cells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  label?: Resolver<Maybe<ResolversTypes['Label']>, ParentType, ContextType>;
  method?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ontologyId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  score?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  sourceLabel?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type LabelMappingPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LabelMappingPayload'] = ResolversParentTypes['LabelMappingPayload']> = {
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
  mapping?: Resolver<Maybe<ResolversTypes['LabelMapping']>, ParentType, ContextType>;
};

export type LabelPayloadResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['LabelPayload'] = ResolversParentTypes['LabelPayload']> = {
  errors?: Resolver<Array<ResolversTypes['InputError']>, ParentType, ContextType>;
  label?: Resolver<Maybe<ResolversTypes['Label']>, ParentType, ContextType>;
};

export type ModelResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Model'] = ResolversParentTypes['Model']> = {
  alpha?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  bundleId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  embeddingDim?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  executionProvider?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  temperature?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  adapt?: Resolver<ResolversTypes['AdapterPayload'], ParentType, ContextType, RequireFields<MutationAdaptArgs, 'input'>>;
  annotateFile?: Resolver<ResolversTypes['AnnotationJobPayload'], ParentType, ContextType, RequireFields<MutationAnnotateFileArgs, 'input'>>;
  calibrate?: Resolver<ResolversTypes['DecisionPayload'], ParentType, ContextType, Partial<MutationCalibrateArgs>>;
  cancelAnnotation?: Resolver<ResolversTypes['AnnotationJobPayload'], ParentType, ContextType, RequireFields<MutationCancelAnnotationArgs, 'id'>>;
  cancelIngestion?: Resolver<ResolversTypes['IngestionJobPayload'], ParentType, ContextType, RequireFields<MutationCancelIngestionArgs, 'id'>>;
  createLabel?: Resolver<ResolversTypes['LabelPayload'], ParentType, ContextType, RequireFields<MutationCreateLabelArgs, 'input'>>;
  deleteAdapter?: Resolver<ResolversTypes['AdapterPayload'], ParentType, ContextType, RequireFields<MutationDeleteAdapterArgs, 'id'>>;
  deleteDataset?: Resolver<ResolversTypes['DatasetPayload'], ParentType, ContextType, RequireFields<MutationDeleteDatasetArgs, 'id'>>;
  deleteLabel?: Resolver<ResolversTypes['LabelPayload'], ParentType, ContextType, RequireFields<MutationDeleteLabelArgs, 'id'>>;
  importLabels?: Resolver<ResolversTypes['ImportLabelsPayload'], ParentType, ContextType, RequireFields<MutationImportLabelsArgs, 'input'>>;
  ingestReference?: Resolver<ResolversTypes['IngestionJobPayload'], ParentType, ContextType, RequireFields<MutationIngestReferenceArgs, 'input'>>;
  setLabelMapping?: Resolver<ResolversTypes['LabelMappingPayload'], ParentType, ContextType, RequireFields<MutationSetLabelMappingArgs, 'datasetId' | 'sourceLabel'>>;
  updateLabel?: Resolver<ResolversTypes['LabelPayload'], ParentType, ContextType, RequireFields<MutationUpdateLabelArgs, 'id' | 'patch'>>;
};

export type NoveltyResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Novelty'] = ResolversParentTypes['Novelty']> = {
  bestSignatureSimilarity?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  bestTextSimilarity?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  genesKnown?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  meanDistance?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  minGenes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  nearestDistance?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  novel?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type NoveltyEvaluationResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['NoveltyEvaluation'] = ResolversParentTypes['NoveltyEvaluation']> = {
  auroc?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  knownCells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  knownUnassigned?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  novelCells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  novelUnassigned?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  adapters?: Resolver<Array<ResolversTypes['Adapter']>, ParentType, ContextType>;
  annotateCell?: Resolver<ResolversTypes['Annotation'], ParentType, ContextType, RequireFields<QueryAnnotateCellArgs, 'input' | 'k' | 'rerank' | 'topM'>>;
  annotationJob?: Resolver<Maybe<ResolversTypes['AnnotationJob']>, ParentType, ContextType, RequireFields<QueryAnnotationJobArgs, 'id'>>;
  annotationResults?: Resolver<ResolversTypes['AnnotationResultPage'], ParentType, ContextType, RequireFields<QueryAnnotationResultsArgs, 'jobId' | 'limit' | 'offset'>>;
  cell?: Resolver<Maybe<ResolversTypes['Cell']>, ParentType, ContextType, RequireFields<QueryCellArgs, 'id'>>;
  cells?: Resolver<Array<ResolversTypes['Cell']>, ParentType, ContextType, RequireFields<QueryCellsArgs, 'ids'>>;
  datasets?: Resolver<Array<ResolversTypes['Dataset']>, ParentType, ContextType>;
  decision?: Resolver<Maybe<ResolversTypes['Decision']>, ParentType, ContextType, Partial<QueryDecisionArgs>>;
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
  ingestionJob?: Resolver<Maybe<ResolversTypes['IngestionJob']>, ParentType, ContextType, RequireFields<QueryIngestionJobArgs, 'id'>>;
  labels?: Resolver<Array<ResolversTypes['Label']>, ParentType, ContextType, Partial<QueryLabelsArgs>>;
  model?: Resolver<ResolversTypes['Model'], ParentType, ContextType>;
  searchCells?: Resolver<Array<ResolversTypes['CellHit']>, ParentType, ContextType, RequireFields<QuerySearchCellsArgs, 'k' | 'rerank' | 'text'>>;
  similarCells?: Resolver<Array<ResolversTypes['CellHit']>, ParentType, ContextType, RequireFields<QuerySimilarCellsArgs, 'input' | 'k'>>;
};

export type ReliabilityBinResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['ReliabilityBin'] = ResolversParentTypes['ReliabilityBin']> = {
  accuracy?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  cells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  confidence?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  lower?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  upper?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type RiskCoveragePointResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RiskCoveragePoint'] = ResolversParentTypes['RiskCoveragePoint']> = {
  accuracy?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  coverage?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  threshold?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type RolledUpResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['RolledUp'] = ResolversParentTypes['RolledUp']> = {
  confidence?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ontologyId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  annotationProgress?: SubscriptionResolver<ResolversTypes['AnnotationJob'], "annotationProgress", ParentType, ContextType, RequireFields<SubscriptionAnnotationProgressArgs, 'jobId'>>;
  ingestionProgress?: SubscriptionResolver<ResolversTypes['IngestionJob'], "ingestionProgress", ParentType, ContextType, RequireFields<SubscriptionIngestionProgressArgs, 'jobId'>>;
};

export type TruthLabelMappingResolvers<ContextType = ApiContext, ParentType extends ResolversParentTypes['TruthLabelMapping'] = ResolversParentTypes['TruthLabelMapping']> = {
  cells?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  coarse?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  label?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  method?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  score?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  truth?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type Resolvers<ContextType = ApiContext> = {
  Adapter?: AdapterResolvers<ContextType>;
  AdapterPayload?: AdapterPayloadResolvers<ContextType>;
  Annotation?: AnnotationResolvers<ContextType>;
  AnnotationJob?: AnnotationJobResolvers<ContextType>;
  AnnotationJobPayload?: AnnotationJobPayloadResolvers<ContextType>;
  AnnotationResultPage?: AnnotationResultPageResolvers<ContextType>;
  AnnotationResultRow?: AnnotationResultRowResolvers<ContextType>;
  Cell?: CellResolvers<ContextType>;
  CellHit?: CellHitResolvers<ContextType>;
  ClassMetrics?: ClassMetricsResolvers<ContextType>;
  ConfusionMatrix?: ConfusionMatrixResolvers<ContextType>;
  Dataset?: DatasetResolvers<ContextType>;
  DatasetPayload?: DatasetPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Decision?: DecisionResolvers<ContextType>;
  DecisionPayload?: DecisionPayloadResolvers<ContextType>;
  Evaluation?: EvaluationResolvers<ContextType>;
  EvaluationLevel?: EvaluationLevelResolvers<ContextType>;
  Health?: HealthResolvers<ContextType>;
  ImportLabelsPayload?: ImportLabelsPayloadResolvers<ContextType>;
  IngestionJob?: IngestionJobResolvers<ContextType>;
  IngestionJobPayload?: IngestionJobPayloadResolvers<ContextType>;
  InputError?: InputErrorResolvers<ContextType>;
  InputGenes?: InputGenesResolvers<ContextType>;
  JSONObject?: GraphQLScalarType;
  KnnSummary?: KnnSummaryResolvers<ContextType>;
  Label?: LabelResolvers<ContextType>;
  LabelCandidate?: LabelCandidateResolvers<ContextType>;
  LabelCount?: LabelCountResolvers<ContextType>;
  LabelImportResult?: LabelImportResultResolvers<ContextType>;
  LabelMapping?: LabelMappingResolvers<ContextType>;
  LabelMappingPayload?: LabelMappingPayloadResolvers<ContextType>;
  LabelPayload?: LabelPayloadResolvers<ContextType>;
  Model?: ModelResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Novelty?: NoveltyResolvers<ContextType>;
  NoveltyEvaluation?: NoveltyEvaluationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ReliabilityBin?: ReliabilityBinResolvers<ContextType>;
  RiskCoveragePoint?: RiskCoveragePointResolvers<ContextType>;
  RolledUp?: RolledUpResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TruthLabelMapping?: TruthLabelMappingResolvers<ContextType>;
};

