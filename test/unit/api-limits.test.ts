/**
 * Every limit refuses with its own `extensions.code`: operation shape (depth, cost, aliases,
 * directives, tokens), body size, and arguments (k, topM, text, genes, expression shape, the
 * one-of cell input, ids). The atlas is a stand-in for the service layer; a refused request
 * must never reach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInAtlas, type StandInAtlas } from '../helpers/api-stand-in-atlas.ts';
import { codes, gql, startApi, type TestApi } from '../helpers/api-server.ts';

const ANNOTATE = 'query($input: CellInput!) { annotateCell(input: $input) { confidence } }';

describe('limits', () => {
  let atlas: StandInAtlas;
  let api: TestApi;

  beforeAll(async () => {
    atlas = standInAtlas();
    api = await startApi(atlas, {
      LANGCELL_MAX_K: '50',
      LANGCELL_MAX_TOP_M: '5',
      LANGCELL_MAX_TEXT_LENGTH: '100',
      LANGCELL_MAX_GENES: '10',
      LANGCELL_MAX_QUERY_COST: '150',
      LANGCELL_MAX_DIRECTIVES: '3',
      LANGCELL_MAX_TOKENS: '400',
      LANGCELL_BODY_LIMIT_BYTES: '65536',
    });
  });
  afterAll(() => api.close());

  /** Sends the request and checks it was refused with `code` without calling the atlas. */
  async function refused(query: string, code: string, variables?: Record<string, unknown>) {
    const before = atlas.calls.length;
    const response = await gql(api.url, query, { variables });
    expect(codes(response)).toEqual([code]);
    expect(atlas.calls.length).toBe(before);
    return response;
  }

  it('k above LANGCELL_MAX_K: K_TOO_LARGE with the limit', async () => {
    const response = await refused('{ searchCells(text: "T cells", k: 51) { similarity } }', 'K_TOO_LARGE');
    expect(response.body.errors![0]!.extensions).toMatchObject({ code: 'K_TOO_LARGE', limit: 50 });
    await refused('{ similarCells(input: { cellId: "1" }, k: 1000) { similarity } }', 'K_TOO_LARGE');
    await refused('{ annotateCell(input: { cellId: "1" }, k: 51) { confidence } }', 'K_TOO_LARGE');
  });

  it('k below 1: BAD_USER_INPUT', async () => {
    await refused('{ searchCells(text: "T cells", k: 0) { similarity } }', 'BAD_USER_INPUT');
  });

  it('k at the limit is accepted', async () => {
    const response = await gql(api.url, '{ searchCells(text: "T cells", k: 50) { similarity } }');
    expect(response.body.errors).toBeUndefined();
  });

  it('topM above LANGCELL_MAX_TOP_M: TOP_M_TOO_LARGE', async () => {
    await refused('{ annotateCell(input: { cellId: "1" }, topM: 6) { confidence } }', 'TOP_M_TOO_LARGE');
  });

  it('text longer than LANGCELL_MAX_TEXT_LENGTH: TEXT_TOO_LONG; empty text: BAD_USER_INPUT', async () => {
    await refused('query($t: String!) { searchCells(text: $t) { similarity } }', 'TEXT_TOO_LONG', { t: 'a'.repeat(101) });
    await refused('{ searchCells(text: "   ") { similarity } }', 'BAD_USER_INPUT');
  });

  it('more genes than LANGCELL_MAX_GENES: TOO_MANY_GENES', async () => {
    const genes = Array.from({ length: 11 }, (_, i) => `GENE${i}`);
    await refused(ANNOTATE, 'TOO_MANY_GENES', { input: { expression: { genes, values: genes.map(() => 1), valueType: 'COUNTS' } } });
  });

  it('genes and values of different lengths: EXPRESSION_LENGTH_MISMATCH', async () => {
    const response = await refused(ANNOTATE, 'EXPRESSION_LENGTH_MISMATCH', {
      input: { expression: { genes: ['CD3E', 'CD8A'], values: [1], valueType: 'COUNTS' } },
    });
    expect(response.body.errors![0]!.message).toContain('2 genes but 1 values');
  });

  it('an empty expression or a blank gene: BAD_USER_INPUT', async () => {
    await refused(ANNOTATE, 'BAD_USER_INPUT', { input: { expression: { genes: [], values: [], valueType: 'COUNTS' } } });
    await refused(ANNOTATE, 'BAD_USER_INPUT', { input: { expression: { genes: ['CD3E', ' '], values: [1, 2], valueType: 'COUNTS' } } });
  });

  it('both cellId and expression, or neither: EXACTLY_ONE_REQUIRED', async () => {
    const both = await refused(ANNOTATE, 'EXACTLY_ONE_REQUIRED', {
      input: { cellId: '1', expression: { genes: ['CD3E'], values: [1], valueType: 'COUNTS' } },
    });
    expect(both.body.errors![0]!.message).toContain('got both');
    await refused(ANNOTATE, 'EXACTLY_ONE_REQUIRED', { input: {} });
    await refused('{ similarCells(input: {}) { similarity } }', 'EXACTLY_ONE_REQUIRED');
  });

  it('a non-numeric id: INVALID_ID', async () => {
    await refused('{ cell(id: "abc") { id } }', 'INVALID_ID');
    await refused('{ cells(ids: ["1", "x"]) { id } }', 'INVALID_ID');
  });

  it('more than 200 cells by id: BAD_USER_INPUT', async () => {
    await refused('query($ids: [ID!]!) { cells(ids: $ids) { id } }', 'BAD_USER_INPUT', { ids: Array.from({ length: 201 }, (_, i) => String(i + 1)) });
    await refused('{ searchCells(text: "T cells", filter: { datasetIds: ["1", "x"] }) { similarity } }', 'INVALID_ID');
  });

  it('a metadata filter value that is not a string, number or boolean: BAD_USER_INPUT', async () => {
    await refused('{ searchCells(text: "T cells", filter: { metadata: { donor: { nested: 1 } } }) { similarity } }', 'BAD_USER_INPUT');
  });

  it('an empty candidates list: BAD_USER_INPUT', async () => {
    await refused('{ annotateCell(input: { cellId: "1" }, candidates: []) { confidence } }', 'BAD_USER_INPUT');
  });

  it('a query deeper than LANGCELL_MAX_QUERY_DEPTH: QUERY_TOO_DEEP', async () => {
    const response = await gql(api.url, '{ __type(name: "Query") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }');
    // Deep selections are costly too: with this server's low cost limit both refusals are reported.
    expect(codes(response)).toContain('QUERY_TOO_DEEP');
    expect(response.body.errors!.find((error) => error.extensions?.code === 'QUERY_TOO_DEEP')!.message).toBe('Query depth limit of 8 exceeded, found 10.');
    expect(response.status).toBe(400);
  });

  it('a query costlier than LANGCELL_MAX_QUERY_COST: QUERY_TOO_COMPLEX', async () => {
    // One full selection costs about 110 in graphql-armor's model, two cost about 220.
    const selection =
      'label { id name ontologyId description synonyms parents promptText } status bestLabel { id name } confidence abstainBelow ' +
      'candidates { label { id name ontologyId } zeroShot ctm pMatch fused knnShare } ' +
      'neighbors { cell { id externalId datasetId datasetName label metadata geneCount } similarity ctmProbability } ' +
      'knn { hits topShare runnerUpShare minDistance }';
    const one = await gql(api.url, `{ annotateCell(input: { cellId: "1" }) { ${selection} } }`);
    expect(one.body.errors).toBeUndefined();
    await refused(`{ a: annotateCell(input: { cellId: "1" }) { ${selection} } b: annotateCell(input: { cellId: "2" }) { ${selection} } }`, 'QUERY_TOO_COMPLEX');
  });

  it('more aliases than LANGCELL_MAX_ALIASES: TOO_MANY_ALIASES', async () => {
    const query = `{ ${Array.from({ length: 11 }, (_, i) => `m${i}: model { bundleId }`).join(' ')} }`;
    await refused(query, 'TOO_MANY_ALIASES');
  });

  it('more directives than LANGCELL_MAX_DIRECTIVES: TOO_MANY_DIRECTIVES', async () => {
    await refused('{ model { bundleId @include(if: true) embeddingDim @include(if: true) alpha @skip(if: false) temperature @skip(if: false) } }', 'TOO_MANY_DIRECTIVES');
  });

  it('a document with more tokens than LANGCELL_MAX_TOKENS: TOO_MANY_TOKENS', async () => {
    const genes = Array.from({ length: 500 }, (_, i) => `"G${i}"`).join(' ');
    await refused(`{ annotateCell(input: { expression: { genes: [${genes}], values: [], valueType: COUNTS } }) { confidence } }`, 'TOO_MANY_TOKENS');
  });

  it('a body above LANGCELL_BODY_LIMIT_BYTES: 413 REQUEST_ENTITY_TOO_LARGE, declared or streamed', async () => {
    const declared = await refused('query($t: String!) { searchCells(text: $t) { similarity } }', 'REQUEST_ENTITY_TOO_LARGE', { t: 'a'.repeat(70_000) });
    expect(declared.status).toBe(413);

    // Chunked, without Content-Length: the limit holds while the body streams.
    const body = JSON.stringify({ query: 'query($t: String!) { searchCells(text: $t) { similarity } }', variables: { t: 'a'.repeat(70_000) } });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(body);
        for (let offset = 0; offset < bytes.length; offset += 8192) controller.enqueue(bytes.subarray(offset, offset + 8192));
        controller.close();
      },
    });
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('GraphQL multipart (file) bodies are not accepted', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: '{ model { bundleId } }' }));
    form.append('map', '{}');
    const response = await fetch(`${api.url}/graphql`, { method: 'POST', body: form });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});
