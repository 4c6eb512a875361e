/**
 * A STAND-IN FOR THE SERVICE LAYER, not for the database: an `AtlasApi` whose methods return
 * fixed, invented records (or whatever a test overrides them with) and record their calls. It lets
 * the HTTP and GraphQL behaviour — auth, limits, error codes, uploads, SSE framing, argument
 * translation — be tested without a model or PostgreSQL. Its numbers mean nothing: never assert
 * scientific results on them. End-to-end tests use the real `Atlas` on a seeded database.
 */
import type {
  AdapterSummary,
  Annotation,
  AnnotationJob,
  AtlasApi,
  CellHit,
  CellRecord,
  DatasetRecord,
  IngestionJobRecord,
  LabelMapEntry,
  LabelRecord,
  ModelInfo,
} from '../../src/atlas/types.ts';

export interface Call {
  readonly method: keyof AtlasApi;
  readonly args: unknown[];
}

export type StandInAtlas = AtlasApi & { readonly calls: Call[]; callsOf(method: keyof AtlasApi): unknown[][] };

export const standInModel: ModelInfo = {
  bundleId: 'stand-in-bundle-000000000000',
  embeddingDim: 256,
  executionProvider: 'cpu',
  alpha: 0.1,
  temperature: 0.05,
};

export function standInLabel(id: number, name = `label ${id}`): LabelRecord {
  return { id, name, ontologyId: `CL:${String(id).padStart(7, '0')}`, description: null, synonyms: [], parents: [], promptText: `cell type: ${name}. ` };
}

export function standInCell(id: number): CellRecord {
  return { id, externalId: `cell-${id}`, datasetId: 1, datasetName: 'stand-in dataset', label: 'label 1', metadata: { donor: 'D1', batch: 2 }, geneCount: 700 };
}

export function standInHit(id: number): CellHit {
  return { cell: standInCell(id), similarity: 0.5, ctmProbability: null };
}

export function standInDataset(id: number): DatasetRecord {
  return {
    id,
    name: `dataset ${id}`,
    state: 'READY',
    sourcePath: `/srv/atlas/uploads/${id}/pbmc.h5ad`,
    sourceSha256: 'ab'.repeat(32),
    format: 'h5ad',
    matrixLocation: 'layers/counts',
    valueKind: 'counts',
    species: 'human',
    modelId: standInModel.bundleId,
    cellCount: 10,
    totalCells: 10,
    genesMatched: 700,
    genesTotal: 765,
    labelColumn: 'cell_type',
    metadataColumns: ['donor'],
    createdAt: new Date('2025-01-31T09:30:00Z'),
    completedAt: new Date('2025-01-31T09:31:00Z'),
  };
}

export function standInJob(id: number, state: IngestionJobRecord['state'] = 'QUEUED', processedCells = 0): IngestionJobRecord {
  return {
    id,
    datasetId: 7,
    datasetName: 'dataset 7',
    state,
    processedCells,
    totalCells: 100,
    cellsPerSecond: null,
    etaSeconds: null,
    errorCode: null,
    errorMessage: null,
    createdAt: new Date('2025-01-31T09:30:00Z'),
    startedAt: null,
    finishedAt: null,
    timings: {},
  };
}

export function standInAnnotationJob(id: number, state: AnnotationJob['state'] = 'QUEUED', processedCells = 0): AnnotationJob {
  return {
    id,
    state,
    fileName: 'query.h5ad',
    sourcePath: '/uploads/query.h5ad',
    options: {},
    truthColumn: null,
    valuesReadAs: 'counts (integers)',
    modelId: standInModel.bundleId,
    processedCells,
    totalCells: 100,
    evaluation: null,
    errorCode: null,
    errorMessage: null,
    createdAt: new Date('2025-01-31T09:30:00Z'),
    startedAt: null,
    finishedAt: null,
  };
}

export function standInAnnotation(assigned: boolean): Annotation {
  const best = standInLabel(1);
  return {
    label: assigned ? best : null,
    reason: assigned ? null : 'LOW_CONFIDENCE',
    bestLabel: best,
    confidence: assigned ? 0.9 : 0.2,
    abstainBelow: 0.5,
    calibrated: true,
    decidedBy: ['zeroShot', 'fused', 'knn'],
    rolledUp: null,
    novelty: { novel: false, score: 0.4, nearestDistance: 0.1, meanDistance: 0.2, bestTextSimilarity: 0.8, bestSignatureSimilarity: null, genesKnown: 240, minGenes: 60 },
    adapter: null,
    candidates: [
      { label: best, zeroShot: 0.6, ctm: 0.5, pMatch: 0.9, fused: 0.51, knnShare: 0.8, signature: null, adapter: null, classifier: null, combined: null },
      { label: standInLabel(2), zeroShot: 0.4, ctm: null, pMatch: null, fused: 0.04, knnShare: 0.2, signature: null, adapter: null, classifier: null, combined: null },
    ],
    neighbors: [standInHit(11), standInHit(12)],
    knn: { hits: 2, topShare: 0.8, runnerUpShare: 0.2, minDistance: 0.1 },
    inputGenes: null,
  };
}

