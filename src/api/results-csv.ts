/**
 * `GET /annotation-jobs/:id/results.csv`: every result of an annotation job as CSV, streamed a page at
 * a time from the store (never the whole table in memory). Read access, like /graphql.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { AtlasApi } from '../atlas/types.ts';
import { errorBody } from './errors.ts';
import { requestStateOf } from './request-state.ts';

const ID = /^[0-9]{1,15}$/;

export function resultsCsvRoute(atlas: AtlasApi): RequestHandler {
  return async (req: Request, res: Response) => {
    const given = String(req.params['id']);
    if (!ID.test(given)) return void res.status(400).json(errorBody('INVALID_ID', `The job id must be numeric, such as 42; got ${JSON.stringify(given.slice(0, 40))}.`));
    const id = Number(given);
    const job = await atlas.annotationJob(id);
    if (job === null) return void res.status(404).json(errorBody('NOT_FOUND', `No annotation job has id ${id}.`));
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="annotation-${id}-${job.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}.csv"`);
    try {
      for await (const text of atlas.annotationResultsCsv(id)) {
        if (!res.write(text)) await new Promise((drained) => res.once('drain', drained));
      }
      res.end();
    } catch (error) {
      requestStateOf(req)?.log.error({ err: error, annotationJobId: id }, 'results download failed');
      res.destroy(error instanceof Error ? error : undefined);
    }
  };
}
