/**
 * What leaves the service when something fails: an `AtlasError` keeps its code and message
 * (queries: a GraphQL error; admin mutations: a payload input error), anything else is masked as
 * "Unexpected error." and logged with the request id. The atlas is a stand-in for the service
 * layer whose methods throw on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/errors.ts';
import { standInAtlas } from '../helpers/api-stand-in-atlas.ts';
import { ADMIN_TOKEN, codes, gql, startApi, type TestApi } from '../helpers/api-server.ts';

const SECRET_DETAIL = 'connection to 10.0.0.7:5432 refused for user atlas_owner';

describe('errors', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi(
      standInAtlas({
        cell: async () => {
          throw new Error(SECRET_DETAIL);
        },
        searchCells: async () => {
          throw new AtlasError('NO_VOCABULARY_GENES', 'None of the 3 genes is in the model vocabulary; give Ensembl ids or symbols the bundle maps.', { total: 3 });
        },
        labels: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'rows')");
        },
        deleteDataset: async (id) => {
          throw new AtlasError('NOT_FOUND', `No dataset has id ${id}.`);
        },
        createLabel: async () => {
          throw new AtlasError('INVALID_INPUT', 'A label named "NK cell" exists already.', { field: 'input.name' });
        },
        cancelIngestion: async () => {
          throw new Error(SECRET_DETAIL);
        },
      }),
    );
  });
  afterAll(() => api.close());

  it('an internal error is masked for the client and logged with the request id', async () => {
    const response = await gql(api.url, '{ cell(id: "1") { id } }', { headers: { 'x-request-id': 'masked-1' } });
    expect(response.body).toEqual({
      data: { cell: null },
      errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 3 }], path: ['cell'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(JSON.stringify(response.body)).not.toContain('10.0.0.7');
    expect(response.headers.get('x-request-id')).toBe('masked-1');
    const logged = api.logs().filter((line) => line.requestId === 'masked-1' && line.level >= 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ msg: expect.stringContaining('unexpected error'), path: 'cell', err: { message: SECRET_DETAIL } });
  });

  it('a TypeError deep in the service is masked the same way', async () => {
    const response = await gql(api.url, '{ labels { id } }');
    expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(response.body.errors![0]!.message).toBe('Unexpected error.');
  });

  it("an AtlasError in a query reaches the client with the atlas's code and message", async () => {
    const response = await gql(api.url, '{ searchCells(text: "GZMB") { similarity } }');
    expect(response.body.errors).toEqual([
      {
        message: 'None of the 3 genes is in the model vocabulary; give Ensembl ids or symbols the bundle maps.',
        locations: [{ line: 1, column: 3 }],
        path: ['searchCells'],
        extensions: { code: 'NO_VOCABULARY_GENES' },
      },
    ]);
    // The client's mistakes are not logged as server errors.
    expect(api.logs().filter((line) => line.level >= 50 && JSON.stringify(line).includes('NO_VOCABULARY_GENES'))).toEqual([]);
  });

  it('an AtlasError in an admin mutation becomes a payload error on its field', async () => {
    const deleted = await gql(api.url, 'mutation { deleteDataset(id: "77") { dataset { id } errors { field code message } } }', { token: ADMIN_TOKEN });
    expect(deleted.body).toEqual({
      data: { deleteDataset: { dataset: null, errors: [{ field: 'id', code: 'NOT_FOUND', message: 'No dataset has id 77.' }] } },
    });
    const created = await gql(api.url, 'mutation { createLabel(input: { name: "NK cell" }) { label { id } errors { field code message } } }', { token: ADMIN_TOKEN });
    expect(created.body.data!['createLabel']).toEqual({
      label: null,
      errors: [{ field: 'input.name', code: 'INVALID_INPUT', message: 'A label named "NK cell" exists already.' }],
    });
  });

  it('an internal error in an admin mutation is masked, not reported as input', async () => {
    const response = await gql(api.url, 'mutation { cancelIngestion(id: "3") { job { id } errors { code } } }', { token: ADMIN_TOKEN });
    expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(JSON.stringify(response.body)).not.toContain('10.0.0.7');
  });

  it('mutation inputs are checked before the atlas is called, every problem at once', async () => {
    const response = await gql(
      api.url,
      'mutation { updateLabel(id: "x", patch: { name: null, description: "" }) { label { id } errors { field code } } }',
      { token: ADMIN_TOKEN },
    );
    expect(response.body.data!['updateLabel']).toEqual({
      label: null,
      errors: [
        { field: 'id', code: 'INVALID_ID' },
        { field: 'patch.name', code: 'REQUIRED' },
        { field: 'patch.description', code: 'REQUIRED' },
      ],
    });
  });

  it('malformed GraphQL is refused with GraphQL codes', async () => {
    const syntax = await gql(api.url, '{ model { bundleId }');
    expect(codes(syntax)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const variables = await gql(api.url, 'query($k: Int!) { searchCells(text: "x", k: $k) { similarity } }', { variables: { k: 'ten' } });
    expect(codes(variables)).toEqual(['BAD_USER_INPUT']);
    const notJson = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(notJson.status).toBe(400);
  });

  it('a body that is not JSON is not quoted back (the parser\'s message holds the body)', async () => {
    const body = `{"query": "${'a'.repeat(100_000)}`;
    const response = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text.length).toBeLessThan(1_000);
    expect(JSON.parse(text)).toEqual({ errors: [{ message: expect.stringContaining('invalid JSON'), extensions: { code: 'BAD_REQUEST', originalError: { name: 'SyntaxError' } } }] });
  });
});
