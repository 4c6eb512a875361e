/** Cell-type labels: listing for everyone, changes for admins (input problems in the payload). */
import { requireAdmin } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { resolveFileSource } from '../file-sources.ts';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers-types.ts';
import { checkAtlasId, checkFileSource, checkLabelInput, checkLabelPatch, type InputProblem } from '../inputs.ts';
import { attempt, isProblem, serverDirs } from './payloads.ts';

export const labelQueries: Pick<QueryResolvers, 'labels'> = {
  labels: (_parent, { search }, { atlas }) => atlas.labels(search ?? undefined),
};

function admin(ctx: ApiContext): void {
  requireAdmin(ctx.role, ctx.adminEnabled);
}

const failed = (errors: InputProblem[]) => ({ label: null, errors });

export const labelMutations: Pick<MutationResolvers, 'createLabel' | 'updateLabel' | 'deleteLabel' | 'importLabels'> = {
  createLabel: async (_parent, { input }, ctx) => {
    admin(ctx);
    const label = checkLabelInput(input);
    if ('errors' in label) return failed(label.errors);
    const outcome = await attempt('input', () => ctx.atlas.createLabel(label.value));
    return 'errors' in outcome ? failed(outcome.errors) : { label: outcome.value, errors: [] };
  },

  updateLabel: async (_parent, { id, patch }, ctx) => {
    admin(ctx);
    const labelId = checkAtlasId(id, 'id');
    const changes = checkLabelPatch(patch);
    if (isProblem(labelId) || 'errors' in changes) return failed([...(isProblem(labelId) ? [labelId] : []), ...('errors' in changes ? changes.errors : [])]);
    const outcome = await attempt('id', () => ctx.atlas.updateLabel(labelId, changes.value));
    return 'errors' in outcome ? failed(outcome.errors) : { label: outcome.value, errors: [] };
  },

  deleteLabel: async (_parent, { id }, ctx) => {
    admin(ctx);
    const labelId = checkAtlasId(id, 'id');
    if (isProblem(labelId)) return failed([labelId]);
    const outcome = await attempt('id', () => ctx.atlas.deleteLabel(labelId));
    return 'errors' in outcome ? failed(outcome.errors) : { label: outcome.value, errors: [] };
  },

  importLabels: async (_parent, { input }, ctx) => {
    admin(ctx);
    const source = checkFileSource(input);
    if ('errors' in source) return { result: null, errors: source.errors };
    const path = await resolveFileSource(source.value, ctx.uploads, ctx.ingestRoot);
    if (isProblem(path)) return { result: null, errors: [path] };
    const outcome = await attempt('input', () => ctx.atlas.importLabels(path, { termsOnly: input.termsOnly ?? false }), serverDirs(ctx));
    return 'errors' in outcome ? { result: null, errors: outcome.errors } : { result: outcome.value, errors: [] };
  },
};
