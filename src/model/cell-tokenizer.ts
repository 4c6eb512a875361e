import type { ValueKind } from './expression-values.ts';
import { toCountScale } from './expression-values.ts';
import type { GeneMapping } from './genes.ts';
import type { CellChunk, ValuePrecision } from './cells.ts';

/**
 * Geneformer's rank-value encoding as LangCell applies it (langcell-model.md §1):
 *   v_g = x_g / n_counts × 10,000 / median_g   for vocabulary genes with x_g > 0,
 * genes sorted by v descending (ties: lower file column first — numpy's unstable argsort order is
 * not reproducible, this rule is), then `<cls>` + the top maxLength−1 gene tokens. No padding here;
 * batches are padded by the encoder.
 */
/** Genes of a tokenized cell that the model reads: its tokens after `<cls>`, in rank order. */
export function genesInTokens(tokens: ArrayLike<number>): number {
  return Math.max(0, tokens.length - 1);
}

export class CellTokenizer {
  constructor(
    private readonly clsId: number,
    private readonly maxLength: number,
  ) {}

  /**
   * Tokenizes one cell given as a sparse row over the file's genes (`indices`/`values` between
   * `from` and `to`). `nCounts` is the cell's total over all genes of the file, as LangCell's
   * preprocess computes it (`X.sum(axis=1)`), including genes outside the vocabulary.
   * `precision` mirrors numpy: a float32 matrix evaluates x / n × 10,000 in float32 (then ÷ median
   * in float64); integer and float64 matrices evaluate everything in float64. Near-ties closer than
   * float32 resolution are ordered differently by the two, so the choice matters for exact ids.
   */
  rankGenes(
    mapping: GeneMapping,
    indices: Uint32Array,
    values: Float32Array,
    from: number,
    to: number,
    nCounts: number,
    precision: ValuePrecision = 'float32',
  ): Int32Array {
    const columns: number[] = [];
    const scores: number[] = [];
    for (let k = from; k < to; k += 1) {
      const column = indices[k]!;
      const value = values[k]!;
      if (value <= 0 || mapping.tokenIds[column]! < 0) continue;
      const scaled = precision === 'float32' ? Math.fround(Math.fround(value / nCounts) * 10_000) : (value / nCounts) * 10_000;
      const score = scaled / mapping.medians[column]!;
      if (score === 0) continue;
      columns.push(column);
      scores.push(score);
    }
    const order = Array.from(columns.keys());
    order.sort((a, b) => scores[b]! - scores[a]! || columns[a]! - columns[b]!);
    const kept = Math.min(order.length, this.maxLength - 1);
    const ids = new Int32Array(kept + 1);
    ids[0] = this.clsId;
    for (let i = 0; i < kept; i += 1) ids[i + 1] = mapping.tokenIds[columns[order[i]!]!]!;
    return ids;
  }

  /** Tokenizes every cell of a reader chunk; values are first brought back to the count scale. */
  tokenizeChunk(chunk: CellChunk, mapping: GeneMapping, kind: ValueKind, precision: ValuePrecision = 'float32'): Int32Array[] {
    const values = toCountScale(kind, chunk.values);
    const cells: Int32Array[] = [];
    for (let cell = 0; cell < chunk.cellIds.length; cell += 1) {
      const from = chunk.indptr[cell]!;
      const to = chunk.indptr[cell + 1]!;
      let total = 0;
      for (let k = from; k < to; k += 1) total += values[k]!;
      const nCounts = precision === 'float32' ? Math.fround(total) : total;
      cells.push(this.rankGenes(mapping, chunk.indices, values, from, to, nCounts, precision));
    }
    return cells;
  }
}
