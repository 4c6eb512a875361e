/**
 * Ingestion sources shared through PostgreSQL large objects, so that a worker on any machine with
 * the DATABASE_URL can read a file that was uploaded to (or lies on) another machine.
 *
 * Why large objects and not an S3-compatible store behind the same interface: every worker already
 * reaches this database (the queue and the cells live there), so large objects need no new
 * service, credentials or network path, and they are transactional with the dataset row (the
 * object goes when the dataset does: a trigger on `shared_source` unlinks it). They are streamed in
 * 1 MiB pieces both ways, never held whole in memory. The cost is database space for the time an
 * ingestion runs (the copy is dropped when it ends) and one extra copy of the file; past what a
 * database should hold (tens of GB per file, many at once) an object store is the better home, and
 * this module is the one place to swap. Directories (10x MTX folders given by server path) are not
 * shared: upload them as one file (.h5ad, .h5) or give every worker the same path.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Database } from './database.ts';

const PIECE_BYTES = 1 << 20;
// lo_open modes (libpq's INV_WRITE, INV_READ).
const INV_WRITE = 0x20000;
const INV_READ = 0x40000;

/** Copies the file at `path` into a large object recorded for `datasetId`. */
export async function shareSource(db: Database, datasetId: number, path: string): Promise<number> {
  return db.transaction(async (client) => {
    const created = await client.query<{ oid: number }>('SELECT lo_create(0) AS oid');
    const oid = created.rows[0]!.oid;
    const opened = await client.query<{ fd: number }>('SELECT lo_open($1, $2) AS fd', [oid, INV_WRITE]);
    const fd = opened.rows[0]!.fd;
    let bytes = 0;
    for await (const piece of createReadStream(path, { highWaterMark: PIECE_BYTES })) {
      await client.query('SELECT lowrite($1, $2)', [fd, piece as Buffer]);
      bytes += (piece as Buffer).length;
    }
    await client.query('SELECT lo_close($1)', [fd]);
    await client.query('INSERT INTO shared_source (dataset_id, object, bytes) VALUES ($1, $2, $3)', [datasetId, oid, bytes]);
    return bytes;
  });
}

/** Writes the shared copy of `datasetId`'s source to `target`; false when there is none. */
export async function fetchSharedSource(db: Database, datasetId: number, target: string): Promise<boolean> {
  return db.transaction(async (client) => {
    const row = await client.query<{ object: number }>('SELECT object FROM shared_source WHERE dataset_id = $1', [datasetId]);
    if (!row.rows[0]) return false;
    const opened = await client.query<{ fd: number }>('SELECT lo_open($1, $2) AS fd', [row.rows[0].object, INV_READ]);
    const fd = opened.rows[0]!.fd;
    const out = createWriteStream(target);
    try {
      for (;;) {
        const piece = await client.query<{ data: Buffer }>('SELECT loread($1, $2) AS data', [fd, PIECE_BYTES]);
        const data = piece.rows[0]!.data;
        if (data.length === 0) break;
        if (!out.write(data)) await once(out, 'drain');
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    await client.query('SELECT lo_close($1)', [fd]);
    return true;
  });
}

/** Drops the shared copy (the trigger unlinks its large object); the ingestion has ended. */
export async function dropSharedSource(db: Database, datasetId: number): Promise<void> {
  await db.pool.query('DELETE FROM shared_source WHERE dataset_id = $1', [datasetId]);
}
