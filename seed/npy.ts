// Minimal writer of NumPy .npy files (format version 1.0) for 1-D little-endian arrays, so the
// Python training script can np.load() the atlas without any TypeScript-side dependency.
// Format: b"\x93NUMPY", major 1, minor 0, uint16 LE header length, then an ASCII dict literal
// padded with spaces and ended by "\n" so that the data starts at a multiple of 64 bytes.

export type NpyArray = Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array | Uint8Array;

const NPY_MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const PREAMBLE_BYTES = NPY_MAGIC.length + 2 + 2; // magic, version, header length
const ALIGNMENT = 64;

/** NumPy dtype descriptor of a typed array ('<' = little-endian; '|' = byte order irrelevant). */
export function npyDescr(array: NpyArray): string {
  if (array instanceof Float32Array) return '<f4';
  if (array instanceof Float64Array) return '<f8';
  if (array instanceof Int32Array) return '<i4';
  if (array instanceof Uint32Array) return '<u4';
  if (array instanceof BigInt64Array) return '<i8';
  return '|u1';
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
}

/** The complete .npy file of a 1-D array. */
export function encodeNpy(array: NpyArray): Buffer {
  if (!isLittleEndianHost()) throw new Error('encodeNpy writes host-order bytes and needs a little-endian host');
  const dict = `{'descr': '${npyDescr(array)}', 'fortran_order': False, 'shape': (${array.length},), }`;
  const unpadded = PREAMBLE_BYTES + dict.length + 1; // + the terminating newline
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const header = dict + ' '.repeat(padding) + '\n';
  if (header.length > 0xffff) throw new Error('npy header too long for format version 1.0');

  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  preamble.set(NPY_MAGIC, 0);
  preamble[6] = 1; // major version
  preamble[7] = 0; // minor version
  preamble.writeUInt16LE(header.length, 8);
  const data = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), data]);
}
