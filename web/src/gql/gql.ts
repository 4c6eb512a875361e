/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query SearchCells($text: String!, $k: Int!, $rerank: Boolean!, $filter: CellFilter) {\n    searchCells(text: $text, k: $k, rerank: $rerank, filter: $filter) {\n      similarity\n      ctmProbability\n      cell { id externalId label datasetName }\n    }\n  }\n": typeof types.SearchCellsDocument,
    "\n  query CellDetails($id: ID!) {\n    cell(id: $id) { id externalId label datasetName geneCount metadata }\n  }\n": typeof types.CellDetailsDocument,
    "\n  query CellsById($ids: [ID!]!) {\n    cells(ids: $ids) { id externalId label datasetName }\n  }\n": typeof types.CellsByIdDocument,
    "\n  query AnnotateStoredCell($id: ID!, $k: Int!) {\n    annotateCell(input: { cellId: $id }, k: $k, rerank: true) {\n      status\n      reason\n      confidence\n      abstainBelow\n      label { name }\n      bestLabel { name }\n      novelty { novel score meanDistance genesKnown minGenes }\n      rolledUp { name confidence }\n      candidates { label { name } zeroShot pMatch knnShare signature combined }\n      knn { hits topShare runnerUpShare minDistance }\n      neighbors { similarity cell { id externalId label datasetName } }\n    }\n  }\n": typeof types.AnnotateStoredCellDocument,
    "\n  query Datasets {\n    datasets { id name state cellCount totalCells format labelColumn metadataColumns createdAt completedAt }\n  }\n": typeof types.DatasetsDocument,
    "\n  query Labels($search: String) {\n    labels(search: $search) { id name ontologyId description synonyms }\n  }\n": typeof types.LabelsDocument,
    "\n  query IngestionJob($id: ID!) {\n    ingestionJob(id: $id) { id datasetName state processedCells totalCells progress cellsPerSecond etaSeconds errorCode errorMessage }\n  }\n": typeof types.IngestionJobDocument,
    "\n  mutation IngestReference($input: IngestReferenceInput!) {\n    ingestReference(input: $input) {\n      job { id datasetId datasetName state totalCells }\n      errors { field code message }\n    }\n  }\n": typeof types.IngestReferenceDocument,
    "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(id: $id) {\n      dataset { id name }\n      errors { field code message }\n    }\n  }\n": typeof types.DeleteDatasetDocument,
    "\n  mutation CreateLabel($input: LabelInput!) {\n    createLabel(input: $input) {\n      label { id name }\n      errors { field code message }\n    }\n  }\n": typeof types.CreateLabelDocument,
    "\n  mutation UpdateLabel($id: ID!, $patch: LabelPatch!) {\n    updateLabel(id: $id, patch: $patch) {\n      label { id name }\n      errors { field code message }\n    }\n  }\n": typeof types.UpdateLabelDocument,
    "\n  mutation ImportLabels($uploadId: ID!) {\n    importLabels(input: { uploadId: $uploadId }) {\n      result { created updated total }\n      errors { field code message }\n    }\n  }\n": typeof types.ImportLabelsDocument,
    "\n  mutation AnnotateFile($input: AnnotateFileInput!) {\n    annotateFile(input: $input) {\n      job { ...AnnotationJobFields }\n      errors { field code message }\n    }\n  }\n": typeof types.AnnotateFileDocument,
    "\n  mutation CancelAnnotation($id: ID!) {\n    cancelAnnotation(id: $id) {\n      job { ...AnnotationJobFields }\n      errors { field code message }\n    }\n  }\n": typeof types.CancelAnnotationDocument,
    "\n  query AnnotationJob($id: ID!) {\n    annotationJob(id: $id) { ...AnnotationJobFields }\n  }\n": typeof types.AnnotationJobDocument,
    "\n  fragment AnnotationJobFields on AnnotationJob {\n    id state fileName processedCells totalCells progress truthColumn errorMessage resultsCsvUrl\n    labelCounts { label cells }\n    evaluation {\n      cellsInReference\n      novelty { novelCells knownCells novelUnassigned knownUnassigned }\n      unmappedTruth { label cells }\n      truthMapping { truth cells label method score }\n      fine { cells accuracy macroF1 assignedAccuracy abstentionRate ece confusion { truth predicted counts } }\n    }\n  }\n": typeof types.AnnotationJobFieldsFragmentDoc,
    "\n  query AnnotationResults($jobId: ID!, $offset: Int, $limit: Int) {\n    annotationResults(jobId: $jobId, offset: $offset, limit: $limit) {\n      total\n      rows { row externalId label bestLabel status reason confidence truth neighborCellIds }\n    }\n  }\n": typeof types.AnnotationResultsDocument,
};
const documents: Documents = {
    "\n  query SearchCells($text: String!, $k: Int!, $rerank: Boolean!, $filter: CellFilter) {\n    searchCells(text: $text, k: $k, rerank: $rerank, filter: $filter) {\n      similarity\n      ctmProbability\n      cell { id externalId label datasetName }\n    }\n  }\n": types.SearchCellsDocument,
    "\n  query CellDetails($id: ID!) {\n    cell(id: $id) { id externalId label datasetName geneCount metadata }\n  }\n": types.CellDetailsDocument,
    "\n  query CellsById($ids: [ID!]!) {\n    cells(ids: $ids) { id externalId label datasetName }\n  }\n": types.CellsByIdDocument,
    "\n  query AnnotateStoredCell($id: ID!, $k: Int!) {\n    annotateCell(input: { cellId: $id }, k: $k, rerank: true) {\n      status\n      reason\n      confidence\n      abstainBelow\n      label { name }\n      bestLabel { name }\n      novelty { novel score meanDistance genesKnown minGenes }\n      rolledUp { name confidence }\n      candidates { label { name } zeroShot pMatch knnShare signature combined }\n      knn { hits topShare runnerUpShare minDistance }\n      neighbors { similarity cell { id externalId label datasetName } }\n    }\n  }\n": types.AnnotateStoredCellDocument,
    "\n  query Datasets {\n    datasets { id name state cellCount totalCells format labelColumn metadataColumns createdAt completedAt }\n  }\n": types.DatasetsDocument,
    "\n  query Labels($search: String) {\n    labels(search: $search) { id name ontologyId description synonyms }\n  }\n": types.LabelsDocument,
    "\n  query IngestionJob($id: ID!) {\n    ingestionJob(id: $id) { id datasetName state processedCells totalCells progress cellsPerSecond etaSeconds errorCode errorMessage }\n  }\n": types.IngestionJobDocument,
    "\n  mutation IngestReference($input: IngestReferenceInput!) {\n    ingestReference(input: $input) {\n      job { id datasetId datasetName state totalCells }\n      errors { field code message }\n    }\n  }\n": types.IngestReferenceDocument,
    "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(id: $id) {\n      dataset { id name }\n      errors { field code message }\n    }\n  }\n": types.DeleteDatasetDocument,
    "\n  mutation CreateLabel($input: LabelInput!) {\n    createLabel(input: $input) {\n      label { id name }\n      errors { field code message }\n    }\n  }\n": types.CreateLabelDocument,
    "\n  mutation UpdateLabel($id: ID!, $patch: LabelPatch!) {\n    updateLabel(id: $id, patch: $patch) {\n      label { id name }\n      errors { field code message }\n    }\n  }\n": types.UpdateLabelDocument,
    "\n  mutation ImportLabels($uploadId: ID!) {\n    importLabels(input: { uploadId: $uploadId }) {\n      result { created updated total }\n      errors { field code message }\n    }\n  }\n": types.ImportLabelsDocument,
    "\n  mutation AnnotateFile($input: AnnotateFileInput!) {\n    annotateFile(input: $input) {\n      job { ...AnnotationJobFields }\n      errors { field code message }\n    }\n  }\n": types.AnnotateFileDocument,
    "\n  mutation CancelAnnotation($id: ID!) {\n    cancelAnnotation(id: $id) {\n      job { ...AnnotationJobFields }\n      errors { field code message }\n    }\n  }\n": types.CancelAnnotationDocument,
    "\n  query AnnotationJob($id: ID!) {\n    annotationJob(id: $id) { ...AnnotationJobFields }\n  }\n": types.AnnotationJobDocument,
    "\n  fragment AnnotationJobFields on AnnotationJob {\n    id state fileName processedCells totalCells progress truthColumn errorMessage resultsCsvUrl\n    labelCounts { label cells }\n    evaluation {\n      cellsInReference\n      novelty { novelCells knownCells novelUnassigned knownUnassigned }\n      unmappedTruth { label cells }\n      truthMapping { truth cells label method score }\n      fine { cells accuracy macroF1 assignedAccuracy abstentionRate ece confusion { truth predicted counts } }\n    }\n  }\n": types.AnnotationJobFieldsFragmentDoc,
    "\n  query AnnotationResults($jobId: ID!, $offset: Int, $limit: Int) {\n    annotationResults(jobId: $jobId, offset: $offset, limit: $limit) {\n      total\n      rows { row externalId label bestLabel status reason confidence truth neighborCellIds }\n    }\n  }\n": types.AnnotationResultsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchCells($text: String!, $k: Int!, $rerank: Boolean!, $filter: CellFilter) {\n    searchCells(text: $text, k: $k, rerank: $rerank, filter: $filter) {\n      similarity\n      ctmProbability\n      cell { id externalId label datasetName }\n    }\n  }\n"): typeof import('./graphql').SearchCellsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CellDetails($id: ID!) {\n    cell(id: $id) { id externalId label datasetName geneCount metadata }\n  }\n"): typeof import('./graphql').CellDetailsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CellsById($ids: [ID!]!) {\n    cells(ids: $ids) { id externalId label datasetName }\n  }\n"): typeof import('./graphql').CellsByIdDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AnnotateStoredCell($id: ID!, $k: Int!) {\n    annotateCell(input: { cellId: $id }, k: $k, rerank: true) {\n      status\n      reason\n      confidence\n      abstainBelow\n      label { name }\n      bestLabel { name }\n      novelty { novel score meanDistance genesKnown minGenes }\n      rolledUp { name confidence }\n      candidates { label { name } zeroShot pMatch knnShare signature combined }\n      knn { hits topShare runnerUpShare minDistance }\n      neighbors { similarity cell { id externalId label datasetName } }\n    }\n  }\n"): typeof import('./graphql').AnnotateStoredCellDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Datasets {\n    datasets { id name state cellCount totalCells format labelColumn metadataColumns createdAt completedAt }\n  }\n"): typeof import('./graphql').DatasetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Labels($search: String) {\n    labels(search: $search) { id name ontologyId description synonyms }\n  }\n"): typeof import('./graphql').LabelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IngestionJob($id: ID!) {\n    ingestionJob(id: $id) { id datasetName state processedCells totalCells progress cellsPerSecond etaSeconds errorCode errorMessage }\n  }\n"): typeof import('./graphql').IngestionJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IngestReference($input: IngestReferenceInput!) {\n    ingestReference(input: $input) {\n      job { id datasetId datasetName state totalCells }\n      errors { field code message }\n    }\n  }\n"): typeof import('./graphql').IngestReferenceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteDataset($id: ID!) {\n    deleteDataset(id: $id) {\n      dataset { id name }\n      errors { field code message }\n    }\n  }\n"): typeof import('./graphql').DeleteDatasetDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateLabel($input: LabelInput!) {\n    createLabel(input: $input) {\n      label { id name }\n      errors { field code message }\n    }\n  }\n"): typeof import('./graphql').CreateLabelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateLabel($id: ID!, $patch: LabelPatch!) {\n    updateLabel(id: $id, patch: $patch) {\n      label { id name }\n      errors { field code message }\n    }\n  }\n"): typeof import('./graphql').UpdateLabelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ImportLabels($uploadId: ID!) {\n    importLabels(input: { uploadId: $uploadId }) {\n      result { created updated total }\n      errors { field code message }\n    }\n  }\n"): typeof import('./graphql').ImportLabelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AnnotateFile($input: AnnotateFileInput!) {\n    annotateFile(input: $input) {\n      job { ...AnnotationJobFields }\n      errors { field code message }\n    }\n  }\n"): typeof import('./graphql').AnnotateFileDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelAnnotation($id: ID!) {\n    cancelAnnotation(id: $id) {\n      job { ...AnnotationJobFields }\n      errors { field code message }\n    }\n  }\n"): typeof import('./graphql').CancelAnnotationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AnnotationJob($id: ID!) {\n    annotationJob(id: $id) { ...AnnotationJobFields }\n  }\n"): typeof import('./graphql').AnnotationJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AnnotationJobFields on AnnotationJob {\n    id state fileName processedCells totalCells progress truthColumn errorMessage resultsCsvUrl\n    labelCounts { label cells }\n    evaluation {\n      cellsInReference\n      novelty { novelCells knownCells novelUnassigned knownUnassigned }\n      unmappedTruth { label cells }\n      truthMapping { truth cells label method score }\n      fine { cells accuracy macroF1 assignedAccuracy abstentionRate ece confusion { truth predicted counts } }\n    }\n  }\n"): typeof import('./graphql').AnnotationJobFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AnnotationResults($jobId: ID!, $offset: Int, $limit: Int) {\n    annotationResults(jobId: $jobId, offset: $offset, limit: $limit) {\n      total\n      rows { row externalId label bestLabel status reason confidence truth neighborCellIds }\n    }\n  }\n"): typeof import('./graphql').AnnotationResultsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
