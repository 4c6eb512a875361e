/** Annotation of whole files as jobs: start (read access), read, page through results, follow. */
import type { AnnotationJob as AtlasAnnotationJob, Evaluation } from '../../atlas/types.ts';
import { apiError } from '../errors.ts';
import { resolveFileSource } from '../file-sources.ts';
import type { AnnotationJobResolvers, MutationResolvers, QueryResolvers, SubscriptionResolvers } from '../generated/resolvers-types.ts';
import { checkAnnotateFileInput, checkAtlasId, toAtlasId, type InputProblem } from '../inputs.ts';
import { subscribeToJob } from './follow.ts';
import { attempt, hideServerDirs, isProblem, serverDirs } from './payloads.ts';

/** Rows one page of results may hold. */
const MAX_RESULT_PAGE = 1000;

const jobFailed = (errors: InputProblem[]) => ({ job: null, errors });

export const annotationJobQueries: Pick<QueryResolvers, 'annotationJob' | 'annotationResults'> = {
  annotationJob: (_parent, { id }, { atlas }) => atlas.annotationJob(toAtlasId(id, 'id')),
  annotationResults: async (_parent, { jobId, offset, limit, status }, { atlas }) => {
    const skip = offset ?? 0;
    const take = limit ?? 100;
    if (skip < 0) throw apiError('BAD_USER_INPUT', `offset must be at least 0; got ${skip}.`);
    if (take < 1 || take > MAX_RESULT_PAGE) throw apiError('BAD_USER_INPUT', `limit is from 1 to ${MAX_RESULT_PAGE}; got ${take}. Download every row from AnnotationJob.resultsCsvUrl.`);
    const id = toAtlasId(jobId, 'jobId');
    if ((await atlas.annotationJob(id)) === null) throw apiError('NOT_FOUND', `No annotation job has id ${jobId}.`);
    return atlas.annotationResults(id, { offset: skip, limit: take, ...(status ? { status } : {}) });
  },
};

export const annotationJobMutations: Pick<MutationResolvers, 'annotateFile' | 'cancelAnnotation'> = {
  // Read access is enough (checked for /graphql as a whole): annotating changes no reference.
  annotateFile: async (_parent, { input }, ctx) => {
    const checked = checkAnnotateFileInput(input, ctx.limits);
    if ('errors' in checked) return jobFailed(checked.errors);
    const path = await resolveFileSource(checked.value.source, ctx.uploads, ctx.ingestRoot);
    if (isProblem(path)) return jobFailed([path]);
    const outcome = await attempt('input', () => ctx.atlas.annotateFile({ path, ...checked.value.request }), serverDirs(ctx));
    if ('errors' in outcome) return jobFailed(outcome.errors.map((e) => (e.field.startsWith('input') ? e : { ...e, field: `input.${e.field}` })));
    ctx.log.info({ annotationJobId: outcome.value.id, cells: outcome.value.totalCells }, 'annotation job queued');
    return { job: outcome.value, errors: [] };
  },

  // Whoever may start a job may stop one (read access).
  cancelAnnotation: async (_parent, { id }, ctx) => {
    const jobId = checkAtlasId(id, 'id');
    if (isProblem(jobId)) return jobFailed([jobId]);
    const outcome = await attempt('id', () => ctx.atlas.cancelAnnotation(jobId));
    return 'errors' in outcome ? jobFailed(outcome.errors) : { job: outcome.value, errors: [] };
  },
};

async function* follow(stream: AsyncIterable<AtlasAnnotationJob>): AsyncGenerator<{ annotationProgress: AtlasAnnotationJob }> {
  for await (const job of stream) yield { annotationProgress: job };
}

export const annotationJobSubscriptions: Pick<SubscriptionResolvers, 'annotationProgress'> = {
  annotationProgress: {
    subscribe: async (_parent, { jobId }, ctx) => {
      const id = toAtlasId(jobId, 'jobId');
      const job = { exists: async () => (await ctx.atlas.annotationJob(id)) !== null, unknown: `No annotation job has id ${jobId}.` };
      return follow(await subscribeToJob(ctx, job, (signal) => ctx.atlas.watchAnnotationJob(id, signal)));
    },
  },
};

export const AnnotationJob: AnnotationJobResolvers = {
  progress: (job) => (job.totalCells > 0 ? Math.min(1, job.processedCells / job.totalCells) : 0),
  // Stored by the worker as it was thrown: server folders are hidden when it is shown.
  errorMessage: (job, _args, ctx) => (job.errorMessage === null ? null : hideServerDirs(job.errorMessage, serverDirs(ctx))),
  labelCounts: (job, _args, { atlas }) => atlas.annotationLabelCounts(job.id),
  // Evaluations stored before truthMapping or cellsInReference existed (JSON in the job row) have none to show.
  evaluation: (job) =>
    job.evaluation === null
      ? null
      : {
          ...job.evaluation,
          truthMapping: (job.evaluation.truthMapping as Evaluation['truthMapping'] | undefined) ?? [],
          cellsInReference: (job.evaluation.cellsInReference as number | undefined) ?? 0,
        },
  resultsCsvUrl: (job) => `/annotation-jobs/${job.id}/results.csv`,
};

/** The path of the CSV download route (express), beside /graphql. */
export const RESULTS_CSV_ROUTE = '/annotation-jobs/:id/results.csv';
