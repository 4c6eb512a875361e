/**
 * The GraphiQL page as a static asset. The page (scripts inlined, since offline machines cannot
 * reach a CDN) is about 9 MB: rendered per request it let 64 clients take the service from 0.5 to
 * 3.6 GiB. Here it is rendered and compressed once, on first use, and served from memory with an
 * ETag, so a request costs a buffer write (or a 304). It is behind the read token when one is set;
 * a browser cannot send a bearer header for a page, so the token is also taken as the password of
 * HTTP Basic auth (the browser asks for it), and the page's own requests carry it as a bearer token
 * from its headers editor.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Request, RequestHandler } from 'express';
import type { TokenVerifier } from './auth.ts';
import { errorBody } from './errors.ts';

interface PageAsset {
  readonly etag: string;
  readonly identity: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
}

/** A GraphiQL page request (the browser asks for HTML), as opposed to a GET query. */
export function wantsGraphiQL(req: Request): boolean {
  return req.method === 'GET' && (req.get('accept') ?? '').includes('text/html');
}

/** The token of `Authorization: Bearer T` or of `Authorization: Basic base64(any-user:T)`, as a bearer header. */
function bearerOf(authorization: string | undefined): string | undefined {
  const basic = /^Basic +(\S+) *$/i.exec(authorization ?? '');
  if (!basic) return authorization;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? 'invalid' : `Bearer ${decoded.slice(colon + 1)}`;
}

async function buildAsset(render: () => Promise<string>): Promise<PageAsset> {
  const identity = Buffer.from(await render(), 'utf8');
  const [gzipped, brotli] = await Promise.all([
    promisify(gzip)(identity, { level: 9 }),
    promisify(brotliCompress)(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
  ]);
  return { etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`, identity, gzip: gzipped, brotli };
}

/** Serves GraphiQL for GET requests that want HTML; passes every other request on. */
export function graphiqlRoute(render: () => Promise<string>, verifier: TokenVerifier): RequestHandler {
  let asset: Promise<PageAsset> | undefined;
  return (req, res, next) => {
    if (!wantsGraphiQL(req)) return next();
    if (verifier.readTokenRequired) {
      const role = verifier.roleOf(bearerOf(req.get('authorization')));
      if (role === 'anonymous' || role === 'invalid') {
        res.setHeader('WWW-Authenticate', 'Basic realm="langcell-atlas GraphiQL: any user name, the read token as password", charset="UTF-8"');
        res.status(401).json(errorBody('UNAUTHENTICATED', 'GraphiQL needs the read token here: give it as the password when the browser asks (any user name).'));
        return;
      }
    }
    // A failed render is not cached: the next request tries again.
    asset ??= buildAsset(render).catch((error: unknown) => {
      asset = undefined;
      throw error;
    });
    asset.then((page) => {
      res.setHeader('ETag', page.etag);
      res.setHeader('Vary', 'Accept-Encoding, Authorization');
      res.setHeader('Cache-Control', verifier.readTokenRequired ? 'private, no-cache' : 'public, no-cache');
      if (req.get('if-none-match') === page.etag) {
        res.status(304).end();
        return;
      }
      const accepted = req.get('accept-encoding') ?? '';
      const [body, encoding] = /\bbr\b/.test(accepted) ? [page.brotli, 'br'] : /\bgzip\b/.test(accepted) ? [page.gzip, 'gzip'] : [page.identity, undefined];
      if (encoding) res.setHeader('Content-Encoding', encoding);
      res.type('html').send(body);
    }, next);
  };
}
