import type { CellTokenizer } from '../model/cell-tokenizer.ts';
import type { ObsValue } from '../model/cells.ts';
import { ValueKindGuard, type ValueKind } from '../model/expression-values.ts';
import type { GeneVocabulary } from '../model/gene-vocabulary.ts';
import { DEFAULT_GENE_MATCH_POLICY, resolveGenes, type GeneMapping, type GeneMatchPolicy } from '../model/genes.ts';
import type { ExpressionSource } from './readers/types.ts';

export interface TokenizedChunk {
  readonly start: number;
  readonly cellIds: readonly string[];
  readonly tokens: Int32Array[];
  readonly obs: Readonly<Record<string, readonly ObsValue[]>>;
}

export interface SourceTokenization {
  readonly mapping: GeneMapping;
  /** The kind of values, known once the first non-empty chunk was read. */
  valueKind(): ValueKind | undefined;
  chunks(cellsPerChunk: number): AsyncIterable<TokenizedChunk>;
}

/**
 * Tokenizes an expression source chunk by chunk: resolves its genes once (refusing files where too
 * few match) and reads the values through one `ValueKindGuard` (decided on the first chunk that
 * holds values, refusing scaled or non-finite matrices, every later chunk checked against it).
 */
export function tokenizeSource(
  source: ExpressionSource,
  vocabulary: GeneVocabulary,
  tokenizer: CellTokenizer,
  policy: GeneMatchPolicy = DEFAULT_GENE_MATCH_POLICY,
): SourceTokenization {
  const mapping = resolveGenes(source.genes, vocabulary, source.path, policy);
  const values = new ValueKindGuard(`${source.path} (${source.matrixLocation})`);
  return {
    mapping,
    valueKind: () => values.decided,
    async *chunks(cellsPerChunk: number) {
      for await (const chunk of source.chunks(cellsPerChunk)) {
        const kind = values.read(chunk.values) ?? 'counts';
        yield {
          start: chunk.start,
          cellIds: chunk.cellIds,
          tokens: tokenizer.tokenizeChunk(chunk, mapping, kind, source.valuePrecision),
          obs: chunk.obs,
        };
      }
    },
  };
}
