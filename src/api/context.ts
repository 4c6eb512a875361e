/**
 * What every resolver receives: the atlas, the caller's role and request id, the limits, and the
 * places files come from. Built once per request by the yoga `context` factory in server.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaInitialContext } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { AtlasApi } from '../atlas/types.ts';
import type { Role } from './auth.ts';
import type { ApiLimits } from './limits.ts';
import type { SubscriptionLimiter } from './traffic.ts';
import type { UploadStore } from './uploads.ts';

/** What express hands to yoga with each request. */
export interface ServerContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

export interface ApiServices {
  readonly atlas: AtlasApi;
  readonly role: Role;
  /** Whether any admin token is configured (for the refusal message). */
  readonly adminEnabled: boolean;
  readonly requestId: string;
  readonly log: Logger;
  readonly limits: ApiLimits;
  readonly uploads: UploadStore;
  readonly ingestRoot: string | undefined;
  /** Aborted when the server closes: open subscriptions end. */
  readonly shutdown: AbortSignal;
  /** Open subscriptions, capped per client (`client`: its address) and in total. */
  readonly subscriptions: SubscriptionLimiter;
  readonly client: string;
}

export type ApiContext = YogaInitialContext & ServerContext & ApiServices;
