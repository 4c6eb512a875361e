/**
 * Files named by mutations: an upload id (POST /uploads) or a path on the server. Server paths
 * must lie inside LANGCELL_INGEST_ROOT after symlinks are resolved; without a root they are
 * refused, so by default an admin token cannot make the service read arbitrary server files.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { FileSource, InputProblem } from './inputs.ts';
import type { UploadStore } from './uploads.ts';

/** `candidate` is `root` or inside it (both already real paths). */
function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export async function resolveServerPath(root: string | undefined, given: string, field: string): Promise<string | InputProblem> {
  if (root === undefined) {
    return {
      field,
      code: 'PATH_NOT_ALLOWED',
      message: 'This server reads no server paths (LANGCELL_INGEST_ROOT is not set); upload the file with POST /uploads and pass its uploadId.',
    };
  }
  const realRoot = await realpath(root).catch(() => null);
  if (realRoot === null) {
    return { field, code: 'PATH_NOT_ALLOWED', message: `The server's ingest root (LANGCELL_INGEST_ROOT) does not exist; ask the operator to fix it.` };
  }
  const lexical = resolve(realRoot, given);
  // Refuse before touching the file system, so probing paths outside the root reveals nothing.
  if (!isInside(realRoot, lexical) && !isInside(resolve(root), lexical)) {
    return { field, code: 'PATH_NOT_ALLOWED', message: `${given} is outside the server's ingest root; give a path inside it (relative paths are resolved from it).` };
  }
  const real = await realpath(lexical).catch(() => null);
  if (real === null) return { field, code: 'FILE_NOT_FOUND', message: `${given} does not exist in the server's ingest root.` };
  if (!isInside(realRoot, real)) {
    return { field, code: 'PATH_NOT_ALLOWED', message: `${given} leads outside the server's ingest root (through a symbolic link).` };
  }
  return real;
}

/** The file on disk for a checked source, or the problem (reported on `input.uploadId` / `input.path`). */
export async function resolveFileSource(source: FileSource, uploads: UploadStore, ingestRoot: string | undefined): Promise<string | InputProblem> {
  if ('path' in source) return resolveServerPath(ingestRoot, source.path, 'input.path');
  const path = await uploads.resolve(source.uploadId);
  if (path !== null) return path;
  return { field: 'input.uploadId', code: 'UPLOAD_NOT_FOUND', message: `No complete upload has id ${source.uploadId}; upload the file with POST /uploads first.` };
}
