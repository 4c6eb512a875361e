/**
 * API errors in words a biologist can act on. The service's messages already say what was wrong
 * and what to do; this adds what the page knows (a missing token, the server not answering) and
 * never shows a stack trace or a bare status code.
 */
export interface ApiProblem {
  readonly title: string;
  readonly detail: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function explain(error: unknown): ApiProblem {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'UNAUTHENTICATED':
        return { title: 'This needs a token', detail: `${error.message} Enter an admin token under Admin (ask whoever runs the service).` };
      case 'FORBIDDEN':
        return { title: 'Your token may not do this', detail: `${error.message} Adding references and editing labels needs an admin token.` };
      case 'NOT_FOUND':
        return { title: 'Not found', detail: `${error.message} It may have been deleted meanwhile; reload the page.` };
      case 'SERVICE_CLOSING':
        return { title: 'The service is restarting', detail: 'Wait a few seconds, then try again.' };
      case 'PAYLOAD_TOO_LARGE':
      case 'UPLOAD_TOO_LARGE':
        return { title: 'The file is too large', detail: `${error.message} Ask whoever runs the service to raise LANGCELL_MAX_UPLOAD_BYTES, or split the file.` };
      case 'NETWORK':
        return { title: 'The service does not answer', detail: 'Check that `npm start` is still running on this machine, then reload the page.' };
      case 'INTERNAL_SERVER_ERROR':
        return { title: 'Something went wrong on the server', detail: `${error.message} The server's log has the details; try again, and report it if it keeps happening.` };
      default:
        return { title: 'The service refused this', detail: error.message };
    }
  }
  if (error instanceof Error) return { title: 'Something went wrong in the page', detail: error.message };
  return { title: 'Something went wrong', detail: String(error) };
}
