/**
 * What clients see when something is refused or fails. Every error leaves the service with a
 * stable `extensions.code`: the API's own codes below, the atlas's `AtlasError` codes
 * (src/errors.ts) passed through with their message, GraphQL's and yoga's codes for malformed
 * requests, and `INTERNAL_SERVER_ERROR` ("Unexpected error.") for everything else, which is
 * logged with the request id and never shown.
 */
import { GraphQLError } from 'graphql';
import { isAtlasError, type ErrorCode } from '../errors.ts';

export type ApiErrorCode =
  // who may ask
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  // arguments
  | 'BAD_USER_INPUT'
  | 'INVALID_ID'
  | 'K_TOO_LARGE'
  | 'TOP_M_TOO_LARGE'
  | 'TEXT_TOO_LONG'
  | 'TOO_MANY_GENES'
  | 'EXPRESSION_LENGTH_MISMATCH'
  | 'EXACTLY_ONE_REQUIRED'
  // mutation inputs (reported in payload `errors`)
  | 'REQUIRED'
  | 'TOO_LONG'
  | 'UPLOAD_NOT_FOUND'
  | 'PATH_NOT_ALLOWED'
  | 'FILE_NOT_FOUND'
  // the operation itself (graphql-armor)
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COMPLEX'
  | 'TOO_MANY_ALIASES'
  | 'TOO_MANY_DIRECTIVES'
  | 'TOO_MANY_TOKENS'
  // HTTP
  | 'REQUEST_ENTITY_TOO_LARGE'
  | 'UPLOAD_TOO_LARGE'
  | 'EMPTY_UPLOAD'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'SERVICE_CLOSING'
  | 'REQUEST_TIMEOUT'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'INTERNAL_SERVER_ERROR';

/** A code an `InputError` may carry: the API's input codes or the atlas's own. */
export type InputErrorCode = ApiErrorCode | ErrorCode;

export const UNEXPECTED_ERROR_MESSAGE = 'Unexpected error.';

const HTTP_STATUS: Partial<Record<ApiErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TOO_MANY_SUBSCRIPTIONS: 429,
};

/** A refusal the client can act on. `details` (for example the limit) go into `extensions`. */
export function apiError(code: ApiErrorCode, message: string, details: Record<string, string | number> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...details, ...(status === undefined ? {} : { http: { status } }) },
  });
}

/**
 * By name, not `instanceof`: graphql-js can be loaded twice (its CommonJS and ES builds, e.g.
 * yoga's copy and ours under a bundler), and errors from either must be recognised.
 */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/**
 * The error as a client may see it, or null when it is internal. Resolver errors reach here
 * wrapped by graphql-js (`originalError` holds what was thrown).
 */
export function publicError(error: unknown): GraphQLError | null {
  if (isAtlasError(error)) return new GraphQLError(error.message, { extensions: { code: error.code } });
  if (!isGraphQLError(error)) return null;
  const original = error.originalError;
  if (original === undefined || original === null || isGraphQLError(original)) return withCode(error);
  if (isAtlasError(original)) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: { code: original.code },
    });
  }
  return null;
}

/**
 * Parse and validation errors carry codes by now (yoga adds them); what graphql-js reports
 * without one is a request it could not coerce (variables of the wrong type): BAD_USER_INPUT.
 */
function withCode(error: GraphQLError): GraphQLError {
  // yoga copies a body parser's error into `extensions.originalError`, whose message quotes the
  // body (a 4 MB body came back whole). Only its name is kept, in place: yoga recognises its request
  // errors by instance, and answers 400 rather than 200 only while that extension is there.
  const extensions = error.extensions as Record<string, unknown>;
  const parserError = extensions['originalError'];
  if (parserError && typeof parserError === 'object' && 'message' in parserError) {
    extensions['originalError'] = { name: (parserError as { name?: unknown }).name ?? 'Error' };
  }
  if (typeof error.extensions['code'] === 'string') return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}

/** For yoga's `maskedErrors`: known errors pass with their code, the rest become one message. */
export function maskError(error: unknown, message: string): Error {
  const known = publicError(error);
  if (known) return known;
  const located = isGraphQLError(error) ? error : undefined;
  return new GraphQLError(message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
}

/** What was really thrown, for the log. */
export function rootCause(error: unknown): unknown {
  let current = error;
  while (isGraphQLError(current) && current.originalError) current = current.originalError;
  return current;
}

/** The JSON body of a refusal outside GraphQL execution (auth, uploads): the GraphQL error shape. */
export function errorBody(code: ApiErrorCode, message: string): { errors: { message: string; extensions: { code: ApiErrorCode } }[] } {
  return { errors: [{ message, extensions: { code } }] };
}
