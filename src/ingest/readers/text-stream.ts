/**
 * Byte streams of plain or gzip text files, with zlib and I/O failures mapped to AtlasError
 * (a gzip that ends early is FILE_TRUNCATED, one that is not gzip inside is FILE_CORRUPT), and a
 * push-based line splitter that never holds more than one input block plus one partial line.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AtlasError } from '../../errors.ts';

/** Whether the file starts with the gzip magic bytes (the extension is not trusted). */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** The decompressed bytes of `path`, block by block. */
export async function* readTextBytes(path: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const gzip = isGzipFile(path);
  const source = createReadStream(path, { highWaterMark: 1 << 16 });
  const stream = gzip ? pipeline(source, createGunzip(), () => undefined) : source;
  try {
    for await (const block of stream) {
      if (signal?.aborted) throw interrupted(path);
      yield block as Buffer;
    }
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    const code = errorCode(error);
    const reason = error instanceof Error ? error.message : String(error);
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(reason)) {
      throw new AtlasError(
        'FILE_TRUNCATED',
        `${path} is a truncated gzip file (${reason}). The copy or download did not finish; copy the file again.`,
        { path, reason },
      );
    }
    if (code?.startsWith('Z_')) {
      throw new AtlasError('FILE_CORRUPT', `${path} is not a valid gzip file (${reason}). Compress it again with gzip.`, {
        path,
        reason,
      });
    }
    throw error;
  } finally {
    stream.destroy();
  }
}

/** Receives each line (without its `\n` or `\r\n`) as a byte range, numbered from 1. */
export type LineHandler = (bytes: Buffer, start: number, end: number, lineNumber: number) => void;

/** Splits pushed blocks into lines; the only copy made is of a line that spans two blocks. */
export class LineSplitter {
  private carry: Buffer | undefined;
  private lineNumber = 0;

  constructor(private readonly onLine: LineHandler) {}

  push(block: Buffer): void {
    let from = 0;
    if (this.carry) {
      const newline = block.indexOf(10);
      if (newline < 0) {
        this.carry = Buffer.concat([this.carry, block]);
        return;
      }
      const joined = Buffer.concat([this.carry, block.subarray(0, newline)]);
      this.carry = undefined;
      this.emit(joined, 0, joined.length);
      from = newline + 1;
    }
    for (let newline = block.indexOf(10, from); newline >= 0; newline = block.indexOf(10, from)) {
      this.emit(block, from, newline);
      from = newline + 1;
    }
    if (from < block.length) this.carry = Buffer.from(block.subarray(from));
  }

  /** Flushes a last line that has no trailing newline. */
  end(): void {
    if (this.carry) {
      const last = this.carry;
      this.carry = undefined;
      this.emit(last, 0, last.length);
    }
  }

  private emit(bytes: Buffer, start: number, end: number): void {
    const trimmed = end > start && bytes[end - 1] === 13 ? end - 1 : end;
    this.onLine(bytes, start, trimmed, ++this.lineNumber);
  }
}

/** All lines of a small text file (features, barcodes); a trailing empty line is dropped. */
export async function readTextLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  const splitter = new LineSplitter((bytes, start, end) => lines.push(bytes.toString('utf8', start, end)));
  for await (const block of readTextBytes(path)) splitter.push(block);
  splitter.end();
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

/** What a scan aborted by its signal throws: nothing was written yet, so the fix is to run it again. */
export function interrupted(path: string): AtlasError {
  return new AtlasError('INTERRUPTED', `Reading ${path} was interrupted; nothing was stored. Run the same command again to start over.`, { path });
}
