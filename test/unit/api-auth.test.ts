/**
 * Who may ask what: admin tokens for mutations and uploads, the optional read token for queries,
 * refusals with UNAUTHENTICATED / FORBIDDEN, and tokens never written to the log. The atlas is a
 * stand-in for the service layer (test/helpers/api-stand-in-atlas.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier } from '../../src/api/auth.ts';
import { parseConfig } from '../../src/config.ts';
import { standInAtlas, type StandInAtlas } from '../helpers/api-stand-in-atlas.ts';
import { ADMIN_TOKEN, READ_TOKEN, codes, gql, startApi, type TestApi } from '../helpers/api-server.ts';

/** One call of every mutation, each with valid input, so only auth can refuse it. */
const EVERY_MUTATION: Record<string, string> = {
  createLabel: 'mutation { createLabel(input: { name: "NK cell" }) { errors { code } } }',
  updateLabel: 'mutation { updateLabel(id: "1", patch: { name: "NK cell" }) { errors { code } } }',
  deleteLabel: 'mutation { deleteLabel(id: "1") { errors { code } } }',
  importLabels: 'mutation { importLabels(input: { uploadId: "00000000-0000-4000-8000-000000000000" }) { errors { code } } }',
  ingestReference: 'mutation { ingestReference(input: { uploadId: "00000000-0000-4000-8000-000000000000", name: "pbmc" }) { errors { code } } }',
  cancelIngestion: 'mutation { cancelIngestion(id: "1") { errors { code } } }',
  deleteDataset: 'mutation { deleteDataset(id: "1") { errors { code } } }',
  setLabelMapping: 'mutation { setLabelMapping(datasetId: "1", sourceLabel: "CD19+ B", label: "B cell") { errors { code } } }',
  adapt: 'mutation { adapt(input: { name: "lab", dataset: "pbmc" }) { errors { code } } }',
  deleteAdapter: 'mutation { deleteAdapter(id: "1") { errors { code } } }',
  calibrate: 'mutation { calibrate { errors { code } } }',
};

/** Mutations that need read access only: annotating a file (or stopping that) changes no reference. */
const READ_MUTATIONS: Record<string, string> = {
  annotateFile: 'mutation { annotateFile(input: { uploadId: "00000000-0000-4000-8000-000000000000" }) { errors { code } } }',
  cancelAnnotation: 'mutation { cancelAnnotation(id: "4") { job { id state } errors { code } } }',
};

describe('token comparison', () => {
  it('compares digests, so tokens of any length compare without throwing', () => {
    const verifier = new TokenVerifier([ADMIN_TOKEN], READ_TOKEN);
    // timingSafeEqual on the raw strings would throw on unequal lengths.
    expect(verifier.roleOf('Bearer short')).toBe('invalid');
    expect(verifier.roleOf(`Bearer ${ADMIN_TOKEN.slice(0, -1)}`)).toBe('invalid');
    expect(verifier.roleOf(`Bearer ${ADMIN_TOKEN}x`)).toBe('invalid');
  });

  it('TokenVerifier maps headers to roles', () => {
    const verifier = new TokenVerifier([ADMIN_TOKEN, 'second-admin-token-0000'], READ_TOKEN);
    expect(verifier.roleOf(undefined)).toBe('anonymous');
    expect(verifier.roleOf(`Bearer ${ADMIN_TOKEN}`)).toBe('admin');
    expect(verifier.roleOf('bearer second-admin-token-0000')).toBe('admin');
    expect(verifier.roleOf(`Bearer ${READ_TOKEN}`)).toBe('reader');
    expect(verifier.roleOf(`Bearer ${ADMIN_TOKEN}x`)).toBe('invalid');
    expect(verifier.roleOf(`Basic ${ADMIN_TOKEN}`)).toBe('invalid');
    expect(verifier.roleOf(ADMIN_TOKEN)).toBe('invalid');
    expect(verifier.roleOf('Bearer ')).toBe('invalid');
    expect(new TokenVerifier([], undefined).roleOf(`Bearer ${ADMIN_TOKEN}`)).toBe('invalid');
  });

  it('the config refuses short tokens and never prints them', () => {
    expect(() => parseConfig({ LANGCELL_ADMIN_TOKENS: 'tiny-secret' })).toThrow(/at least 16 characters \(got \[redacted\]\)/);
    expect(() => parseConfig({ LANGCELL_ADMIN_TOKENS: 'tiny-secret' })).not.toThrow(/tiny-secret/);
    expect(() => parseConfig({ LANGCELL_READ_TOKEN: 'tiny-read' })).not.toThrow(/tiny-read/);
    expect(parseConfig({ LANGCELL_ADMIN_TOKENS: ` ${ADMIN_TOKEN} ,, second-admin-token-0000 ` }).LANGCELL_ADMIN_TOKENS).toEqual([
      ADMIN_TOKEN,
      'second-admin-token-0000',
    ]);
  });
});

