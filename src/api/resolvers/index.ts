/** Every resolver, typed by the types generated from schema.graphql. */
import type { Resolvers } from '../generated/resolvers-types.ts';
import { Annotation, cellQueries } from './cells.ts';
import { Dataset, IngestionJob, datasetMutations, datasetQueries, datasetSubscriptions } from './datasets.ts';
import { labelMutations, labelQueries } from './labels.ts';
import { DateTime, JSONObject } from './scalars.ts';
import { serviceQueries } from './service.ts';

export const resolvers: Resolvers = {
  Query: { ...cellQueries, ...labelQueries, ...datasetQueries, ...serviceQueries },
  Mutation: { ...labelMutations, ...datasetMutations },
  Subscription: { ...datasetSubscriptions },
  Annotation,
  Dataset,
  IngestionJob,
  DateTime,
  JSONObject,
};
