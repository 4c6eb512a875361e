// Floating-point work of a BERT encoder pass, counted as 2 FLOPs per multiply-add of the matrix
// products (what dominates; LayerNorm, softmax, GELU/ReLU and embeddings are left out).

export interface EncoderDims {
  layers: number;
  hidden: number;
  intermediate: number;
  /** Output width of the projection on the first token (256 for LangCell). */
  projection: number;
}

/**
 * FLOPs of one sequence of `length` tokens: per layer Q, K, V and output projections (4·H²) and
 * the feed-forward pair (2·H·I) for every token, plus Q·Kᵀ and P·V (2·L²·H multiply-adds over all heads).
 */
export function encoderFlops(length: number, dims: EncoderDims): number {
  const perTokenMacs = 4 * dims.hidden * dims.hidden + 2 * dims.hidden * dims.intermediate;
  const attentionMacs = 2 * length * length * dims.hidden;
  return dims.layers * 2 * (length * perTokenMacs + attentionMacs) + 2 * dims.hidden * dims.projection;
}

/** FLOPs of a padded batch: every row is computed at the batch's padded length. */
export function paddedBatchFlops(rows: number, paddedLength: number, dims: EncoderDims): number {
  return rows * encoderFlops(paddedLength, dims);
}
