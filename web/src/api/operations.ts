/**
 * Every GraphQL operation the page sends. `npm run codegen` checks them against schema.graphql and
 * types their results and variables (web/src/gql); a field renamed in the schema fails the build.
 */
import { graphql } from '../gql';

export const SearchCells = graphql(`
  query SearchCells($text: String!, $k: Int!, $rerank: Boolean!, $filter: CellFilter) {
    searchCells(text: $text, k: $k, rerank: $rerank, filter: $filter) {
      similarity
      ctmProbability
      cell { id externalId label datasetName }
    }
  }
`);

export const CellDetails = graphql(`
  query CellDetails($id: ID!) {
    cell(id: $id) { id externalId label datasetName geneCount metadata }
  }
`);

export const CellsById = graphql(`
  query CellsById($ids: [ID!]!) {
    cells(ids: $ids) { id externalId label datasetName }
  }
`);

export const AnnotateStoredCell = graphql(`
  query AnnotateStoredCell($id: ID!, $k: Int!) {
    annotateCell(input: { cellId: $id }, k: $k, rerank: true) {
      status
      reason
      confidence
      abstainBelow
      label { name }
      bestLabel { name }
      novelty { novel score meanDistance genesKnown minGenes }
      rolledUp { name confidence }
      candidates { label { name } zeroShot pMatch knnShare signature combined }
      knn { hits topShare runnerUpShare minDistance }
      neighbors { similarity cell { id externalId label datasetName } }
    }
  }
`);

export const Datasets = graphql(`
  query Datasets {
    datasets { id name state cellCount totalCells format labelColumn metadataColumns createdAt completedAt }
  }
`);

export const Labels = graphql(`
  query Labels($search: String) {
    labels(search: $search) { id name ontologyId description synonyms }
  }
`);

export const IngestionJob = graphql(`
  query IngestionJob($id: ID!) {
    ingestionJob(id: $id) { id datasetName state processedCells totalCells progress cellsPerSecond etaSeconds errorCode errorMessage }
  }
`);

export const IngestReference = graphql(`
  mutation IngestReference($input: IngestReferenceInput!) {
    ingestReference(input: $input) {
      job { id datasetId datasetName state totalCells }
      errors { field code message }
    }
  }
`);

export const DeleteDataset = graphql(`
  mutation DeleteDataset($id: ID!) {
    deleteDataset(id: $id) {
      dataset { id name }
      errors { field code message }
    }
  }
`);

export const CreateLabel = graphql(`
  mutation CreateLabel($input: LabelInput!) {
    createLabel(input: $input) {
      label { id name }
      errors { field code message }
    }
  }
`);

export const UpdateLabel = graphql(`
  mutation UpdateLabel($id: ID!, $patch: LabelPatch!) {
    updateLabel(id: $id, patch: $patch) {
      label { id name }
      errors { field code message }
    }
  }
`);

export const ImportLabels = graphql(`
  mutation ImportLabels($uploadId: ID!) {
    importLabels(input: { uploadId: $uploadId }) {
      result { created updated total }
      errors { field code message }
    }
  }
`);