describe('admin token', () => {
  let atlas: StandInAtlas;
  let api: TestApi;

  beforeAll(async () => {
    atlas = standInAtlas();
    api = await startApi(atlas);
  });
  afterAll(() => api.close());

  it('the list above covers every mutation of the schema', async () => {
    const response = await gql(api.url, '{ __type(name: "Mutation") { fields { name } } }');
    const fields = (response.body.data!['__type'] as { fields: { name: string }[] }).fields.map((field) => field.name);
    expect(fields.sort()).toEqual([...Object.keys(EVERY_MUTATION), ...Object.keys(READ_MUTATIONS)].sort());
  });

  it('annotateFile needs no admin token: a read-access caller reaches the atlas', async () => {
    const response = await gql(api.url, READ_MUTATIONS['annotateFile']!);
    expect(response.status).toBe(200);
    // The upload does not exist, so the payload says so; auth did not refuse it.
    expect(response.body.data!['annotateFile']).toEqual({ errors: [{ code: 'UPLOAD_NOT_FOUND' }] });
  });

  it('cancelAnnotation needs no admin token either: a read-access caller reaches the atlas', async () => {
    const response = await gql(api.url, READ_MUTATIONS['cancelAnnotation']!);
    expect(response.body.data!['cancelAnnotation']).toEqual({ job: { id: '4', state: 'CANCELLED' }, errors: [] });
    expect(atlas.callsOf('cancelAnnotation').at(-1)).toEqual([4]);
  });

  it.each(Object.entries(EVERY_MUTATION))('%s without a token: UNAUTHENTICATED (401), the atlas is not called', async (_name, mutation) => {
    const before = atlas.calls.length;
    const response = await gql(api.url, mutation);
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(atlas.calls.slice(before).map((call) => call.method)).toEqual([]);
  });

  it('a wrong token is refused before GraphQL runs, for queries too', async () => {
    const response = await gql(api.url, '{ model { bundleId } }', { token: 'not-the-admin-token-000' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('a malformed Authorization header is refused', async () => {
    const response = await gql(api.url, '{ model { bundleId } }', { headers: { authorization: `Token ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('the right token runs the mutation', async () => {
    const response = await gql(api.url, 'mutation { createLabel(input: { name: "NK cell", ontologyId: "CL:0000623" }) { label { id name ontologyId } errors { code } } }', {
      token: ADMIN_TOKEN,
    });
    expect(response.body).toEqual({ data: { createLabel: { label: { id: '3', name: 'NK cell', ontologyId: 'CL:0000623' }, errors: [] } } });
    expect(atlas.callsOf('createLabel').at(-1)).toEqual([{ name: 'NK cell', ontologyId: 'CL:0000623', description: null, synonyms: [], parents: [] }]);
  });

  it('queries need no token when no read token is configured', async () => {
    const response = await gql(api.url, '{ model { bundleId } }');
    expect(response.body.data).toEqual({ model: { bundleId: 'stand-in-bundle-000000000000' } });
  });

  it('tokens never reach the log', async () => {
    await gql(api.url, '{ model { bundleId } }', { token: ADMIN_TOKEN });
    await gql(api.url, '{ model { bundleId } }', { token: 'wrong-token-but-secret-000' });
    const log = api.rawLog.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(ADMIN_TOKEN);
    expect(log).not.toContain('wrong-token-but-secret-000');
  });
});

describe('read token', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi(standInAtlas(), { LANGCELL_READ_TOKEN: READ_TOKEN });
  });
  afterAll(() => api.close());

  it('queries without a token are refused with UNAUTHENTICATED (401)', async () => {
    const response = await gql(api.url, '{ model { bundleId } }');
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('the read token and an admin token may query', async () => {
    for (const token of [READ_TOKEN, ADMIN_TOKEN]) {
      const response = await gql(api.url, '{ model { bundleId } }', { token });
      expect(response.body.data).toEqual({ model: { bundleId: 'stand-in-bundle-000000000000' } });
    }
  });

  it('the read token cannot mutate: FORBIDDEN (403)', async () => {
    const response = await gql(api.url, EVERY_MUTATION['deleteDataset']!, { token: READ_TOKEN });
    expect(response.status).toBe(403);
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });

  it('subscriptions need the token too', async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { ingestionProgress(jobId: "1") { state } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('the GraphiQL page needs the token too (the browser asks for it as a password)', async () => {
    expect((await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } })).status).toBe(401);
    const page = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html', authorization: `Basic ${Buffer.from(`me:${READ_TOKEN}`).toString('base64')}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('/healthz needs no token', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  });
});

describe('no admin tokens configured', () => {
  it('mutations are refused with a message saying the admin API is closed', async () => {
    const api = await startApi(standInAtlas(), { LANGCELL_ADMIN_TOKENS: '' });
    try {
      const response = await gql(api.url, EVERY_MUTATION['deleteLabel']!);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.errors![0]!.message).toContain('LANGCELL_ADMIN_TOKENS');
    } finally {
      await api.close();
    }
  });
});
