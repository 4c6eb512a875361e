/**
 * Regroups (cell, gene, value) entries that arrive in gene order (CSC h5ad) or in no order
 * (an unsorted MatrixMarket file) into cell-major chunks, with bounded memory.
 *
 * One pass appends each entry to the temporary file of its *bucket* (a run of consecutive cells
 * that is a whole number of chunks); then buckets are read back one at a time and counting-sorted
 * by cell. Memory: at most MAX_BUCKETS write buffers (256 × 64 KiB = 16 MiB) while spooling, then
 * one bucket's entries (≈ 12 B × nnz × bucketCells / nCells, plus its CSR) while reading. With
 * 256 buckets a 2-billion-entry matrix needs ≈ 94 MB per bucket. Disk: 12 B per entry, removed
 * when iteration ends (or the spool is disposed).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, fstatSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CsrRows } from './csr.ts';
import { tripletsToCsr } from './csr.ts';

const MAX_BUCKETS = 256;
const RECORD_BYTES = 12; // uint32 cell-within-bucket, uint32 gene, float32 value
const BUFFER_RECORDS = 5461; // ≈ 64 KiB per bucket buffer

export interface BucketRows extends CsrRows {
  /** First cell (global row number) of the bucket. */
  readonly firstCell: number;
  readonly nCells: number;
}

export class CellBucketSpool {
  readonly bucketCells: number;
  readonly nBuckets: number;
  private readonly directory: string;
  private readonly fds: (number | undefined)[];
  private readonly buffers: (Buffer | undefined)[];
  private readonly fill: Uint32Array;
  private disposed = false;

  /** `onDuplicate` refuses a repeated (cell, gene) entry (cell relative to the spool) instead of summing it. */
  constructor(
    private readonly nCells: number,
    cellsPerChunk: number,
    private readonly onDuplicate?: (cell: number, gene: number) => never,
  ) {
    const nChunks = Math.max(1, Math.ceil(nCells / cellsPerChunk));
    this.bucketCells = Math.ceil(nChunks / MAX_BUCKETS) * cellsPerChunk;
    this.nBuckets = Math.max(1, Math.ceil(nCells / this.bucketCells));
    this.directory = mkdtempSync(join(tmpdir(), 'langcell-spool-'));
    this.fds = new Array<number | undefined>(this.nBuckets).fill(undefined);
    this.buffers = new Array<Buffer | undefined>(this.nBuckets).fill(undefined);
    this.fill = new Uint32Array(this.nBuckets);
  }

  /** Appends one entry; `cell` must be in [0, nCells). */
  add(cell: number, gene: number, value: number): void {
    const bucket = Math.floor(cell / this.bucketCells);
    let buffer = this.buffers[bucket];
    if (!buffer) {
      buffer = Buffer.allocUnsafe(BUFFER_RECORDS * RECORD_BYTES);
      this.buffers[bucket] = buffer;
    }
    const offset = (this.fill[bucket] ?? 0) * RECORD_BYTES;
    buffer.writeUInt32LE(cell - bucket * this.bucketCells, offset);
    buffer.writeUInt32LE(gene, offset + 4);
    buffer.writeFloatLE(value, offset + 8);
    if (++this.fill[bucket]! === BUFFER_RECORDS) this.flush(bucket);
  }

  /** Writes out every buffer; call once after the last `add`. */
  finish(): void {
    for (let bucket = 0; bucket < this.nBuckets; bucket++) this.flush(bucket);
    this.buffers.fill(undefined);
  }

  /** The buckets in cell order, each as CSR rows for its cells. */
  *buckets(): Generator<BucketRows> {
    for (let bucket = 0; bucket < this.nBuckets; bucket++) {
      const firstCell = bucket * this.bucketCells;
      const nCells = Math.min(this.bucketCells, this.nCells - firstCell);
      yield { firstCell, nCells, ...this.readBucket(bucket, nCells) };
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const fd of this.fds) if (fd !== undefined) closeSync(fd);
    rmSync(this.directory, { recursive: true, force: true });
  }

  private flush(bucket: number): void {
    const count = this.fill[bucket] ?? 0;
    const buffer = this.buffers[bucket];
    if (count === 0 || !buffer) return;
    let fd = this.fds[bucket];
    if (fd === undefined) {
      fd = openSync(join(this.directory, `bucket-${bucket}.bin`), 'w+');
      this.fds[bucket] = fd;
    }
    writeSync(fd, buffer, 0, count * RECORD_BYTES);
    this.fill[bucket] = 0;
  }

  private readBucket(bucket: number, nCells: number): CsrRows {
    const fd = this.fds[bucket];
    const size = fd === undefined ? 0 : fstatSync(fd).size;
    const count = size / RECORD_BYTES;
    const bytes = Buffer.alloc(size);
    if (fd !== undefined) {
      for (let read = 0; read < size; ) read += readSync(fd, bytes, read, size - read, read);
    }
    const cells = new Uint32Array(count);
    const genes = new Uint32Array(count);
    const values = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      const offset = k * RECORD_BYTES;
      cells[k] = bytes.readUInt32LE(offset);
      genes[k] = bytes.readUInt32LE(offset + 4);
      values[k] = bytes.readFloatLE(offset + 8);
    }
    const firstCell = bucket * this.bucketCells;
    const onDuplicate = this.onDuplicate;
    return tripletsToCsr(nCells, count, cells, genes, values, onDuplicate && ((cell, gene) => onDuplicate(firstCell + cell, gene)));
  }
}

/** Cuts a bucket's CSR rows into chunks of at most `cellsPerChunk` cells. */
export function* sliceRows(rows: CsrRows, cellsPerChunk: number): Generator<{ offset: number } & CsrRows> {
  const nRows = rows.indptr.length - 1;
  for (let offset = 0; offset < nRows; offset += cellsPerChunk) {
    const end = Math.min(nRows, offset + cellsPerChunk);
    const lo = rows.indptr[offset] ?? 0;
    const hi = rows.indptr[end] ?? 0;
    const indptr = new Uint32Array(end - offset + 1);
    for (let row = offset; row <= end; row++) indptr[row - offset] = (rows.indptr[row] ?? 0) - lo;
    yield { offset, indptr, indices: rows.indices.slice(lo, hi), values: rows.values.slice(lo, hi) };
  }
}
