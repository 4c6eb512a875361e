/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
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

/** A query file to annotate: exactly one of `uploadId` and `path`, plus how to read and annotate it. */
export type AnnotateFileInput = {
  /** A few-shot adapter by name (see `adapters`); its probabilities join the evidence (LangCell's few-shot protocol: `adapt` with `shots`, then annotate with it). */
  adapter?: string | null | undefined;
  /** Label names to choose from (exact names from `labels`). Default: every label. */
  candidates?: Array<string> | null | undefined;
  /** The file's format; detected when left out. */
  format?: IngestFormat | null | undefined;
  /** Reference neighbours for the kNN vote (1 to the server's maximum). */
  k?: number | null | undefined;
  /** Which matrix of an `.h5ad` file to read. */
  layer?: IngestLayer | null | undefined;
  /** A path on the server, inside the server's ingest root (LANGCELL_INGEST_ROOT); relative paths are resolved from it. */
  path?: string | null | undefined;
  /** Run the CTM head on the best `topM` zero-shot candidates. */
  rerank?: boolean | null | undefined;
  /** How many of the best zero-shot candidates the CTM head scores. */
  topM?: number | null | undefined;
  /** An `obs` column holding each cell's true cell type: the results are then evaluated (after harmonising its labels to the catalogue). */
  truthColumn?: string | null | undefined;
  /** Explicit mapping of truth labels to catalogue label names or ontology ids (for example from `dataset_label_to_cl.tsv`); they win over the automatic rules. */
  truthMap?: Array<LabelMapInput> | null | undefined;
  /** The text of a mapping file for the truth labels, as the CLI's `--truth-map` reads it (TSV or CSV with a header: a source column `dataset_label`, `source`, `source_label` or `label`, and a target column `cl_id`, `ontology_id`, `target`, `label_name` or `cl_label`). Entries in `truthMap` win over its rows. */
  truthMapFile?: string | null | undefined;
  /** The id returned by `POST /uploads?purpose=annotation` (a read token may upload for annotation). */
  uploadId?: string | null | undefined;
  /** How the values were produced; read from the file or the data when left out (ambiguous values are refused with `VALUE_TYPE_AMBIGUOUS`). */
  valueType?: ValueType | null | undefined;
};

/** Whether an annotation names a label or abstains. */
export type AnnotationStatus =
  /** `confidence` reached the server's threshold; `label` is set. */
  | 'ASSIGNED'
  /** `confidence` was below the threshold; `label` is null and `bestLabel` is only a hint. */
  | 'UNASSIGNED';

