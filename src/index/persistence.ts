/**
 * Files of a persisted index: `cells.hnsw` (hnswlib's own format) and its sidecar
 * `cells.hnsw.json`, which says what the index file holds and binds the two by the index file's
 * sha256. Each is written to a temporary file in the same directory, fsynced and renamed over the
 * old one; the directory is fsynced after each rename.
 *
 * A crash between the two renames leaves the new index beside the old sidecar: the checksums then
 * disagree and loading reports it, so the caller rebuilds from the database (the index is a cache).
 * A crash before the first rename leaves only a temporary file, removed by the next save.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { processGone } from '../process-liveness.ts';
import { join } from 'node:path';
import { z } from 'zod';

export const INDEX_FILE = 'cells.hnsw';
export const SIDECAR_FILE = 'cells.hnsw.json';
export const SIDECAR_FORMAT = 'langcell-hnsw/1';

const TEMP_SUFFIX = '.tmp';

const paramsSchema = z.object({
  M: z.number().int().min(2),
  efConstruction: z.number().int().min(1),
  efSearch: z.number().int().min(1),
});

const sidecarSchema = z.object({
  format: z.literal(SIDECAR_FORMAT),
  modelId: z.string().min(1),
  dim: z.number().int().min(1),
  space: z.literal('ip'),
  params: paramsSchema,
  /** Live cells (deleted ones excluded). */
  elementCount: z.number().int().min(0),
  /** Cells marked deleted that the file still holds. */
  deletedCount: z.number().int().min(0),
  /** Highest live cell id; 0 when the index is empty. */
  maxCellId: z.number().int().min(0),
  /** Sum of the live cell ids, as a decimal string (exact beyond 2^53). */
  cellIdSum: z.string().regex(/^\d+$/),
  indexFile: z.literal(INDEX_FILE),
  indexBytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  savedAt: z.string(),
  /** The caller's JSON value (null when none was given). */
  extra: z.json(),
});

/**
 * What a saved index holds; written beside the index file. `extra` is whatever JSON value the
 * caller saved: `unknown` here, for the caller to check against its own shape.
 */
export type IndexSidecar = Omit<z.infer<typeof sidecarSchema>, 'extra'> & { readonly extra: unknown };

/** The sidecar of `dir`, or why it cannot be used. */
export async function readSidecar(dir: string): Promise<IndexSidecar | { problem: string; missing: boolean }> {
  const path = join(dir, SIDECAR_FILE);
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: `no saved index in ${dir} (${SIDECAR_FILE} is missing)`, missing: true };
    return { problem: `cannot read ${path}: ${(error as Error).message}`, missing: false };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `${path} is not valid JSON (damaged or cut short)`, missing: false };
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== SIDECAR_FORMAT) {
    return { problem: `${path} has format ${JSON.stringify(format)}, this version reads ${SIDECAR_FORMAT}`, missing: false };
  }
  const parsed = sidecarSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `${path} is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`, missing: false };
  }
  return parsed.data;
}

/** A fresh temporary path in `dir` for `name` (same directory, so the rename is atomic). */
export function temporaryPath(dir: string, name: string): string {
  return join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/**
 * Removes temporary files left in `dir` by saves that crashed: this process's, and those of
 * processes that no longer exist (the pid is in the name). Another live process's file is a save
 * in progress (two processes sharing a data dir) and is left alone.
 */
export async function removeStaleTemporaryFiles(dir: string): Promise<void> {
  const entries = await readdir(dir);
  const writerGone = (entry: string): boolean => {
    const pid = Number(/\.(\d+)\.[0-9a-f]+\.tmp$/.exec(entry)?.[1]);
    return !Number.isInteger(pid) || pid === process.pid || processGone(pid);
  };
  const stale = entries.filter((entry) => [INDEX_FILE, SIDECAR_FILE].some((name) => entry.startsWith(`.${name}.`)) && entry.endsWith(TEMP_SUFFIX) && writerGone(entry));
  await Promise.all(stale.map((entry) => rm(join(dir, entry), { force: true })));
}

export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes renames in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a complete, fsynced temporary file over `dir/name` and makes the rename durable. */
export async function commitTemporaryFile(temporary: string, dir: string, name: string): Promise<void> {
  await rename(temporary, join(dir, name));
  await syncDirectory(dir);
}

/** Writes `dir/name` atomically: temporary file, fsync, rename, fsync of the directory. */
export async function writeFileAtomically(dir: string, name: string, contents: string): Promise<void> {
  const temporary = temporaryPath(dir, name);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await commitTemporaryFile(temporary, dir, name);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
