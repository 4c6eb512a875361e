/**
 * The HTTP service: express with graphql-yoga at /graphql (GraphiQL in a browser), /healthz, and
 * the streaming upload route POST /uploads. Auth, limits, error masking and request ids are set
 * up here once; resolvers only translate between GraphQL and the atlas.
 */
import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createSchema, createYoga, useErrorHandler } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { AtlasApi } from '../atlas/types.ts';
import { AtlasError } from '../errors.ts';
import type { Config } from '../config.ts';
import { TokenVerifier } from './auth.ts';
import type { ApiContext, ApiServices, ServerContext } from './context.ts';
import { UNEXPECTED_ERROR_MESSAGE, errorBody, isGraphQLError, maskError, publicError, rootCause } from './errors.ts';
import { graphiqlRoute } from './graphiql-page.ts';
import { checkHealth } from './health.ts';
import { apiLimits, operationLimitPlugins } from './limits.ts';
import { yogaLogger } from './logger.ts';
import { requestStateOf, trackRequests } from './request-state.ts';
import { layoutRoutes, type MapLayoutsApi } from './layout-route.ts';
import { RESULTS_CSV_ROUTE } from './resolvers/annotation-jobs.ts';
import { resolvers } from './resolvers/index.ts';
import { resultsCsvRoute } from './results-csv.ts';
import { SubscriptionLimiter, bodyTimeout } from './traffic.ts';
import { UploadStore, uploadRoute } from './uploads.ts';

export const SCHEMA_PATH = new URL('../../schema.graphql', import.meta.url);
/** The explorer, built from web/ by `npm ci` (postinstall) or `npm run build:web`. */
export const WEB_DIST = new URL('../../web/dist/', import.meta.url);

export interface CreateServerOptions {
  readonly atlas: AtlasApi;
  readonly config: Config;
  readonly logger: Logger;
  /** The explorer's map (`Atlas.layouts`); without it the /layout routes answer 404. */
  readonly layouts?: MapLayoutsApi;
}

export interface ApiServer {
  readonly app: Express;
  /** Listens (default: PORT and HOST from the config); resolves once the port is bound. */
  listen(port?: number, host?: string): Promise<{ server: Server; url: string }>;
  /**
   * Stops taking requests, ends open subscriptions, lets requests in flight finish for up to
   * `graceMs`, then drops the remaining connections.
   */
  close(graceMs?: number): Promise<void>;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function authenticate(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    const role = verifier.roleOf(req.get('authorization'));
    if (role === 'invalid') {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      res.status(401).json(errorBody('UNAUTHENTICATED', 'The Authorization header holds no token this server knows; send Authorization: Bearer <token>.'));
      return;
    }
    requestStateOf(req)!.role = role;
    next();
  };
}

function requireReadAccess(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    if (!verifier.readTokenRequired || requestStateOf(req)!.role !== 'anonymous') return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(401).json(errorBody('UNAUTHENTICATED', 'This server needs a token for queries: send Authorization: Bearer <read token>.'));
  };
}

/**
 * Open sockets and whether a request is in flight on each. Node's closeIdleConnections() leaves
 * sockets that never carried a request (clients open them ahead of time), which would hold a
 * graceful close until the grace period ends.
 */
class ConnectionTracker {
  private readonly activeRequests = new Map<Socket, number>();

  track(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.activeRequests.set(socket, 0);
      socket.once('close', () => this.activeRequests.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      this.activeRequests.set(socket, (this.activeRequests.get(socket) ?? 0) + 1);
      res.once('close', () => {
        if (this.activeRequests.has(socket)) this.activeRequests.set(socket, this.activeRequests.get(socket)! - 1);
      });
    });
  }

  closeIdle(): void {
    for (const [socket, active] of this.activeRequests) if (active <= 0) socket.destroy();
  }
}

