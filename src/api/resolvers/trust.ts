/** Harmonised label mappings, few-shot adapters and the fitted decision: reading for everyone, changes for admins. */
import { requireAdmin } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import type { AdapterResolvers, DecisionResolvers, LabelMappingResolvers, MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts';
import { checkAdaptInput, checkAtlasId } from '../inputs.ts';
import { attempt, isProblem } from './payloads.ts';

function admin(ctx: ApiContext): void {
  requireAdmin(ctx.role, ctx.adminEnabled);
}

export const trustQueries: Pick<QueryResolvers, 'adapters' | 'decision'> = {
  adapters: (_parent, _args, { atlas }) => atlas.adapters(),
  decision: (_parent, { adapter }, { atlas }) => atlas.decision(adapter ?? undefined),
};

export const trustMutations: Pick<MutationResolvers, 'setLabelMapping' | 'adapt' | 'deleteAdapter' | 'calibrate'> = {
  setLabelMapping: async (_parent, { datasetId, sourceLabel, label }, ctx) => {
    admin(ctx);
    const id = checkAtlasId(datasetId, 'datasetId');
    if (isProblem(id)) return { mapping: null, errors: [id] };
    const outcome = await attempt('sourceLabel', () => ctx.atlas.setLabelMapping(id, sourceLabel, label ?? null));
    return 'errors' in outcome ? { mapping: null, errors: outcome.errors } : { mapping: outcome.value, errors: [] };
  },

  adapt: async (_parent, { input }, ctx) => {
    admin(ctx);
    const request = checkAdaptInput(input);
    if ('errors' in request) return { adapter: null, errors: request.errors };
    const outcome = await attempt('input', () => ctx.atlas.adapt(request.value));
    return 'errors' in outcome ? { adapter: null, errors: outcome.errors } : { adapter: outcome.value, errors: [] };
  },

  deleteAdapter: async (_parent, { id }, ctx) => {
    admin(ctx);
    const adapterId = checkAtlasId(id, 'id');
    if (isProblem(adapterId)) return { adapter: null, errors: [adapterId] };
    const outcome = await attempt('id', () => ctx.atlas.deleteAdapter(adapterId));
    return 'errors' in outcome ? { adapter: null, errors: outcome.errors } : { adapter: outcome.value, errors: [] };
  },

  calibrate: async (_parent, { adapter }, ctx) => {
    admin(ctx);
    const outcome = await attempt('adapter', () => ctx.atlas.calibrate(adapter ?? undefined));
    return 'errors' in outcome ? { decision: null, errors: outcome.errors } : { decision: outcome.value, errors: [] };
  },
};

export const LabelMapping: LabelMappingResolvers = {
  label: async (entry, _args, { atlas }) => (entry.labelId === null ? null : ((await atlas.labels()).find((label) => label.id === entry.labelId) ?? null)),
};

export const Adapter: AdapterResolvers = {
  validation: (adapter) => adapter.validation,
};

export const Decision: DecisionResolvers = {
  calibrated: (fit) => fit.combiner !== null,
  weights: (fit) => fit.combiner,
  validation: (fit) => fit.validation,
  confidenceMap: (fit) => (fit.confidenceMaps ? { ...fit.confidenceMaps } : null),
  novelty: (fit) => (fit.novelty ? { ...fit.novelty } : null),
  fittedAt: (fit) => new Date(fit.createdAt),
};