export function standInMapping(datasetId: number): LabelMapEntry {
  return { datasetId, sourceLabel: 'CD19+ B', labelId: 1, ontologyId: 'CL:0000236', method: 'ONTOLOGY_ID', score: null, cells: 95, catalogueVersion: 'v' };
}

export function standInAdapter(id: number): AdapterSummary {
  return { id, name: `adapter ${id}`, modelId: standInModel.bundleId, kind: 'cache', labels: ['label 1', 'label 2'], blend: 0.5, validation: { accuracy: 0.9 }, createdAt: new Date('2025-01-31T09:30:00Z') };
}

/** Every method answers with fixed records; `overrides` replace any of them. */
export function standInAtlas(overrides: Partial<AtlasApi> = {}): StandInAtlas {
  const calls: Call[] = [];
  const defaults: AtlasApi = {
    model: () => standInModel,
    health: () => ({ indexedCells: 6000 }),
    searchCells: async () => [standInHit(1), standInHit(2)],
    similarCells: async () => [standInHit(3)],
    annotateCell: async () => standInAnnotation(true),
    cell: async (id) => (id === 404 ? null : standInCell(id)),
    cells: async (ids) => ids.filter((id) => id !== 404).map(standInCell),
    datasets: async () => [standInDataset(1)],
    deleteDataset: async (id) => standInDataset(id),
    labels: async () => [standInLabel(1), standInLabel(2)],
    createLabel: async (input) => ({ ...standInLabel(3, input.name), ontologyId: input.ontologyId ?? null }),
    updateLabel: async (id, patch) => ({ ...standInLabel(id), ...(patch.name ? { name: patch.name } : {}) }),
    deleteLabel: async (id) => standInLabel(id),
    importLabels: async () => ({ created: 2, updated: 1, total: 3, terms: 3 }),
    ingestReference: async (request) => ({ ...standInJob(5), datasetName: request.name }),
    ingestionJob: async (id) => (id === 404 ? null : standInJob(id)),
    cancelIngestion: async (id) => standInJob(id, 'CANCELLED'),
    annotateFile: async () => standInAnnotationJob(9),
    cancelAnnotation: async (id) => standInAnnotationJob(id, 'CANCELLED'),
    annotationJob: async (id) => (id === 404 ? null : standInAnnotationJob(id)),
    annotationResults: async () => ({ total: 0, rows: [] }),
    annotationLabelCounts: async () => [],
    async *annotationResultsCsv() {
      yield 'row,cell\n';
    },
    async *watchAnnotationJob(id) {
      yield standInAnnotationJob(id, 'SUCCEEDED', 100);
    },
    async *watchIngestion(id) {
      yield standInJob(id, 'QUEUED');
      yield standInJob(id, 'RUNNING', 50);
      yield standInJob(id, 'SUCCEEDED', 100);
    },
    labelMappings: async (datasetId) => [standInMapping(datasetId)],
    setLabelMapping: async (datasetId, sourceLabel, labelName) => ({ ...standInMapping(datasetId), sourceLabel, labelId: labelName === null ? null : 1, method: 'ADMIN' }),
    adapters: async () => [standInAdapter(1)],
    adapt: async (request) => ({ ...standInAdapter(2), name: request.name }),
    deleteAdapter: async (id) => standInAdapter(id),
    decision: async () => null,
    calibrate: async () => ({ fingerprint: 'f', createdAt: '2025-01-31T09:30:00.000Z', adapter: null, combiner: null, novelty: null, validation: null }),
  };
  const atlas = { ...defaults, ...overrides };
  const recorded = {} as Record<keyof AtlasApi, unknown>;
  for (const method of Object.keys(atlas) as (keyof AtlasApi)[]) {
    const implementation = atlas[method] as (...args: unknown[]) => unknown;
    recorded[method] = (...args: unknown[]) => {
      calls.push({ method, args });
      return implementation(...args);
    };
  }
  return Object.assign(recorded as unknown as AtlasApi, {
    calls,
    callsOf: (method: keyof AtlasApi) => calls.filter((call) => call.method === method).map((call) => call.args),
  });
}
