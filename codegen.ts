import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Resolver types from schema.graphql, and the explorer's typed operations (web/src/gql/, from the
 * `graphql(...)` documents in web/src) (`npm run codegen`). The output is committed; a test
 * (test/integration/api-codegen.test.ts) regenerates it in memory and fails when it is stale.
 * GraphQL object types map to the atlas's domain records, so resolvers return those records and
 * only the fields that differ need a resolver. Records whose names equal a GraphQL type's are
 * imported as `Atlas…`.
 */
const atlasTypes = '../../atlas/types.ts';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'src/api/generated/resolvers-types.ts': {
      // `add` comes with @graphql-codegen/cli; the resolver plugin's own signatures use `any`.
      plugins: [{ add: { content: '/* eslint-disable */' } }, 'typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../context.ts#ApiContext',
        mappers: {
          Cell: `${atlasTypes}#CellRecord`,
          CellHit: `${atlasTypes}#CellHit as AtlasCellHit`,
          Annotation: `${atlasTypes}#Annotation as AtlasAnnotation`,
          LabelCandidate: `${atlasTypes}#LabelCandidate as AtlasLabelCandidate`,
          KnnSummary: `${atlasTypes}#KnnSummary as AtlasKnnSummary`,
          Label: `${atlasTypes}#LabelRecord`,
          Dataset: `${atlasTypes}#DatasetRecord`,
          IngestionJob: `${atlasTypes}#IngestionJobRecord`,
          Model: `${atlasTypes}#ModelInfo`,
          AnnotationJob: `${atlasTypes}#AnnotationJob as AtlasAnnotationJob`,
          AnnotationResultRow: `${atlasTypes}#AnnotationResultRecord`,
          LabelImportResult: `${atlasTypes}#LabelImportResult as AtlasLabelImportResult`,
          LabelMapping: `${atlasTypes}#LabelMapEntry`,
          Adapter: `${atlasTypes}#AdapterSummary`,
          Decision: `${atlasTypes}#DecisionFit`,
          Evaluation: `${atlasTypes}#Evaluation as AtlasEvaluation`,
        },
        scalars: {
          ID: { input: 'string', output: 'string | number' },
          DateTime: { input: 'Date', output: 'Date' },
          JSONObject: { input: 'Record<string, unknown>', output: 'Readonly<Record<string, unknown>>' },
        },
      },
    },
    'web/src/gql/': {
      documents: ['web/src/**/*.ts', '!web/src/gql/**'],
      preset: 'client',
      // Plain strings, not parsed ASTs: the page ships no GraphQL parser.
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