/** Restricts a cell search. All given conditions must hold. */
export type CellFilter = {
  /** Only cells of these datasets. */
  datasetIds?: Array<string | number> | null | undefined;
  /** Only cells whose label is one of these names (exact). */
  labels?: Array<string> | null | undefined;
  /** Only cells whose metadata has each of these keys with exactly this value (string, number or boolean), for example `{"donor": "D1"}`. */
  metadata?: Record<string, unknown> | null | undefined;
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
  format?: IngestFormat | null | undefined;
  /** For CSV/TSV tables: true when rows are genes and columns are cells. */
  genesAsRows?: boolean | null | undefined;
  /** The `obs` column holding each cell's cell-type label, if any. */
  labelColumn?: string | null | undefined;
  /** Explicit label mapping: the dataset's label strings to catalogue label names or ontology ids (they win over the automatic rules). */
  labelMap?: Array<LabelMapInput> | null | undefined;
  /** Which matrix of an `.h5ad` file to read. */
  layer?: IngestLayer;
  /** Name of the new dataset (unique). */
  name: string;
  /** A path on the server, inside the server's ingest root (LANGCELL_INGEST_ROOT); relative paths are resolved from it. 10x matrix folders must be given this way. */
  path?: string | null | undefined;
  /** Species of the cells, for example `human`. */
  species?: string | null | undefined;
  /** The id returned by `POST /uploads`. */
  uploadId?: string | number | null | undefined;
  /** How the values were produced. Left out, it is read from the file (scanpy's `uns/log1p`) or the data; values that could be read several ways are refused with `VALUE_TYPE_AMBIGUOUS`. */
  valueType?: ValueType | null | undefined;
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

/** A new cell-type label. */
export type LabelInput = {
  /** Definition, used in the prompt text the model embeds. */
  description?: string | null | undefined;
  /** The cell-type name (unique). */
  name: string;
  /** Ontology term id, for example `CL:0000625`. */
  ontologyId?: string | null | undefined;
  /** Broader cell types (names or ontology ids). */
  parents?: Array<string> | null | undefined;
  /** Other names. */
  synonyms?: Array<string> | null | undefined;
};

/** One explicit label mapping. */
export type LabelMapInput = {
  /** The label as the dataset writes it. */
  source: string;
  /** A catalogue label name or an ontology id such as `CL:0000236`. */
  target: string;
};

/** Changes to a label; fields left out stay as they are. */
export type LabelPatch = {
  /** New definition; null clears it. */
  description?: string | null | undefined;
  /** New name (cannot be null). */
  name?: string | null | undefined;
  /** New ontology id; null clears it. */
  ontologyId?: string | null | undefined;
  /** Replaces the parents; null clears them. */
  parents?: Array<string> | null | undefined;
  /** Replaces the synonyms; null clears them. */
  synonyms?: Array<string> | null | undefined;
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

export type SearchCellsQueryVariables = Exact<{
  text: string;
  k: number;
  rerank: boolean;
  filter?: CellFilter | null | undefined;
}>;


export type SearchCellsQuery = { searchCells: Array<{ similarity: number, ctmProbability: number | null, cell: { id: string, externalId: string, label: string | null, datasetName: string } }> };

export type CellDetailsQueryVariables = Exact<{
  id: string | number;
}>;


export type CellDetailsQuery = { cell: { id: string, externalId: string, label: string | null, datasetName: string, geneCount: number, metadata: Record<string, unknown> } | null };

export type CellsByIdQueryVariables = Exact<{
  ids: Array<string | number> | string | number;
}>;


export type CellsByIdQuery = { cells: Array<{ id: string, externalId: string, label: string | null, datasetName: string }> };

export type AnnotateStoredCellQueryVariables = Exact<{
  id: string | number;
  k: number;
}>;


export type AnnotateStoredCellQuery = { annotateCell: { status: AnnotationStatus, reason: AbstainReason | null, confidence: number, abstainBelow: number, label: { name: string } | null, bestLabel: { name: string }, novelty: { novel: boolean, score: number, meanDistance: number | null, genesKnown: number, minGenes: number } | null, rolledUp: { name: string, confidence: number } | null, candidates: Array<{ zeroShot: number, pMatch: number | null, knnShare: number, signature: number | null, combined: number | null, label: { name: string } }>, knn: { hits: number, topShare: number, runnerUpShare: number, minDistance: number | null }, neighbors: Array<{ similarity: number, cell: { id: string, externalId: string, label: string | null, datasetName: string } }> } };

export type DatasetsQueryVariables = Exact<{ [key: string]: never; }>;


export type DatasetsQuery = { datasets: Array<{ id: string, name: string, state: DatasetState, cellCount: number, totalCells: number, format: string, labelColumn: string | null, metadataColumns: Array<string>, createdAt: string, completedAt: string | null }> };

export type LabelsQueryVariables = Exact<{
  search?: string | null | undefined;
}>;


export type LabelsQuery = { labels: Array<{ id: string, name: string, ontologyId: string | null, description: string | null, synonyms: Array<string> }> };

export type IngestionJobQueryVariables = Exact<{
  id: string | number;
}>;


export type IngestionJobQuery = { ingestionJob: { id: string, datasetName: string, state: JobState, processedCells: number, totalCells: number, progress: number, cellsPerSecond: number | null, etaSeconds: number | null, errorCode: string | null, errorMessage: string | null } | null };

export type IngestReferenceMutationVariables = Exact<{
  input: IngestReferenceInput;
}>;


export type IngestReferenceMutation = { ingestReference: { job: { id: string, datasetId: string, datasetName: string, state: JobState, totalCells: number } | null, errors: Array<{ field: string, code: string, message: string }> } };

export type DeleteDatasetMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteDatasetMutation = { deleteDataset: { dataset: { id: string, name: string } | null, errors: Array<{ field: string, code: string, message: string }> } };

export type CreateLabelMutationVariables = Exact<{
  input: LabelInput;
}>;


export type CreateLabelMutation = { createLabel: { label: { id: string, name: string } | null, errors: Array<{ field: string, code: string, message: string }> } };

export type UpdateLabelMutationVariables = Exact<{
  id: string | number;
  patch: LabelPatch;
}>;


export type UpdateLabelMutation = { updateLabel: { label: { id: string, name: string } | null, errors: Array<{ field: string, code: string, message: string }> } };

export type ImportLabelsMutationVariables = Exact<{
  uploadId: string | number;
}>;


export type ImportLabelsMutation = { importLabels: { result: { created: number, updated: number, total: number } | null, errors: Array<{ field: string, code: string, message: string }> } };

export type AnnotateFileMutationVariables = Exact<{
  input: AnnotateFileInput;
}>;


export type AnnotateFileMutation = { annotateFile: { job: { id: string, state: JobState, fileName: string, processedCells: number, totalCells: number, progress: number, truthColumn: string | null, errorMessage: string | null, resultsCsvUrl: string, labelCounts: Array<{ label: string, cells: number }>, evaluation: { cellsInReference: number, novelty: { novelCells: number, knownCells: number, novelUnassigned: number, knownUnassigned: number } | null, unmappedTruth: Array<{ label: string, cells: number }>, truthMapping: Array<{ truth: string, cells: number, label: string | null, method: string, score: number | null }>, fine: { cells: number, accuracy: number, macroF1: number, assignedAccuracy: number, abstentionRate: number, ece: number | null, confusion: { truth: Array<string>, predicted: Array<string>, counts: Array<Array<number>> } } } | null } | null, errors: Array<{ field: string, code: string, message: string }> } };

export type CancelAnnotationMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelAnnotationMutation = { cancelAnnotation: { job: { id: string, state: JobState, fileName: string, processedCells: number, totalCells: number, progress: number, truthColumn: string | null, errorMessage: string | null, resultsCsvUrl: string, labelCounts: Array<{ label: string, cells: number }>, evaluation: { cellsInReference: number, novelty: { novelCells: number, knownCells: number, novelUnassigned: number, knownUnassigned: number } | null, unmappedTruth: Array<{ label: string, cells: number }>, truthMapping: Array<{ truth: string, cells: number, label: string | null, method: string, score: number | null }>, fine: { cells: number, accuracy: number, macroF1: number, assignedAccuracy: number, abstentionRate: number, ece: number | null, confusion: { truth: Array<string>, predicted: Array<string>, counts: Array<Array<number>> } } } | null } | null, errors: Array<{ field: string, code: string, message: string }> } };

export type AnnotationJobQueryVariables = Exact<{
  id: string | number;
}>;


export type AnnotationJobQuery = { annotationJob: { id: string, state: JobState, fileName: string, processedCells: number, totalCells: number, progress: number, truthColumn: string | null, errorMessage: string | null, resultsCsvUrl: string, labelCounts: Array<{ label: string, cells: number }>, evaluation: { cellsInReference: number, novelty: { novelCells: number, knownCells: number, novelUnassigned: number, knownUnassigned: number } | null, unmappedTruth: Array<{ label: string, cells: number }>, truthMapping: Array<{ truth: string, cells: number, label: string | null, method: string, score: number | null }>, fine: { cells: number, accuracy: number, macroF1: number, assignedAccuracy: number, abstentionRate: number, ece: number | null, confusion: { truth: Array<string>, predicted: Array<string>, counts: Array<Array<number>> } } } | null } | null };

export type AnnotationJobFieldsFragment = { id: string, state: JobState, fileName: string, processedCells: number, totalCells: number, progress: number, truthColumn: string | null, errorMessage: string | null, resultsCsvUrl: string, labelCounts: Array<{ label: string, cells: number }>, evaluation: { cellsInReference: number, novelty: { novelCells: number, knownCells: number, novelUnassigned: number, knownUnassigned: number } | null, unmappedTruth: Array<{ label: string, cells: number }>, truthMapping: Array<{ truth: string, cells: number, label: string | null, method: string, score: number | null }>, fine: { cells: number, accuracy: number, macroF1: number, assignedAccuracy: number, abstentionRate: number, ece: number | null, confusion: { truth: Array<string>, predicted: Array<string>, counts: Array<Array<number>> } } } | null };

export type AnnotationResultsQueryVariables = Exact<{
  jobId: string | number;
  offset?: number | null | undefined;
  limit?: number | null | undefined;
}>;


export type AnnotationResultsQuery = { annotationResults: { total: number, rows: Array<{ row: number, externalId: string, label: string | null, bestLabel: string, status: AnnotationStatus, reason: AbstainReason | null, confidence: number, truth: string | null, neighborCellIds: Array<string> }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const AnnotationJobFieldsFragmentDoc = new TypedDocumentString(`
    fragment AnnotationJobFields on AnnotationJob {
  id
  state
  fileName
  processedCells
  totalCells
  progress
  truthColumn
  errorMessage
  resultsCsvUrl
  labelCounts {
    label
    cells
  }
  evaluation {
    cellsInReference
    novelty {
      novelCells
      knownCells
      novelUnassigned
      knownUnassigned
    }
    unmappedTruth {
      label
      cells
    }
    truthMapping {
      truth
      cells
      label
      method
      score
    }
    fine {
      cells
      accuracy
      macroF1
      assignedAccuracy
      abstentionRate
      ece
      confusion {
        truth
        predicted
        counts
      }
    }
  }
}
    `, {"fragmentName":"AnnotationJobFields"}) as unknown as TypedDocumentString<AnnotationJobFieldsFragment, unknown>;
export const SearchCellsDocument = new TypedDocumentString(`
    query SearchCells($text: String!, $k: Int!, $rerank: Boolean!, $filter: CellFilter) {
  searchCells(text: $text, k: $k, rerank: $rerank, filter: $filter) {
    similarity
    ctmProbability
    cell {
      id
      externalId
      label
      datasetName
    }
  }
}
    `) as unknown as TypedDocumentString<SearchCellsQuery, SearchCellsQueryVariables>;
export const CellDetailsDocument = new TypedDocumentString(`
    query CellDetails($id: ID!) {
  cell(id: $id) {
    id
    externalId
    label
    datasetName
    geneCount
    metadata
  }
}
    `) as unknown as TypedDocumentString<CellDetailsQuery, CellDetailsQueryVariables>;
export const CellsByIdDocument = new TypedDocumentString(`
    query CellsById($ids: [ID!]!) {
  cells(ids: $ids) {
    id
    externalId
    label
    datasetName
  }
}
    `) as unknown as TypedDocumentString<CellsByIdQuery, CellsByIdQueryVariables>;
export const AnnotateStoredCellDocument = new TypedDocumentString(`
    query AnnotateStoredCell($id: ID!, $k: Int!) {
  annotateCell(input: {cellId: $id}, k: $k, rerank: true) {
    status
    reason
    confidence
    abstainBelow
    label {
      name
    }
    bestLabel {
      name
    }
    novelty {
      novel
      score
      meanDistance
      genesKnown
      minGenes
    }
    rolledUp {
      name
      confidence
    }
    candidates {
      label {
        name
      }
      zeroShot
      pMatch
      knnShare
      signature
      combined
    }
    knn {
      hits
      topShare
      runnerUpShare
      minDistance
    }
    neighbors {
      similarity
      cell {
        id
        externalId
        label
        datasetName
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AnnotateStoredCellQuery, AnnotateStoredCellQueryVariables>;
export const DatasetsDocument = new TypedDocumentString(`
    query Datasets {
  datasets {
    id
    name
    state
    cellCount
    totalCells
    format
    labelColumn
    metadataColumns
    createdAt
    completedAt
  }
}
    `) as unknown as TypedDocumentString<DatasetsQuery, DatasetsQueryVariables>;
export const LabelsDocument = new TypedDocumentString(`
    query Labels($search: String) {
  labels(search: $search) {
    id
    name
    ontologyId
    description
    synonyms
  }
}
    `) as unknown as TypedDocumentString<LabelsQuery, LabelsQueryVariables>;
export const IngestionJobDocument = new TypedDocumentString(`
    query IngestionJob($id: ID!) {
  ingestionJob(id: $id) {
    id
    datasetName
    state
    processedCells
    totalCells
    progress
    cellsPerSecond
    etaSeconds
    errorCode
    errorMessage
  }
}
    `) as unknown as TypedDocumentString<IngestionJobQuery, IngestionJobQueryVariables>;
export const IngestReferenceDocument = new TypedDocumentString(`
    mutation IngestReference($input: IngestReferenceInput!) {
  ingestReference(input: $input) {
    job {
      id
      datasetId
      datasetName
      state
      totalCells
    }
    errors {
      field
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<IngestReferenceMutation, IngestReferenceMutationVariables>;
export const DeleteDatasetDocument = new TypedDocumentString(`
    mutation DeleteDataset($id: ID!) {
  deleteDataset(id: $id) {
    dataset {
      id
      name
    }
    errors {
      field
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DeleteDatasetMutation, DeleteDatasetMutationVariables>;
export const CreateLabelDocument = new TypedDocumentString(`
    mutation CreateLabel($input: LabelInput!) {
  createLabel(input: $input) {
    label {
      id
      name
    }
    errors {
      field
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CreateLabelMutation, CreateLabelMutationVariables>;
export const UpdateLabelDocument = new TypedDocumentString(`
    mutation UpdateLabel($id: ID!, $patch: LabelPatch!) {
  updateLabel(id: $id, patch: $patch) {
    label {
      id
      name
    }
    errors {
      field
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<UpdateLabelMutation, UpdateLabelMutationVariables>;
export const ImportLabelsDocument = new TypedDocumentString(`
    mutation ImportLabels($uploadId: ID!) {
  importLabels(input: {uploadId: $uploadId}) {
    result {
      created
      updated
      total
    }
    errors {
      field
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ImportLabelsMutation, ImportLabelsMutationVariables>;
export const AnnotateFileDocument = new TypedDocumentString(`
    mutation AnnotateFile($input: AnnotateFileInput!) {
  annotateFile(input: $input) {
    job {
      ...AnnotationJobFields
    }
    errors {
      field
      code
      message
    }
  }
}
    fragment AnnotationJobFields on AnnotationJob {
  id
  state
  fileName
  processedCells
  totalCells
  progress
  truthColumn
  errorMessage
  resultsCsvUrl
  labelCounts {
    label
    cells
  }
  evaluation {
    cellsInReference
    novelty {
      novelCells
      knownCells
      novelUnassigned
      knownUnassigned
    }
    unmappedTruth {
      label
      cells
    }
    truthMapping {
      truth
      cells
      label
      method
      score
    }
    fine {
      cells
      accuracy
      macroF1
      assignedAccuracy
      abstentionRate
      ece
      confusion {
        truth
        predicted
        counts
      }
    }
  }
}`) as unknown as TypedDocumentString<AnnotateFileMutation, AnnotateFileMutationVariables>;
export const CancelAnnotationDocument = new TypedDocumentString(`
    mutation CancelAnnotation($id: ID!) {
  cancelAnnotation(id: $id) {
    job {
      ...AnnotationJobFields
    }
    errors {
      field
      code
      message
    }
  }
}
    fragment AnnotationJobFields on AnnotationJob {
  id
  state
  fileName
  processedCells
  totalCells
  progress
  truthColumn
  errorMessage
  resultsCsvUrl
  labelCounts {
    label
    cells
  }
  evaluation {
    cellsInReference
    novelty {
      novelCells
      knownCells
      novelUnassigned
      knownUnassigned
    }
    unmappedTruth {
      label
      cells
    }
    truthMapping {
      truth
      cells
      label
      method
      score
    }
    fine {
      cells
      accuracy
      macroF1
      assignedAccuracy
      abstentionRate
      ece
      confusion {
        truth
        predicted
        counts
      }
    }
  }
}`) as unknown as TypedDocumentString<CancelAnnotationMutation, CancelAnnotationMutationVariables>;
export const AnnotationJobDocument = new TypedDocumentString(`
    query AnnotationJob($id: ID!) {
  annotationJob(id: $id) {
    ...AnnotationJobFields
  }
}
    fragment AnnotationJobFields on AnnotationJob {
  id
  state
  fileName
  processedCells
  totalCells
  progress
  truthColumn
  errorMessage
  resultsCsvUrl
  labelCounts {
    label
    cells
  }
  evaluation {
    cellsInReference
    novelty {
      novelCells
      knownCells
      novelUnassigned
      knownUnassigned
    }
    unmappedTruth {
      label
      cells
    }
    truthMapping {
      truth
      cells
      label
      method
      score
    }
    fine {
      cells
      accuracy
      macroF1
      assignedAccuracy
      abstentionRate
      ece
      confusion {
        truth
        predicted
        counts
      }
    }
  }
}`) as unknown as TypedDocumentString<AnnotationJobQuery, AnnotationJobQueryVariables>;
export const AnnotationResultsDocument = new TypedDocumentString(`
    query AnnotationResults($jobId: ID!, $offset: Int, $limit: Int) {
  annotationResults(jobId: $jobId, offset: $offset, limit: $limit) {
    total
    rows {
      row
      externalId
      label
      bestLabel
      status
      reason
      confidence
      truth
      neighborCellIds
    }
  }
}
    `) as unknown as TypedDocumentString<AnnotationResultsQuery, AnnotationResultsQueryVariables>;