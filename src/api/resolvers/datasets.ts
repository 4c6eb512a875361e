/** Reference datasets and their ingestion jobs: listing and following for everyone, changes for admins. */
import { basename } from 'node:path';
import type { IngestionJobRecord } from '../../atlas/types.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { resolveFileSource } from '../file-sources.ts';
import type {
  DatasetResolvers,
  IngestionJobResolvers,
  MutationResolvers,
  QueryResolvers,
  SubscriptionResolvers,
} from '../generated/resolvers-types.ts';
import { checkAtlasId, checkIngestInput, toAtlasId, type InputProblem } from '../inputs.ts';
import { subscribeToJob } from './follow.ts';
import { attempt, hideServerDirs, isProblem, serverDirs } from './payloads.ts';

export const datasetQueries: Pick<QueryResolvers, 'datasets' | 'ingestionJob'> = {
  datasets: (_parent, _args, { atlas }) => atlas.datasets(),
  ingestionJob: (_parent, { id }, { atlas }) => atlas.ingestionJob(toAtlasId(id, 'id')),
};

function admin(ctx: ApiContext): void {
  requireAdmin(ctx.role, ctx.adminEnabled);
}

const jobFailed = (errors: InputProblem[]) => ({ job: null, errors });

export const datasetMutations: Pick<MutationResolvers, 'ingestReference' | 'cancelIngestion' | 'deleteDataset'> = {
  ingestReference: async (_parent, { input }, ctx) => {
    admin(ctx);
    const settings = checkIngestInput(input);
    if ('errors' in settings) return jobFailed(settings.errors);
    const path = await resolveFileSource(settings.value.source, ctx.uploads, ctx.ingestRoot);
    if (isProblem(path)) return jobFailed([path]);
    const { source: _source, ...request } = settings.value;
    const outcome = await attempt('input', () => ctx.atlas.ingestReference({ path, ...request }, ctx.request.signal), serverDirs(ctx));
    if ('errors' in outcome) return jobFailed(outcome.errors);
    ctx.log.info({ jobId: outcome.value.id, datasetName: outcome.value.datasetName }, 'ingestion queued');
    return { job: outcome.value, errors: [] };
  },

  cancelIngestion: async (_parent, { id }, ctx) => {
    admin(ctx);
    const jobId = checkAtlasId(id, 'id');
    if (isProblem(jobId)) return jobFailed([jobId]);
    const outcome = await attempt('id', () => ctx.atlas.cancelIngestion(jobId));
    return 'errors' in outcome ? jobFailed(outcome.errors) : { job: outcome.value, errors: [] };
  },

  deleteDataset: async (_parent, { id }, ctx) => {
    admin(ctx);
    const datasetId = checkAtlasId(id, 'id');
    if (isProblem(datasetId)) return { dataset: null, errors: [datasetId] };
    const outcome = await attempt('id', () => ctx.atlas.deleteDataset(datasetId));
    if ('errors' in outcome) return { dataset: null, errors: outcome.errors };
    ctx.log.info({ datasetId }, 'dataset deleted');
    return { dataset: outcome.value, errors: [] };
  },
};

async function* follow(stream: AsyncIterable<IngestionJobRecord>): AsyncGenerator<{ ingestionProgress: IngestionJobRecord }> {
  for await (const job of stream) yield { ingestionProgress: job };
}

export const datasetSubscriptions: Pick<SubscriptionResolvers, 'ingestionProgress'> = {
  ingestionProgress: {
    // An async function (not a generator) so that an unknown job is refused before the stream opens.
    subscribe: async (_parent, { jobId }, ctx) => {
      const id = toAtlasId(jobId, 'jobId');
      const job = { exists: async () => (await ctx.atlas.ingestionJob(id)) !== null, unknown: `No ingestion job has id ${jobId}.` };
      return follow(await subscribeToJob(ctx, job, (signal) => ctx.atlas.watchIngestion(id, signal)));
    },
  },
};

export const Dataset: DatasetResolvers = {
  sourceFile: (dataset) => basename(dataset.sourcePath),
  valuesReadAs: (dataset) => dataset.valueKind,
  labelMappings: (dataset, _args, { atlas }) => atlas.labelMappings(dataset.id),
};

export const IngestionJob: IngestionJobResolvers = {
  progress: (job) => (job.totalCells > 0 ? Math.min(1, job.processedCells / job.totalCells) : 0),
  // Stored by the worker as it was thrown: server folders are hidden when it is shown.
  errorMessage: (job, _args, ctx) => (job.errorMessage === null ? null : hideServerDirs(job.errorMessage, serverDirs(ctx))),
};