export function createServer({ atlas, config, logger, layouts }: CreateServerOptions): ApiServer {
  const verifier = new TokenVerifier(config.LANGCELL_ADMIN_TOKENS, config.LANGCELL_READ_TOKEN);
  const uploads = new UploadStore(resolve(config.LANGCELL_UPLOAD_DIR), config.LANGCELL_MAX_UPLOAD_BYTES);
  const ingestRoot = config.LANGCELL_INGEST_ROOT === undefined ? undefined : resolve(config.LANGCELL_INGEST_ROOT);
  const limits = apiLimits(config);
  const shutdown = new AbortController();
  const subscriptions = new SubscriptionLimiter(config.LANGCELL_MAX_SUBSCRIPTIONS, config.LANGCELL_MAX_SUBSCRIPTIONS_PER_CLIENT);
  // Every open subscription listens on the shutdown signal; the limiter bounds how many.
  setMaxListeners(config.LANGCELL_MAX_SUBSCRIPTIONS + 16, shutdown.signal);
  const corsOrigins = new Set(config.LANGCELL_CORS_ORIGINS);
  let closing: Promise<void> | null = null;
  let httpServer: Server | null = null;

  const yoga = createYoga<ServerContext, ApiServices>({
    schema: createSchema<ApiContext>({ typeDefs: readFileSync(SCHEMA_PATH, 'utf8'), resolvers }),
    graphqlEndpoint: '/graphql',
    // GraphiQL is served by graphiqlRoute (one static, compressed page), never rendered per request.
    graphiql: false,
    landingPage: false,
    // Same-origin by default: yoga's default reflects any Origin with credentials, which lets any
    // page a user visits read the atlas. Browsers get CORS headers only for configured origins.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin !== null && corsOrigins.has(origin) ? { origin: [origin], credentials: true } : false;
    },
    // Files go through POST /uploads, never through a GraphQL body.
    multipart: false,
    maxRequestBodySize: config.LANGCELL_BODY_LIMIT_BYTES,
    maskedErrors: { maskError, errorMessage: UNEXPECTED_ERROR_MESSAGE },
    logging: yogaLogger(logger),
    plugins: [
      ...operationLimitPlugins(config),
      useErrorHandler(({ errors, context }) => {
        // In the execution phase envelop passes the execution args, whose contextValue is ours.
        const scope = context as Partial<ServerContext> & { contextValue?: Partial<ServerContext> };
        const req = scope.contextValue?.req ?? scope.req;
        const log = (req && requestStateOf(req)?.log) ?? logger;
        for (const error of errors) {
          if (publicError(error) !== null || isAbortError(rootCause(error))) continue;
          const path = isGraphQLError(error) ? error.path?.join('.') : undefined;
          log.error({ err: rootCause(error), path }, 'unexpected error (masked for the client)');
        }
      }),
    ],
    context: ({ req }): ApiServices => {
      const state = requestStateOf(req)!;
      return {
        atlas,
        role: state.role,
        adminEnabled: verifier.adminEnabled,
        requestId: state.requestId,
        log: state.log,
        limits,
        uploads,
        ingestRoot,
        shutdown: shutdown.signal,
        subscriptions,
        client: req.socket.remoteAddress ?? 'unknown',
      };
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(trackRequests(logger));
  // Node's requestTimeout is off for the sake of streaming uploads; every other body gets this limit.
  app.use(bodyTimeout(config.LANGCELL_REQUEST_TIMEOUT_S * 1000, (req) => req.path === '/uploads' && verifier.roleOf(req.get('authorization')) === 'admin'));
  app.use((_req, res, next) => {
    if (closing === null) return next();
    res.setHeader('Connection', 'close');
    res.status(503).json(errorBody('SERVICE_CLOSING', 'The service is shutting down; retry shortly.'));
  });
  app.get('/healthz', async (req, res) => {
    const report = await checkHealth(atlas, requestStateOf(req)!.log, closing !== null);
    res.status(report.ok ? 200 : 503).json(report);
  });
  app.post('/uploads', authenticate(verifier), uploadRoute(uploads, verifier));
  if (layouts) app.use(layoutRoutes(layouts, [authenticate(verifier), requireReadAccess(verifier)], config.LANGCELL_MAX_TEXT_LENGTH));
  const webDist = fileURLToPath(WEB_DIST);
  if (existsSync(join(webDist, 'index.html'))) {
    // Hashed asset names change with every build, so they can be cached for good; index.html cannot.
    app.use('/assets', express.static(join(webDist, 'assets'), { immutable: true, maxAge: '1y', index: false }));
    app.get('/', (_req, res) => res.setHeader('Cache-Control', 'no-cache').sendFile(join(webDist, 'index.html')));
  } else {
    app.get('/', (_req, res) =>
      res
        .status(503)
        .type('text/plain')
        .send('The explorer has not been built (web/dist is missing): run `npm run build:web`, then reload. GraphQL is at /graphql.\n'),
    );
  }
  app.get(RESULTS_CSV_ROUTE, authenticate(verifier), requireReadAccess(verifier), resultsCsvRoute(atlas));
  const graphql: RequestHandler = (req, res) => void yoga(req, res);
  // GraphiQL with its scripts inlined (yoga's default page loads them from unpkg.com, which a
  // machine without internet cannot reach); the 9 MB renderer is imported on the first page request.
  const renderPage = async () => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL({ title: 'langcell-atlas', subscriptionsProtocol: 'SSE', endpoint: '/graphql' });
  app.get('/graphql', graphiqlRoute(renderPage, verifier));
  app.use('/graphql', authenticate(verifier), requireReadAccess(verifier), graphql);
  app.use((req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', `No route ${req.method} ${req.path}; the explorer is at /, the API at /graphql, uploads at POST /uploads, the map at GET /layout, results at GET /annotation-jobs/ID/results.csv.`));
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    (requestStateOf(req)?.log ?? logger).error({ err: error }, 'unexpected error (masked for the client)');
    if (!res.headersSent) res.status(500).json(errorBody('INTERNAL_SERVER_ERROR', UNEXPECTED_ERROR_MESSAGE));
  });

  const connections = new ConnectionTracker();

  // Uploads are inputs, not the atlas: once ingested (the cells are in the database) or abandoned
  // they only fill the disk. Swept at start and hourly; a file an unfinished ingestion reads stays.
  async function sweepUploads(): Promise<void> {
    try {
      const inUse = new Set([
        ...(await atlas.datasets()).filter((d) => d.state === 'INGESTING').map((d) => d.sourcePath),
        ...((await atlas.annotationSourcesInUse?.()) ?? []),
      ]);
      const removed = await uploads.sweep(config.LANGCELL_UPLOAD_TTL_HOURS * 3_600_000, inUse);
      if (removed.length > 0) logger.info({ removed }, `removed ${removed.length} uploads older than ${config.LANGCELL_UPLOAD_TTL_HOURS} h`);
    } catch (error) {
      logger.warn({ err: error }, 'upload sweep failed; will retry');
    }
  }
  const uploadSweeper = setInterval(() => void sweepUploads(), 3_600_000);
  uploadSweeper.unref();

  async function shutDown(graceMs: number): Promise<void> {
    shutdown.abort();
    clearInterval(uploadSweeper);
    const server = httpServer;
    if (server) {
      await new Promise<void>((done) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        // Connections become idle as their last response (an event stream too) ends.
        const sweep = setInterval(() => connections.closeIdle(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          done();
        });
        connections.closeIdle();
      });
    }
    await yoga.dispose();
    logger.info('service closed');
  }

  return {
    app,
    listen(port = config.PORT, host = config.HOST) {
      return new Promise((resolveListen, rejectListen) => {
        const server = createHttpServer(app);
        // Large uploads outlast Node's 5-minute whole-request limit; an idle socket is dropped instead.
        server.requestTimeout = 0;
        server.timeout = 120_000;
        connections.track(server);
        server.once('error', (error: NodeJS.ErrnoException) => {
          // A refusal people can act on, not a stack trace.
          if (error.code !== 'EADDRINUSE') return rejectListen(error);
          rejectListen(new AtlasError('PORT_IN_USE', `Port ${port} on ${host} is in use (another langcell-atlas serve?). Stop it, or choose another with PORT=….`, { field: 'PORT' }));
        });
        server.listen(port, host, () => {
          server.removeAllListeners('error');
          httpServer = server;
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          const url = `http://${shownHost}:${address.port}`;
          logger.info({ url: `${url}/graphql` }, 'service listening');
          void sweepUploads();
          resolveListen({ server, url });
        });
      });
    },
    close(graceMs = 10_000) {
      closing ??= shutDown(graceMs);
      return closing;
    },
  };
}
