/**
 * The page's one way to the service: typed GraphQL operations (generated from schema.graphql into
 * web/src/gql by `npm run codegen`), the binary map routes, and uploads. The token (read or admin)
 * is kept in this tab's sessionStorage only, and sent as a Bearer header.
 */
import type { TypedDocumentString } from '../gql/graphql';
import { ApiError } from './errors';
import { decodeColumn, decodeHeat, decodePoints, type CategoryColumn, type HeatColumn, type LayoutStatus, type MapPoints } from './layout-data';

const TOKEN_KEY = 'langcell-atlas.token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = getToken();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

interface ErrorBody {
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function failure(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  const first = body.errors?.[0];
  return new ApiError(first?.extensions?.code ?? (response.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'HTTP'), first?.message ?? `${response.status} ${response.statusText}`, response.status);
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError('NETWORK', 'The service did not answer.');
  }
}

export async function gql<R, V>(document: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  const response = await send('/graphql', {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json', accept: 'application/json' }),
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  const body = (await response.json().catch(() => ({}))) as ErrorBody & { data?: R };
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.extensions?.code ?? 'GRAPHQL', first.message, response.status);
  if (!response.ok || body.data === undefined) throw new ApiError('HTTP', `${response.status} ${response.statusText}`, response.status);
  return body.data;
}

export async function layoutStatus(): Promise<LayoutStatus> {
  const response = await send('/layout', { headers: headers() });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as LayoutStatus;
}

export async function layoutPoints(version: number): Promise<MapPoints> {
  const response = await send(`/layout/${version}/points`, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return decodePoints(await response.arrayBuffer());
}

export async function layoutColumn(version: number, by: string): Promise<CategoryColumn> {
  const response = await send(`/layout/${version}/colors?by=${encodeURIComponent(by)}`, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return decodeColumn(await response.arrayBuffer());
}

export async function layoutHeat(version: number, text: string): Promise<HeatColumn> {
  const response = await send(`/layout/${version}/similarity?text=${encodeURIComponent(text)}`, { headers: headers() });
  if (!response.ok) throw await failure(response);
  return decodeHeat(await response.arrayBuffer());
}

/**
 * POST /uploads with upload progress (fetch cannot report it, XMLHttpRequest can). Resolves with
 * the upload id that `ingestReference` (or `annotateFile`) refers to.
 */
export function upload(file: File, purpose: 'reference' | 'annotation', onProgress: (share: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ filename: file.name, ...(purpose === 'annotation' ? { purpose } : {}) });
    xhr.open('POST', `/uploads?${query}`);
    for (const [name, value] of Object.entries(headers({ 'content-type': 'application/octet-stream' }))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onerror = () => reject(new ApiError('NETWORK', 'The upload was interrupted.'));
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText) as ErrorBody & { uploadId?: string };
        } catch {
          return {} as ErrorBody & { uploadId?: string };
        }
      })();
      if (xhr.status >= 200 && xhr.status < 300 && body.uploadId) return resolve(body.uploadId);
      const first = body.errors?.[0];
      reject(new ApiError(first?.extensions?.code ?? 'HTTP', first?.message ?? `upload failed (${xhr.status})`, xhr.status));
    };
    xhr.send(file);
  });
}
