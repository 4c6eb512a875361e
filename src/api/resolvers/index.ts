/** Every resolver, typed by the types generated from schema.graphql. */
import type { Resolvers } from '../generated/resolvers-types.ts';
import { AnnotationJob, annotationJobMutations, annotationJobQueries, annotationJobSubscriptions } from './annotation-jobs.ts';
import { Annotation, cellQueries } from './cells.ts';
import { Dataset, IngestionJob, datasetMutations, datasetQueries, datasetSubscriptions } from './datasets.ts';
import { labelMutations, labelQueries } from './labels.ts';
import { DateTime, JSONObject } from './scalars.ts';
import { serviceQueries } from './service.ts';
import { Adapter, Decision, LabelMapping, trustMutations, trustQueries } from './trust.ts';

export const resolvers: Resolvers = {
  Query: { ...cellQueries, ...labelQueries, ...datasetQueries, ...annotationJobQueries, ...serviceQueries, ...trustQueries },
  Mutation: { ...labelMutations, ...datasetMutations, ...annotationJobMutations, ...trustMutations },
  Subscription: { ...datasetSubscriptions, ...annotationJobSubscriptions },
  Annotation,
  AnnotationJob,
  Adapter,
  Dataset,
  Decision,
  LabelMapping,
  IngestionJob,
  DateTime,
  JSONObject,
};
