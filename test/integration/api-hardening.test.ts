/**
 * What a hostile or unlucky client can do to the HTTP service: the GraphiQL page (9 MB) served as
 * one static, compressed asset behind the read token; CORS same-origin unless configured; a request
 * body that trickles in ended by a timeout. The atlas is a stand-in (test/helpers/api-stand-in-atlas.ts).
 */
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/api/logger.ts';
import { createServer } from '../../src/api/server.ts';
import { standInAtlas } from '../helpers/api-stand-in-atlas.ts';
import { READ_TOKEN, startApi, type TestApi } from '../helpers/api-server.ts';

/** Sends `request` as written (fetch would add or fix headers) and returns every byte until the server closes. */
function rawHttp(url: string, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (part) => parts.push(part));
    socket.on('close', () => resolve(Buffer.concat(parts)));
    socket.on('error', reject);
    socket.write(request);
  });
}

const basic = (password: string) => `Basic ${Buffer.from(`someone:${password}`).toString('base64')}`;

describe('the GraphiQL page', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(standInAtlas(), { LANGCELL_READ_TOKEN: READ_TOKEN });
  });
  afterAll(() => api?.close());

  it('needs the read token when one is set, and the browser is asked for it (Basic auth)', async () => {
    const page = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html', authorization: basic('not-the-token-at-all') } });
    expect(wrong.status).toBe(401);
  });

  it('is one compressed asset with an ETag: the same bytes every time, 304 when unchanged', async () => {
    const headers = { accept: 'text/html', 'accept-encoding': 'gzip', authorization: basic(READ_TOKEN) };
    const first = await fetch(`${api.url}/graphql`, { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/html');
    const html = await first.text();
    expect(html).toContain('<title>langcell-atlas</title>');
    expect(html).toContain('"subscriptionsProtocol":"SSE"');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);

    // Raw bytes, as sent: gzip a fraction of the page's size.
    const all = await rawHttp(api.url, `GET /graphql HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nAccept-Encoding: gzip\r\nAuthorization: ${basic(READ_TOKEN)}\r\nConnection: close\r\n\r\n`);
    const split = all.indexOf('\r\n\r\n');
    const raw = { encoding: /content-encoding: (\S+)/i.exec(all.subarray(0, split).toString())?.[1], bytes: all.subarray(split + 4) };
    expect(raw.encoding).toBe('gzip');
    expect(gunzipSync(raw.bytes).toString()).toBe(html);
    expect(raw.bytes.length).toBeLessThan(html.length / 3);

    const again = await fetch(`${api.url}/graphql`, { headers: { ...headers, 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('a bearer token works too, and a GET query is not taken for the page', async () => {
    expect((await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html', authorization: `Bearer ${READ_TOKEN}` } })).status).toBe(200);
    const query = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ model { bundleId } }')}`, { headers: { accept: 'application/json', authorization: `Bearer ${READ_TOKEN}` } });
    expect(await query.json()).toEqual({ data: { model: { bundleId: 'stand-in-bundle-000000000000' } } });
  });
});

describe('CORS', () => {
  const ask = (url: string, origin: string) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ model { bundleId } }' }) });
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

  it('is same-origin by default: no page from another origin may read the atlas', async () => {
    const api = await startApi(standInAtlas());
    try {
      const response = await ask(api.url, 'https://evil.example');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect((await preflight(api.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await api.close();
    }
  });

  it('allows exactly the configured origins', async () => {
    const api = await startApi(standInAtlas(), { LANGCELL_CORS_ORIGINS: 'https://atlas.example.org, http://localhost:5173' });
    try {
      expect((await ask(api.url, 'https://atlas.example.org')).headers.get('access-control-allow-origin')).toBe('https://atlas.example.org');
      expect((await preflight(api.url, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect((await ask(api.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await api.close();
    }
  });
});

describe('a slow client', () => {
  it('a body that trickles in is answered 408 and its connection closed', async () => {
    const api = await startApi(standInAtlas(), { LANGCELL_REQUEST_TIMEOUT_S: '1' });
    try {
      const answer = (await rawHttp(api.url, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":')).toString();
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(answer).toContain('REQUEST_TIMEOUT');
    } finally {
      await api.close();
    }
  });
});

describe('start-up', () => {
  it('a port in use is refused with PORT_IN_USE and what to do, not a stack trace', async () => {
    const first = await startApi(standInAtlas());
    try {
      const second = createServer({ atlas: standInAtlas(), config: first.config, logger: createLogger(first.config, { write: () => undefined }) });
      const port = Number(new URL(first.url).port);
      await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(`Port ${port} on 127.0.0.1 is in use`) as string });
    } finally {
      await first.close();
    }
  });
});

describe('GraphQL over HTTP', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(standInAtlas());
  });
  afterAll(() => api?.close());

  it('a document that does not validate is 400 for application/graphql-response+json (the spec), 200 for legacy application/json', async () => {
    const spec = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query: '{ noSuchField }' }) });
    expect(spec.status).toBe(400);
    expect(spec.headers.get('content-type')).toContain('application/graphql-response+json');
    const legacy = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ noSuchField }' }) });
    expect(legacy.status).toBe(200);
  });

  it('a POST without a content type is refused with 415', async () => {
    // Raw, since fetch would add text/plain.
    const payload = JSON.stringify({ query: '{ model { bundleId } }' });
    const answer = (await rawHttp(api.url, `POST /graphql HTTP/1.1\r\nHost: x\r\nAccept: application/graphql-response+json\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`)).toString();
    expect(answer).toMatch(/^HTTP\/1\.1 415/);
  });
});
