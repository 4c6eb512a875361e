import { open } from 'node:fs/promises';

/**
 * NumPy `.npy` v1.0 writing: a header dict padded with spaces to a multiple of 64 bytes (ending
 * in '\n'), then the raw little-endian C-order data. Rows can be appended as they are produced, so
 * a large embedding matrix never sits in memory whole.
 */
export type NpyDtype = '<f4' | '<f8' | '<i4' | '<u4' | '<i8' | '|u1';
export type NpyArray = Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array | Uint8Array;

/** NumPy dtype of a typed array; x86/ARM hosts are little-endian, which the bytes below assume. */
export function npyDtypeOf(array: NpyArray): NpyDtype {
  if (array instanceof Float32Array) return '<f4';
  if (array instanceof Float64Array) return '<f8';
  if (array instanceof Int32Array) return '<i4';
  if (array instanceof Uint32Array) return '<u4';
  if (array instanceof BigInt64Array) return '<i8';
  return '|u1';
}

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

/** The complete `.npy` file of a 1-D array. */
export function encodeNpy(array: NpyArray): Buffer {
  return Buffer.concat([npyHeader(npyDtypeOf(array), [array.length]), Buffer.from(array.buffer, array.byteOffset, array.byteLength)]);
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
