/**
 * A cell given by value through the API (`genes`, `values`, `valueType`) turned into LangCell
 * tokens: the same gene resolution, value handling and ranking as a file, applied to one cell.
 */
import { AtlasError, hasErrorCode } from '../errors.ts';
import { describeReading, detectValueReading, logBase, logMax, statedKind } from '../model/expression-values.ts';
import { bundleVocabulary } from '../model/gene-vocabulary.ts';
import { resolveGenes } from '../model/genes.ts';
import type { LangCellModel } from '../model/langcell.ts';
import type { ExpressionInput, InputGenes } from './types.ts';
import type { CellChunk } from '../model/cells.ts';

/** A single cell may express few genes; the file-level coverage rule does not apply to it. */
const SINGLE_CELL_POLICY = { minMatchedGenes: 1, minCoverage: 0 };

/** File-oriented remedies (layers, var columns) replaced by what an API caller can change. */
function inApiTerms<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (hasErrorCode(error, 'SCALED_VALUES')) {
      const { min } = error.details;
      throw new AtlasError(
        'SCALED_VALUES',
        `expression input holds negative values (min ${min.toFixed(2)}): gene ranks cannot be recovered from scaled (centered) data. ` +
          'Give raw counts (valueType: COUNTS) or log1p-normalized values (valueType: LOG1P).',
        { field: 'values', min },
      );
    }
    if (hasErrorCode(error, 'NO_VOCABULARY_GENES')) {
      const { total } = error.details;
      throw new AtlasError(
        'NO_VOCABULARY_GENES',
        `expression input: none of its ${total} genes is in the model's vocabulary. Give human genes as Ensembl ids (ENSG…) or HGNC symbols.`,
        { field: 'genes', total },
      );
    }
    throw error;
  }
}

/** Largest finite float32: values are ranked in float32, as a file's would be. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Refusals a file's checks cannot make for one cell given by value, with the remedy in the API's terms. */
function checkValueRange(input: ExpressionInput, where: string): void {
  const kind = statedKind(input.valueType);
  const base = logBase(kind);
  input.values.forEach((value, i) => {
    if (Math.abs(value) > FLOAT32_MAX) {
      throw new AtlasError('INVALID_INPUT', `${where}: the value ${value} of gene ${input.genes[i]} is beyond float32's range (±3.4e38); give counts or log1p values.`, {
        field: 'values',
      });
    }
    // Inverting anything above this overflows or means more than a million counts for one gene.
    if (base !== null && value > logMax(base)) {
      throw new AtlasError(
        'INVALID_INPUT',
        `${where}: valueType is ${input.valueType.toUpperCase()} but gene ${input.genes[i]} has ${value}; ${kind} values of counts are at most ${logMax(base).toFixed(1)}. ` +
          'Give these values with valueType: COUNTS (raw counts) or NORMALIZED (normalized counts) instead.',
        { field: 'values' },
      );
    }
    if (kind === 'counts' && Number.isFinite(value) && value !== Math.round(value)) {
      throw new AtlasError(
        'VALUE_TYPE_MISMATCH',
        `${where}: valueType is COUNTS but gene ${input.genes[i]} has ${value}; counts are whole numbers. ` +
          'Give normalized values (CP10k, CPM, TPM) with valueType: NORMALIZED, or log values with LOG1P, LOG2P or LOG10P.',
        { field: 'valueType' },
      );
    }
  });
}

export interface TokenizedExpression {
  readonly tokens: Int32Array;
  readonly genes: InputGenes;
}

export function tokenizeExpression(model: LangCellModel, input: ExpressionInput): TokenizedExpression {
  const where = 'expression input';
  if (input.genes.length !== input.values.length) {
    throw new AtlasError('INVALID_INPUT', `${where}: ${input.genes.length} genes but ${input.values.length} values; give one value per gene.`, {
      field: 'values',
    });
  }
  if (input.genes.length === 0) throw new AtlasError('INVALID_INPUT', `${where}: no genes given.`, { field: 'genes' });
  const seen = new Set<string>();
  for (const gene of input.genes) {
    if (seen.has(gene)) throw new AtlasError('INVALID_INPUT', `${where}: gene ${gene} is given twice.`, { field: 'genes' });
    seen.add(gene);
  }
  checkValueRange(input, where);
  const nonZero = input.values.map((v, i) => [i, v] as const).filter(([, v]) => v !== 0);
  const values = Float32Array.from(nonZero, ([, v]) => v);
  if (values.length === 0) throw new AtlasError('EMPTY_MATRIX', `${where}: every value is 0; there is nothing to rank.`, { field: 'values' });
  // The checks of files (NON_FINITE_VALUES, SCALED_VALUES, NO_VOCABULARY_GENES), with the remedy
  // said in the API's terms. One cell cannot show which kind its values are: the caller states it.
  const { mapping, reading } = inApiTerms(() => {
    const reading = detectValueReading({ values }, where, { stated: statedKind(input.valueType) });
    return { reading, mapping: resolveGenes({ index: input.genes, columns: {} }, bundleVocabulary(model.bundle), where, SINGLE_CELL_POLICY) };
  });
  const chunk: CellChunk = {
    start: 0,
    cellIds: ['input'],
    indptr: Uint32Array.of(0, nonZero.length),
    indices: Uint32Array.from(nonZero, ([i]) => i),
    values,
    obs: {},
  };
  return {
    tokens: model.cellTokenizer.tokenizeChunk(chunk, mapping, reading.kind, 'float64')[0]!,
    // The mapping names file places (var index, columns); an API caller gave one list.
    genes: {
      given: mapping.total,
      matched: mapping.matched,
      source: mapping.source.includes('(Ensembl)') ? 'Ensembl ids' : 'gene symbols',
      valuesReadAs: describeReading(reading),
    },
  };
}
