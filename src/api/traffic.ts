/**
 * Protection against clients that hold the service's resources: a request body must arrive within
 * a time limit (Node's own `requestTimeout` is server-wide, and streaming uploads need none), and
 * open subscriptions are capped per client and in total (each one polls its job, so a thousand of
 * them slowed every search a hundredfold).
 */
import type { RequestHandler } from 'express';
import { errorBody } from './errors.ts';

/**
 * Ends a request whose body has not fully arrived `ms` after it started (408, then the socket is
 * closed), except where `exempt` says so (an admin's streaming upload).
 */
export function bodyTimeout(ms: number, exempt: (req: Parameters<RequestHandler>[0]) => boolean): RequestHandler {
  return (req, res, next) => {
    if (req.complete || exempt(req)) return next();
    const timer = setTimeout(() => {
      if (req.complete) return;
      req.unpipe();
      if (res.headersSent) {
        req.socket.destroy();
        return;
      }
      res.setHeader('Connection', 'close');
      res.status(408).json(errorBody('REQUEST_TIMEOUT', `The request body did not arrive within ${ms / 1000} s.`));
      res.once('finish', () => req.socket.destroy());
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    req.once('close', clear);
    res.once('close', clear);
    next();
  };
}

/** Counts open subscriptions by client; `acquire` refuses past either limit. */
export class SubscriptionLimiter {
  private total = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    readonly maxTotal: number,
    readonly maxPerClient: number,
  ) {}

  /** A release function (call it once, when the stream ends), or why the subscription is refused. */
  acquire(client: string): { release: () => void } | { refused: string } {
    const mine = this.byClient.get(client) ?? 0;
    if (mine >= this.maxPerClient) return { refused: `This client already has ${mine} open subscriptions (at most ${this.maxPerClient}); close one first.` };
    if (this.total >= this.maxTotal) return { refused: `The service has ${this.total} open subscriptions (at most ${this.maxTotal}); retry later or poll ingestionJob.` };
    this.total += 1;
    this.byClient.set(client, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.byClient.get(client) ?? 1) - 1;
        if (left > 0) this.byClient.set(client, left);
        else this.byClient.delete(client);
      },
    };
  }

  get open(): number {
    return this.total;
  }
}
