import type { CellTokenizer } from '../model/cell-tokenizer.ts';
import type { ObsValue } from '../model/cells.ts';
import { ValueKindGuard, type ValueKind, type ValueReading } from '../model/expression-values.ts';
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
  /** The kind and what decided it (stated, file note, detected), known with `valueKind`. */
  valueReading(): ValueReading | undefined;
  chunks(cellsPerChunk: number): AsyncIterable<TokenizedChunk>;
}

/** How the values are to be read when the caller knows: stated by the user, or decided by an earlier pass. */
export interface ValueChoice {
  readonly stated?: ValueKind;
  readonly decided?: ValueReading;
}

/** The guard a source's values are read through: its own notes, the caller's statement or an earlier decision. */
export function sourceValueGuard(source: ExpressionSource, choice: ValueChoice = {}): ValueKindGuard {
  return new ValueKindGuard(`${source.path} (${source.matrixLocation})`, choice.decided, {
    ...(choice.stated !== undefined ? { stated: choice.stated } : {}),
    ...(source.valueNotes !== undefined ? { notes: source.valueNotes } : {}),
  });
}

/**
 * Tokenizes an expression source chunk by chunk: resolves its genes once (refusing files where too
 * few match) and reads the values through one `ValueKindGuard` (decided on the first chunk that
 * holds values, refusing scaled, non-finite or ambiguous matrices, every later chunk checked against it).
 */
export function tokenizeSource(
  source: ExpressionSource,
  vocabulary: GeneVocabulary,
  tokenizer: CellTokenizer,
  policy: GeneMatchPolicy = DEFAULT_GENE_MATCH_POLICY,
  choice: ValueChoice = {},
): SourceTokenization {
  const mapping = resolveGenes(source.genes, vocabulary, source.path, policy);
  const values = sourceValueGuard(source, choice);
  return {
    mapping,
    valueKind: () => values.decided,
    valueReading: () => values.reading,
    async *chunks(cellsPerChunk: number) {
      for await (const chunk of source.chunks(cellsPerChunk)) {
        const kind = values.read(chunk) ?? 'counts';
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
