/**
 * Per-request state shared by the express middlewares and the GraphQL context: the request id
 * (from a well-formed incoming `x-request-id`, else a new UUID; always echoed in the response),
 * a logger bound to it, and the caller's role. One log line per request, without headers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Role } from './auth.ts';

export interface RequestState {
  readonly requestId: string;
  readonly log: Logger;
  role: Role;
}

const states = new WeakMap<IncomingMessage, RequestState>();

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestStateOf(req: IncomingMessage): RequestState | undefined {
  return states.get(req);
}

export function trackRequests(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ requestId });
    states.set(req, { requestId, log, role: 'anonymous' });
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = req.originalUrl.split('?')[0];
      log.info({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, finished: res.writableFinished }, 'request');
    });
    next();
  };
}
