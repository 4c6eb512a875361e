import { open } from 'node:fs/promises';

/**
 * NumPy `.npy` v1.0 writing: a header dict padded with spaces to a multiple of 64 bytes (ending
 * in '\n'), then the raw little-endian C-order data. Rows can be appended as they are produced, so
 * a large embedding matrix never sits in memory whole.
 */
export type NpyDtype = '<f4' | '<i4' | '<u4' | '<i8';

export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const padded = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = Buffer.alloc(padded, 0x20);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(padded - preamble, 8);
  header.write(dict, preamble, 'latin1');
  header[padded - 1] = 0x0a;
  return header;
}

/** Writes a 2-D float32 `.npy` whose row count is known up front, rows appended in order. */
export async function openNpyWriter(path: string, rows: number, columns: number) {
  const file = await open(path, 'w');
  await file.write(npyHeader('<f4', [rows, columns]));
  let written = 0;
  return {
    async append(data: Float32Array): Promise<void> {
      if (data.length % columns !== 0) throw new Error(`row data of ${data.length} values is not a multiple of ${columns}`);
      written += data.length / columns;
      if (written > rows) throw new Error(`more than the declared ${rows} rows written to ${path}`);
      await file.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    },
    async close(): Promise<void> {
      await file.close();
      if (written !== rows) throw new Error(`${path}: declared ${rows} rows, wrote ${written}`);
    },
  };
}
