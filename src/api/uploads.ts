/**
 * `POST /uploads`: a reference or label file streamed to disk (the request body is the file's
 * raw bytes; `?filename=pbmc.h5ad` keeps its name, which format detection uses). The file is
 * written under `<dir>/.incoming-<id>/` and the folder renamed to `<dir>/<id>/` only when complete,
 * so an upload id always names a whole file; an aborted or oversized upload leaves nothing.
 * GraphQL then refers to the file by its upload id.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { adminRefusal, type Role, type TokenVerifier } from './auth.ts';
import { errorBody } from './errors.ts';
import { requestStateOf } from './request-state.ts';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INCOMPLETE = /^\.incoming-[0-9a-f-]{36}$/;

export interface StoredUpload {
  readonly uploadId: string;
  readonly filename: string;
  readonly bytes: number;
}

class UploadTooLarge extends Error {}
class UploadAborted extends Error {}

/** A name safe on any file system that keeps the extension; never hidden, never a path. */
export function safeFilename(requested: string | undefined): string {
  const base = (requested ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.]+/, '').slice(-200);
  return cleaned.length > 0 ? cleaned : 'upload';
}

export class UploadStore {
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Streams the request body to disk; throws `UploadTooLarge` or `UploadAborted` having removed the partial file. */
  async receive(req: IncomingMessage, requestedName: string | undefined): Promise<StoredUpload> {
    const uploadId = randomUUID();
    const filename = safeFilename(requestedName);
    const incoming = join(this.dir, `.incoming-${uploadId}`);
    await mkdir(incoming, { recursive: true });
    let bytes = 0;
    const maxBytes = this.maxBytes;
    const limiter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxBytes) callback(new UploadTooLarge());
        else callback(null, chunk);
      },
    });
    // pipe(), not pipeline(req, …): a refused upload must not destroy the socket before the 413 is sent.
    const onClose = () => {
      if (!req.complete) limiter.destroy(new UploadAborted());
    };
    req.once('close', onClose);
    req.pipe(limiter);
    try {
      await pipeline(limiter, createWriteStream(join(incoming, filename), { flags: 'wx' }));
      await rename(incoming, join(this.dir, uploadId));
      return { uploadId, filename, bytes };
    } catch (error) {
      req.unpipe(limiter);
      await rm(incoming, { recursive: true, force: true });
      throw error;
    } finally {
      req.off('close', onClose);
    }
  }

  /**
   * Removes uploads older than `maxAgeMs` (by their folder's mtime) unless `inUse` holds their
   * file: an ingestion still reading it, and resumable after a restart, keeps it. Also removes
   * `.incoming-` leftovers of that age (a crash mid-upload). Returns the removed folder names.
   */
  async sweep(maxAgeMs: number, inUse: ReadonlySet<string>, now = Date.now()): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch {
      return []; // nothing uploaded yet
    }
    const removed: string[] = [];
    for (const entry of entries) {
      if (!UPLOAD_ID.test(entry) && !INCOMPLETE.test(entry)) continue;
      const folder = join(this.dir, entry);
      try {
        if (now - (await stat(folder)).mtimeMs < maxAgeMs) continue;
        const files = await readdir(folder);
        if (files.some((file) => inUse.has(join(folder, file)))) continue;
        await rm(folder, { recursive: true, force: true });
        removed.push(entry);
      } catch {
        // removed by someone else meanwhile
      }
    }
    return removed;
  }

  /** The stored file of an upload id, or null when there is none. */
  async resolve(uploadId: string): Promise<string | null> {
    if (!UPLOAD_ID.test(uploadId)) return null;
    const folder = join(this.dir, uploadId);
    try {
      const [file] = await readdir(folder);
      return file === undefined ? null : join(folder, file);
    } catch {
      return null;
    }
  }
}

function refuse(res: Response, status: number, body: ReturnType<typeof errorBody>): void {
  res.status(status).json(body);
}

/** What an upload is for: a reference or label file (admin), or a query file to annotate (read access, as `annotateFile`). */
const PURPOSES = ['reference', 'annotation'] as const;

function uploadRefusal(purpose: (typeof PURPOSES)[number], role: Role, verifier: TokenVerifier): ReturnType<typeof adminRefusal> {
  if (purpose === 'reference') return adminRefusal(role, verifier.adminEnabled);
  if (role !== 'anonymous' || !verifier.readTokenRequired) return null;
  return { code: 'UNAUTHENTICATED', message: 'Uploading a file to annotate needs a token: send Authorization: Bearer <read token>.' };
}

export function uploadRoute(store: UploadStore, verifier: TokenVerifier): RequestHandler {
  return async (req: Request, res: Response) => {
    const state = requestStateOf(req)!;
    const purpose = req.query['purpose'] ?? 'reference';
    if (typeof purpose !== 'string' || !(PURPOSES as readonly string[]).includes(purpose)) {
      return refuse(res, 400, errorBody('BAD_USER_INPUT', `purpose is ${PURPOSES.join(' or ')} (annotation: a query file for annotateFile; a read token may upload it).`));
    }
    const refusal = uploadRefusal(purpose as (typeof PURPOSES)[number], state.role, verifier);
    if (refusal) {
      if (refusal.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer');
      return refuse(res, refusal.code === 'FORBIDDEN' ? 403 : 401, errorBody(refusal.code, refusal.message));
    }
    if (req.is('multipart/form-data')) {
      return refuse(
        res,
        415,
        errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send the file as the raw request body (curl --data-binary @file), not as a multipart form.'),
      );
    }
    const declared = Number(req.get('content-length'));
    const tooLarge = errorBody('UPLOAD_TOO_LARGE', `Uploads are at most ${store.maxBytes} bytes on this server (LANGCELL_MAX_UPLOAD_BYTES).`);
    if (Number.isFinite(declared) && declared > store.maxBytes) {
      res.setHeader('Connection', 'close');
      return refuse(res, 413, tooLarge);
    }
    const filename = typeof req.query['filename'] === 'string' ? req.query['filename'] : undefined;
    try {
      const stored = await store.receive(req, filename);
      if (stored.bytes === 0) {
        // Refused here rather than at ingestion, where an empty file would only say "not HDF5".
        await rm(join(store.dir, stored.uploadId), { recursive: true, force: true });
        return refuse(res, 400, errorBody('EMPTY_UPLOAD', 'The upload was empty (0 bytes); send the file as the request body (curl --data-binary @file).'));
      }
      state.log.info({ uploadId: stored.uploadId, filename: stored.filename, bytes: stored.bytes, purpose }, 'upload stored');
      res.status(201).json(stored);
    } catch (error) {
      if (error instanceof UploadTooLarge) {
        state.log.warn({ maxBytes: store.maxBytes }, 'upload refused: too large');
        res.setHeader('Connection', 'close');
        return refuse(res, 413, tooLarge);
      }
      if (error instanceof UploadAborted) {
        state.log.warn('upload aborted by the client; partial file removed');
        return;
      }
      state.log.error({ err: error }, 'upload failed');
      if (!res.headersSent) refuse(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Unexpected error.'));
    }
  };
}
