/** The model and the service's health. */
import type { QueryResolvers } from '../generated/resolvers-types.ts';
import { checkHealth } from '../health.ts';

export const serviceQueries: Pick<QueryResolvers, 'model' | 'health'> = {
  model: (_parent, _args, { atlas }) => atlas.model(),
  health: async (_parent, _args, { atlas, log, shutdown }) => {
    const report = await checkHealth(atlas, log, shutdown.aborted);
    return { ok: report.ok, modelId: report.modelId ?? '', cellsIndexed: report.cellsIndexed };
  },
};
