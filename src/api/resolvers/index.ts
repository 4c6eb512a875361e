/** Every resolver, typed by the types generated from schema.graphql. */
import type { Resolvers } from '../generated/resolvers-types.ts';
import { Annotation, cellQueries } from './cells.ts';
import { Dataset, IngestionJob, datasetMutations, datasetQueries, datasetSubscriptions } from './datasets.ts';
import { labelMutations, labelQueries } from './labels.ts';
import { DateTime, JSONObject } from './scalars.ts';
import { serviceQueries } from './service.ts';
import { Adapter, Decision, LabelMapping, trustMutations, trustQueries } from './trust.ts';

export const resolvers: Resolvers = {
  Query: { ...cellQueries, ...labelQueries, ...datasetQueries, ...serviceQueries, ...trustQueries },
  Mutation: { ...labelMutations, ...datasetMutations, ...trustMutations },
  Subscription: { ...datasetSubscriptions },
  Annotation,
  Adapter,
  Dataset,
  Decision,
  LabelMapping,
  IngestionJob,
  DateTime,
  JSONObject,
};
