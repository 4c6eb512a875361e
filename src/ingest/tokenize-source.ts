import type { CellTokenizer } from '../model/cell-tokenizer.ts';
import { checkValuesAgainst, detectValueKind, summarizeValues, type ValueKind } from '../model/expression-values.ts';
import type { GeneVocabulary } from '../model/gene-vocabulary.ts';
import { DEFAULT_GENE_MATCH_POLICY, resolveGenes, type GeneMapping, type GeneMatchPolicy } from '../model/genes.ts';
import type { ExpressionSource } from './readers/types.ts';
import type { ObsValue } from '../model/cells.ts';

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
 * few match), decides the value kind on the first chunk that holds values (refusing scaled or
 * non-finite matrices) and checks every later chunk against it.
 */
export function tokenizeSource(
  source: ExpressionSource,
  vocabulary: GeneVocabulary,
  tokenizer: CellTokenizer,
  policy: GeneMatchPolicy = DEFAULT_GENE_MATCH_POLICY,
): SourceTokenization {
  const mapping = resolveGenes(source.genes, vocabulary, source.path, policy);
  const where = `${source.path} (${source.matrixLocation})`;
  let kind: ValueKind | undefined;
  return {
    mapping,
    valueKind: () => kind,
    async *chunks(cellsPerChunk: number) {
      for await (const chunk of source.chunks(cellsPerChunk)) {
        if (kind === undefined) {
          if (chunk.values.length > 0) kind = detectValueKind(summarizeValues(chunk.values, where), where);
        } else {
          checkValuesAgainst(kind, chunk.values, where);
        }
        yield {
          start: chunk.start,
          cellIds: chunk.cellIds,
          tokens: tokenizer.tokenizeChunk(chunk, mapping, kind ?? 'counts', source.valuePrecision),
          obs: chunk.obs,
        };
      }
    },
  };
}
