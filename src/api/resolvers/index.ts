/** Every resolver, typed by the types generated from schema.graphql. */
import type { Resolvers } from '../generated/resolvers-types.ts';
import { AnnotationJob, annotationJobMutations, annotationJobQueries, annotationJobSubscriptions } from './annotation-jobs.ts';
import { Annotation, cellQueries } from './cells.ts';
import { Dataset, IngestionJob, datasetMutations, datasetQueries, datasetSubscriptions } from './datasets.ts';
import { labelMutations, labelQueries } from './labels.ts';
import { DateTime, JSONObject } from './scalars.ts';
import { serviceQueries } from './service.ts';

export const resolvers: Resolvers = {
  Query: { ...cellQueries, ...labelQueries, ...datasetQueries, ...annotationJobQueries, ...serviceQueries },
  Mutation: { ...labelMutations, ...datasetMutations, ...annotationJobMutations },
  Subscription: { ...datasetSubscriptions, ...annotationJobSubscriptions },
  Annotation,
  AnnotationJob,
  Dataset,
  IngestionJob,
  DateTime,
  JSONObject,
};
