/**
 * The explorer's map over REST, in binary: a million cells as JSON would be ~40 MB of text to
 * parse; as typed arrays they are 12 MB of coordinates (plus 2 MB per colour column) that the
 * browser hands to WebGL without a per-point object.
 *
 *   GET /layout                        JSON: current version, the run in progress, colour columns
 *   GET /layout/:version/points        int32 LE cell ids (n, ascending), then float32 LE x,y (2n)
 *   GET /layout/:version/colors?by=C   uint32 LE header length h, h bytes of JSON
 *                                      {by, categories: [{name, cells}]}, zero bytes up to a
 *                                      multiple of 4, then uint16 LE codes (n; 65535 = cell gone)
 *   GET /layout/:version/similarity?text=T   the same frame with JSON {scored, floor, ceiling},
 *                                      then float32 LE cosine similarities (n; NaN = not among
 *                                      the scored most similar, so at most `floor`)
 *
 * A version never changes once READY, so its points may be cached for good; colours change when
 * datasets come and go (deleted cells turn 65535), so they are revalidated.
 */
import { Router, type RequestHandler } from 'express';
import type { CategoryCodes, HeatValues, MapStatus } from '../layout/map-layouts.ts';
import { HIDDEN_CODE, parseColumn } from '../layout/map-layouts.ts';
import type { CategoryColumn, LayoutPoints, LayoutRecord } from '../store/layouts.ts';
import { errorBody } from './errors.ts';

/** What the route needs of the atlas's map (`Atlas.layouts`). */
export interface MapLayoutsApi {
  status(): Promise<MapStatus>;
  points(version: number): Promise<LayoutPoints | null>;
  categories(version: number, column: CategoryColumn): Promise<CategoryCodes | null>;
  heat(version: number, text: string): Promise<HeatValues | null>;
}

function describe(record: LayoutRecord) {
  return {
    version: record.version,
    state: record.state,
    method: record.method,
    cells: record.state === 'READY' ? record.processedCells : undefined,
    sampleCells: record.sampleCells,
    stage: record.stage,
    processedCells: record.processedCells,
    totalCells: record.totalCells,
    progress: record.totalCells > 0 ? record.processedCells / record.totalCells : 0,
    seconds: record.seconds,
    errorMessage: record.errorMessage,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
  };
}

/** A JSON header and a typed array in one body (see the file comment). */
function frame(header: Record<string, unknown>, values: Uint16Array | Float32Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((4 + json.length) / 4) * 4;
  const body = Buffer.alloc(padded + values.byteLength);
  body.writeUInt32LE(json.length, 0);
  json.copy(body, 4);
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(body, padded);
  return body;
}

export function encodeColorFrame(by: string, codes: CategoryCodes): Buffer {
  return frame({ by, categories: codes.categories, hiddenCode: HIDDEN_CODE }, codes.codes);
}

export function encodeHeatFrame(heat: HeatValues): Buffer {
  return frame({ scored: heat.scored, floor: heat.floor, ceiling: heat.ceiling }, heat.similarities);
}

export function layoutRoutes(layouts: MapLayoutsApi, guards: readonly RequestHandler[], maxTextLength: number): Router {
  const router = Router();
  const version = (raw: unknown): number | null => (typeof raw === 'string' && /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null);
  const gone = (v: unknown) =>
    errorBody('NOT_FOUND', `Layout version ${String(v)} is not available (it was replaced by a newer one); read GET /layout for the current version.`);

  router.get('/layout', ...guards, async (_req, res, next) => {
    try {
      const status = await layouts.status();
      res.setHeader('Cache-Control', 'no-store');
      res.json({ current: status.current && describe(status.current), pending: status.pending && describe(status.pending), colorBy: status.colorBy });
    } catch (error) {
      next(error);
    }
  });

  router.get('/layout/:version/points', ...guards, async (req, res, next) => {
    try {
      const v = version(req.params.version);
      const points = v === null ? null : await layouts.points(v);
      if (!points) return void res.status(404).json(gone(req.params.version));
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('X-Layout-Cells', String(points.cellIds.length));
      res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
      res.end(Buffer.concat([Buffer.from(points.cellIds.buffer, points.cellIds.byteOffset, points.cellIds.byteLength), Buffer.from(points.coords.buffer, points.coords.byteOffset, points.coords.byteLength)]));
    } catch (error) {
      next(error);
    }
  });

  router.get('/layout/:version/colors', ...guards, async (req, res, next) => {
    try {
      const by = typeof req.query.by === 'string' ? req.query.by : 'label';
      const column = parseColumn(by);
      if (!column) {
        return void res.status(400).json(errorBody('BAD_USER_INPUT', `Cannot colour by "${by}": use label (harmonised cell type), sourceLabel, dataset or metadata.<column> (GET /layout lists them).`));
      }
      const v = version(req.params.version);
      const codes = v === null ? null : await layouts.categories(v, column);
      if (!codes) return void res.status(404).json(gone(req.params.version));
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Cache-Control', 'no-cache');
      res.end(encodeColorFrame(by, codes));
    } catch (error) {
      next(error);
    }
  });
  router.get('/layout/:version/similarity', ...guards, async (req, res, next) => {
    try {
      const text = typeof req.query.text === 'string' ? req.query.text.trim() : '';
      if (!text || text.length > maxTextLength) {
        return void res.status(400).json(errorBody('BAD_USER_INPUT', `Give the text to compare cells with as ?text=… (1 to ${maxTextLength} characters).`));
      }
      const v = version(req.params.version);
      const heat = v === null ? null : await layouts.heat(v, text);
      if (!heat) return void res.status(404).json(gone(req.params.version));
      res.setHeader('Content-Type', 'application/octet-stream');
      res.setHeader('Cache-Control', 'no-store');
      res.end(encodeHeatFrame(heat));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
