/** Searching and annotating cells: arguments checked against the limits, then straight to the atlas. */
import type { AnnotationResolvers, QueryResolvers } from '../generated/resolvers-types.ts';
import { checkK, checkSearchText, toAnnotateOptions, toAtlasId, toCellFilter, toCellInput } from '../inputs.ts';

export const cellQueries: Pick<QueryResolvers, 'searchCells' | 'annotateCell' | 'similarCells' | 'cell'> = {
  searchCells: (_parent, { text, k, filter, rerank }, { atlas, limits }) =>
    atlas.searchCells(checkSearchText(text, limits), { k: checkK(k, limits), rerank, filter: toCellFilter(filter) }),

  annotateCell: (_parent, args, { atlas, limits }) => atlas.annotateCell(toCellInput(args.input, limits), toAnnotateOptions(args, limits)),

  similarCells: (_parent, { input, k, filter }, { atlas, limits }) =>
    atlas.similarCells(toCellInput(input, limits), { k: checkK(k, limits), filter: toCellFilter(filter) }),

  cell: (_parent, { id }, { atlas }) => atlas.cell(toAtlasId(id, 'id')),
};

export const Annotation: AnnotationResolvers = {
  status: (annotation) => (annotation.label === null ? 'UNASSIGNED' : 'ASSIGNED'),
};
