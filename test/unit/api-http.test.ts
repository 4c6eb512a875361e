/**
 * The GraphQL service over HTTP: what queries send to the atlas and how records come back, the
 * GraphiQL page, /healthz and request ids. The atlas here is a stand-in for the service layer
 * (test/helpers/api-stand-in-atlas.ts); its numbers are invented and never checked as science.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standInAtlas, type StandInAtlas } from '../helpers/api-stand-in-atlas.ts';
import { codes, gql, startApi, type TestApi } from '../helpers/api-server.ts';

const FULL_ANNOTATION = /* GraphQL */ `
  query Annotate($input: CellInput!) {
    annotateCell(input: $input, candidates: ["label 1", "label 2"], k: 30, rerank: true, topM: 2, filter: { datasetIds: ["1"] }) {
      label { id name ontologyId description synonyms parents promptText }
      status
      bestLabel { id name }
      confidence
      abstainBelow
      candidates { label { id name ontologyId } zeroShot ctm pMatch fused knnShare }
      neighbors { cell { id externalId datasetId datasetName label metadata geneCount } similarity ctmProbability }
      knn { hits topShare runnerUpShare minDistance }
    }
  }
`;

describe('GraphQL queries through HTTP', () => {
  let atlas: StandInAtlas;
  let api: TestApi;

  beforeAll(async () => {
    atlas = standInAtlas();
    api = await startApi(atlas);
  });
  afterAll(() => api.close());

  it('searchCells passes text, k, rerank and a parsed filter, and returns cells with string ids', async () => {
    const response = await gql(
      api.url,
      `{ searchCells(text: "cytotoxic lymphocytes", k: 2, rerank: true, filter: { datasetIds: ["3", "4"], labels: ["NK cell"], metadata: { donor: "D1", batch: 2 } }) {
          cell { id datasetId label metadata } similarity ctmProbability } }`,
    );
    expect(response.body.errors).toBeUndefined();
    expect(atlas.callsOf('searchCells').at(-1)).toEqual([
      'cytotoxic lymphocytes',
      { k: 2, rerank: true, filter: { datasetIds: [3, 4], labels: ['NK cell'], metadata: { donor: 'D1', batch: 2 } } },
    ]);
    const hits = response.body.data!['searchCells'] as { cell: { id: unknown; datasetId: unknown; metadata: unknown } }[];
    expect(hits).toHaveLength(2);
    expect(hits[0]!.cell).toMatchObject({ id: '1', datasetId: '1', metadata: { donor: 'D1', batch: 2 } });
  });

  it('searchCells uses the schema defaults k = 10, rerank = false', async () => {
    await gql(api.url, '{ searchCells(text: "B cells") { similarity } }');
    expect(atlas.callsOf('searchCells').at(-1)).toEqual(['B cells', { k: 10, rerank: false, filter: undefined }]);
  });

  it('annotateCell translates an expression input and its options, and derives status from the label', async () => {
    const response = await gql(api.url, FULL_ANNOTATION, {
      variables: { input: { expression: { genes: ['ENSG00000105374', 'GZMB'], values: [5, 2.5], valueType: 'LOG1P' } } },
    });
    expect(response.body.errors).toBeUndefined();
    expect(atlas.callsOf('annotateCell').at(-1)).toEqual([
      { expression: { genes: ['ENSG00000105374', 'GZMB'], values: [5, 2.5], valueType: 'log1p' } },
      { k: 30, rerank: true, topM: 2, candidates: ['label 1', 'label 2'], filter: { datasetIds: [1] } },
    ]);
    const annotation = response.body.data!['annotateCell'] as Record<string, unknown>;
    expect(annotation['status']).toBe('ASSIGNED');
    expect(annotation['label']).toMatchObject({ id: '1', name: 'label 1' });
    expect(annotation['candidates']).toHaveLength(2);
  });

  it('annotateCell reports UNASSIGNED with a null label when the atlas abstains', async () => {
    const abstaining = standInAtlas({ annotateCell: async () => (await import('../helpers/api-stand-in-atlas.ts')).standInAnnotation(false) });
    const local = await startApi(abstaining);
    try {
      const response = await gql(local.url, '{ annotateCell(input: { cellId: "12" }) { status label { name } bestLabel { name } confidence } }');
      expect(response.body.data!['annotateCell']).toEqual({ status: 'UNASSIGNED', label: null, bestLabel: { name: 'label 1' }, confidence: 0.2 });
      expect(abstaining.callsOf('annotateCell')[0]).toEqual([{ cellId: 12 }, { k: 25, rerank: true, topM: 3 }]);
    } finally {
      await local.close();
    }
  });

  it('similarCells, cell, datasets, labels, ingestionJob and model reach the atlas with numeric ids', async () => {
    const response = await gql(
      api.url,
      `{ similarCells(input: { cellId: "7" }, k: 5) { cell { id } }
         cell(id: "9") { id externalId }
         missing: cell(id: "404") { id }
         cells(ids: ["3", "404", "1"]) { id externalId }
         datasets { id name state sourceFile createdAt completedAt metadataColumns }
         labels(search: "T cell") { id name }
         ingestionJob(id: "8") { id state progress createdAt }
         model { bundleId embeddingDim executionProvider alpha temperature } }`,
    );
    expect(response.body.errors).toBeUndefined();
    expect(atlas.callsOf('similarCells').at(-1)).toEqual([{ cellId: 7 }, { k: 5, filter: undefined }]);
    expect(atlas.callsOf('cell')).toContainEqual([9]);
    expect(atlas.callsOf('labels').at(-1)).toEqual(['T cell']);
    expect(atlas.callsOf('ingestionJob').at(-1)).toEqual([8]);
    const data = response.body.data!;
    expect(data['missing']).toBeNull();
    // In the order asked, the missing one left out.
    expect(atlas.callsOf('cells').at(-1)).toEqual([[3, 404, 1]]);
    expect((data['cells'] as { id: string }[]).map((c) => c.id)).toEqual(['3', '1']);
    // Server folders are not shown, only the file name; dates are ISO strings.
    expect(data['datasets']).toEqual([
      expect.objectContaining({ id: '1', sourceFile: 'pbmc.h5ad', createdAt: '2025-01-31T09:30:00.000Z', metadataColumns: ['donor'] }),
    ]);
    expect(data['ingestionJob']).toEqual({ id: '8', state: 'QUEUED', progress: 0, createdAt: '2025-01-31T09:30:00.000Z' });
    expect(data['model']).toMatchObject({ embeddingDim: 256, alpha: 0.1 });
  });

  it('health reports the model and the cells indexed', async () => {
    const response = await gql(api.url, '{ health { ok modelId cellsIndexed } }');
    expect(response.body.data!['health']).toEqual({ ok: true, modelId: 'stand-in-bundle-000000000000', cellsIndexed: 6000 });
  });

  it('the full annotation query and the GraphiQL introspection query fit the default limits', async () => {
    const annotation = await gql(api.url, FULL_ANNOTATION, { variables: { input: { cellId: '1' } } });
    expect(annotation.body.errors).toBeUndefined();
    const introspection = await gql(api.url, getIntrospectionQuery());
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data!['__schema']).toBeDefined();
  });

  it('the schema documents every type and field (GraphiQL is the API documentation)', async () => {
    const response = await gql(
      api.url,
      `{ __schema { types { name kind description fields { name description args { name description } } inputFields { name description } enumValues { name description } } } }`,
    );
    type Described = { name: string; description: string | null };
    type TypeInfo = Described & { kind: string; fields: (Described & { args: Described[] })[] | null; inputFields: Described[] | null; enumValues: Described[] | null };
    const types = (response.body.data!['__schema'] as { types: TypeInfo[] }).types.filter((type) => !type.name.startsWith('__'));
    const builtIn = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
    const undocumented: string[] = [];
    for (const type of types) {
      if (builtIn.has(type.name)) continue;
      if (!type.description) undocumented.push(type.name);
      for (const field of [...(type.fields ?? []), ...(type.inputFields ?? []), ...(type.enumValues ?? [])]) {
        if (!field.description) undocumented.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? (field.args as Described[]) : []) {
          if (!arg.description) undocumented.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('serves GraphiQL to a browser at /graphql and the explorer at /, with nothing fetched from another host', async () => {
    const page = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<title>langcell-atlas</title>');
    // Offline machines (and these ones) cannot reach a CDN: no script or stylesheet may come from one.
    expect(html).not.toMatch(/(src|href)=["']?https?:|from\s*["']https?:|unpkg\.com/);
    expect(html).toContain('"subscriptionsProtocol":"SSE"');
    // The explorer (web/dist, built by npm ci / npm test): its page and its hashed, cacheable assets.
    const root = await fetch(`${api.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(200);
    const explorer = await root.text();
    expect(explorer).toContain('<title>langcell-atlas explorer</title>');
    expect(explorer).not.toMatch(/(src|href)=["']?https?:/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(explorer)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${api.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('GET queries work too (mutations over GET are refused)', async () => {
    const query = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ model { bundleId } }')}`, { headers: { accept: 'application/json' } });
    expect(await query.json()).toEqual({ data: { model: { bundleId: 'stand-in-bundle-000000000000' } } });
    const mutation = await fetch(`${api.url}/graphql?query=${encodeURIComponent('mutation { deleteLabel(id: "1") { errors { code } } }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(mutation.status).toBe(405);
  });

  it('/healthz answers JSON with the model id and the cells indexed, and 503 when the atlas fails', async () => {
    const healthy = await fetch(`${api.url}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ ok: true, modelId: 'stand-in-bundle-000000000000', cellsIndexed: 6000 });

    const failing = await startApi(
      standInAtlas({
        health: () => {
          throw new Error('index not loaded');
        },
      }),
    );
    try {
      const response = await fetch(`${failing.url}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ ok: false, modelId: 'stand-in-bundle-000000000000', cellsIndexed: null, reason: 'atlas unavailable' });
    } finally {
      await failing.close();
    }
  });

  it('/healthz without atlas.health() still answers, with cellsIndexed null', async () => {
    const { health: _health, ...withoutHealth } = standInAtlas();
    const local = await startApi(withoutHealth);
    try {
      expect(await (await fetch(`${local.url}/healthz`)).json()).toEqual({ ok: true, modelId: 'stand-in-bundle-000000000000', cellsIndexed: null });
    } finally {
      await local.close();
    }
  });

  it('every response carries an x-request-id; a well-formed incoming one is kept, a malformed one replaced', async () => {
    const fresh = await gql(api.url, '{ model { bundleId } }');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await gql(api.url, '{ model { bundleId } }', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc.123');
    const replaced = await gql(api.url, '{ model { bundleId } }', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = api.logs().find((entry) => entry.msg === 'request' && entry.requestId === 'trace-abc.123');
    expect(line).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
  });

  it('unknown routes answer 404 with a code', async () => {
    const response = await fetch(`${api.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ errors: [{ message: expect.stringContaining('/graphql'), extensions: { code: 'NOT_FOUND' } }] });
  });

  it('a query against an unknown field fails validation with GraphQL codes and a suggestion', async () => {
    const response = await gql(api.url, '{ serchCells(text: "x") { similarity } }');
    expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0]!.message).toContain('Did you mean "searchCells"');
  });
});

describe('graceful close', () => {
  it('lets a request in flight finish, then stops listening', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = standInAtlas({
      searchCells: async () => {
        await gate;
        return [];
      },
    });
    const api = await startApi(slow);
    const inFlight = gql(api.url, '{ searchCells(text: "T cells") { similarity } }');
    await expect.poll(() => slow.callsOf('searchCells').length).toBe(1);
    const closing = api.server.close(5000);
    // Closing: new connections are refused while the request in flight goes on.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
    release();
    expect((await inFlight).body).toEqual({ data: { searchCells: [] } });
    await closing;
    await api.close();
  });
});
