/**
 * Compact byte forms of what cells carry: embeddings as float32 little-endian, token ids as uint16
 * little-endian (Geneformer's vocabulary has 25,426 tokens; a bundle with more than 65,535 is
 * refused when it is registered, see models.ts).
 */
export const MAX_STORABLE_TOKEN_ID = 0xffff;

export function encodeEmbedding(vector: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i += 1) out.writeFloatLE(vector[i]!, i * 4);
  return out;
}

export function decodeEmbedding(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i += 1) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function encodeTokens(tokens: Int32Array): Buffer {
  const out = Buffer.allocUnsafe(tokens.length * 2);
  for (let i = 0; i < tokens.length; i += 1) out.writeUInt16LE(tokens[i]!, i * 2);
  return out;
}

export function decodeTokens(bytes: Uint8Array): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = view.getUint16(i * 2, true);
  return out;
}
