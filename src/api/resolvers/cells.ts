/** Searching and annotating cells: arguments checked against the limits, then straight to the atlas. */
import type { AnnotationResolvers, QueryResolvers } from '../generated/resolvers-types.ts';
import { apiError } from '../errors.ts';
import { annotateCellArguments, searchCellsArguments, similarCellsArguments, toAtlasId } from '../inputs.ts';

/** Ids one `cells` query may ask for. */
const MAX_CELLS_BY_ID = 200;

export const cellQueries: Pick<QueryResolvers, 'searchCells' | 'annotateCell' | 'similarCells' | 'cell' | 'cells'> = {
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

  cells: (_parent, { ids }, { atlas }) => {
    if (ids.length > MAX_CELLS_BY_ID) throw apiError('BAD_USER_INPUT', `cells takes at most ${MAX_CELLS_BY_ID} ids; got ${ids.length}.`, { limit: MAX_CELLS_BY_ID });
    return atlas.cells(ids.map((id) => toAtlasId(id, 'ids')));
  },
};

export const Annotation: AnnotationResolvers = {
  status: (annotation) => (annotation.label === null ? 'UNASSIGNED' : 'ASSIGNED'),
};
