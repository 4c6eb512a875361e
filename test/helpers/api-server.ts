/**
 * Starts the real HTTP service (createServer → listen on port 0) around an `AtlasApi` and talks
 * to it with Node's fetch, capturing the service's pino log lines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtlasApi } from '../../src/atlas/types.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import type { MapLayoutsApi } from '../../src/api/layout-route.ts';
import { createServer, type ApiServer } from '../../src/api/server.ts';
import { createLogger } from '../../src/api/logger.ts';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly requestId?: string;
  readonly err?: { message: string; stack?: string };
  readonly [key: string]: unknown;
}

export interface TestApi {
  readonly url: string;
  readonly config: Config;
  readonly server: ApiServer;
  /** Everything the service logged so far, raw (one JSON object per line). */
  readonly rawLog: string[];
  logs(): LogLine[];
  /** The scratch folder holding the upload dir (uploads/) and the ingest root (ingest/). */
  readonly scratch: string;
  close(): Promise<void>;
}

export async function startApi(atlas: AtlasApi, env: Record<string, string> = {}, extra: { layouts?: MapLayoutsApi } = {}): Promise<TestApi> {
  const scratch = await mkdtemp(join(tmpdir(), 'langcell-api-'));
  const config = parseConfig({
    LANGCELL_ADMIN_TOKENS: ADMIN_TOKEN,
    LANGCELL_UPLOAD_DIR: join(scratch, 'uploads'),
    LANGCELL_LOG_LEVEL: 'info',
    ...env,
  });
  const rawLog: string[] = [];
  const logger = createLogger(config, { write: (line: string) => void rawLog.push(line) });
  const server = createServer({ atlas, config, logger, ...extra });
  const { url } = await server.listen(0, '127.0.0.1');
  return {
    url,
    config,
    server,
    rawLog,
    scratch,
    logs: () => rawLog.map((line) => JSON.parse(line) as LogLine),
    async close() {
      await server.close(1000);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export interface GraphQLResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }[];
  };
}

export async function gql(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
}

/** The `extensions.code` of every error, in order. */
export function codes(response: GraphQLResponse): (string | undefined)[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
