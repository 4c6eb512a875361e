/** Searching and annotating cells: arguments checked against the limits, then straight to the atlas. */
import type { AnnotationResolvers, QueryResolvers } from '../generated/resolvers-types.ts';
import { annotateCellArguments, searchCellsArguments, similarCellsArguments, toAtlasId } from '../inputs.ts';

export const cellQueries: Pick<QueryResolvers, 'searchCells' | 'annotateCell' | 'similarCells' | 'cell'> = {
  searchCells: (_parent, args, { atlas, limits }) => {
    const { text, options } = searchCellsArguments(args, limits);
    return atlas.searchCells(text, options);
  },

  annotateCell: (_parent, args, { atlas, limits }) => {
    const { input, options } = annotateCellArguments(args, limits);
    return atlas.annotateCell(input, options);
  },

  similarCells: (_parent, args, { atlas, limits }) => {
    const { input, options } = similarCellsArguments(args, limits);
    return atlas.similarCells(input, options);
  },

  cell: (_parent, { id }, { atlas }) => atlas.cell(toAtlasId(id, 'id')),
};

export const Annotation: AnnotationResolvers = {
  status: (annotation) => (annotation.label === null ? 'UNASSIGNED' : 'ASSIGNED'),
};
