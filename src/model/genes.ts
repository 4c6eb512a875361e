import { AtlasError } from '../errors.ts';
import type { GeneVocabulary } from './gene-vocabulary.ts';
import type { GeneTable } from './cells.ts';

/** How a file's gene columns map onto the cell vocabulary; the cell tokenizer's only view of genes. */
export interface GeneMapping {
  /** Per file column: cell token id, or -1 when the gene is not in the vocabulary. */
  readonly tokenIds: Int32Array;
  /** Per file column: Geneformer median of the gene (NaN where tokenIds is -1). */
  readonly medians: Float64Array;
  readonly matched: number;
  readonly total: number;
  /** Where the ids came from, e.g. `var index (Ensembl)`, `column gene_ids (Ensembl)`, `var index (symbols)`. */
  readonly source: string;
}

export interface GeneMatchPolicy {
  /** Refuse files with fewer matched genes than this. */
  minMatchedGenes: number;
  /** Refuse files where matched / min(file genes, vocabulary genes) is below this. */
  minCoverage: number;
}

export const DEFAULT_GENE_MATCH_POLICY: GeneMatchPolicy = { minMatchedGenes: 10, minCoverage: 0.1 };

/** Columns that conventionally hold Ensembl ids (anndata, CELLxGENE, 10x, scanpy). */
const ENSEMBL_COLUMNS = ['gene_ids', 'gene_id', 'feature_id', 'ensembl_id', 'ensembl', 'gene_ensembl', 'ensembl_gene_id', 'id'];
/** Columns that conventionally hold gene symbols. */
const SYMBOL_COLUMNS = ['gene_symbols', 'feature_name', 'gene_name', 'gene_symbol', 'symbol', 'name'];

const ENSEMBL_ID = /^ENS[A-Z]*G\d+(\.\d+)?$/;

/** `ENSG00000141510.17` → `ENSG00000141510`: Geneformer's vocabulary holds unversioned ids. */
export function unversionedEnsemblId(id: string): string {
  const dot = id.indexOf('.');
  return dot > 0 && ENSEMBL_ID.test(id) ? id.slice(0, dot) : id;
}

type Vocabulary = Pick<GeneVocabulary, 'geneVocab' | 'geneMedians' | 'geneSymbols'>;

function mapIds(ids: readonly string[], vocabulary: Vocabulary, viaSymbols: boolean): { tokenIds: Int32Array; medians: Float64Array; matched: number } {
  const tokenIds = new Int32Array(ids.length).fill(-1);
  const medians = new Float64Array(ids.length).fill(Number.NaN);
  let matched = 0;
  ids.forEach((raw, column) => {
    const ensembl = viaSymbols ? vocabulary.geneSymbols.get(raw) : unversionedEnsemblId(raw);
    if (ensembl === undefined) return;
    const token = vocabulary.geneVocab.get(ensembl);
    const median = vocabulary.geneMedians.get(ensembl);
    // LangCell keeps a gene iff it has a median; the token and median dictionaries share keys.
    if (token === undefined || median === undefined || !(median > 0)) return;
    tokenIds[column] = token;
    medians[column] = median;
    matched += 1;
  });
  return { tokenIds, medians, matched };
}

function ensemblShare(ids: readonly string[]): number {
  if (ids.length === 0) return 0;
  let hits = 0;
  for (const id of ids) if (ENSEMBL_ID.test(id)) hits += 1;
  return hits / ids.length;
}

/**
 * Finds the gene ids of a file and maps them onto the bundle's vocabulary: Ensembl ids from the
 * var index or a column that holds them, else symbols through the bundle's symbol map. Of the
 * candidates the one that matches most vocabulary genes wins. Refuses files where too few match
 * (usually the wrong species, or symbols with a bundle that has no symbol map).
 */
export function resolveGenes(
  genes: GeneTable,
  vocabulary: Vocabulary,
  file: string,
  policy: GeneMatchPolicy = DEFAULT_GENE_MATCH_POLICY,
): GeneMapping {
  const candidates: Array<{ source: string; ids: readonly string[]; viaSymbols: boolean }> = [];
  const columnNames = Object.keys(genes.columns);
  const byLowerName = new Map(columnNames.map((name) => [name.toLowerCase(), name]));
  const ensemblColumns = ENSEMBL_COLUMNS.map((name) => byLowerName.get(name)).filter((name): name is string => name !== undefined);
  const symbolColumns = SYMBOL_COLUMNS.map((name) => byLowerName.get(name)).filter((name): name is string => name !== undefined);

  if (ensemblShare(genes.index) >= 0.5) candidates.push({ source: 'var index (Ensembl)', ids: genes.index, viaSymbols: false });
  for (const name of ensemblColumns) {
    const ids = genes.columns[name]!;
    if (ensemblShare(ids) >= 0.5) candidates.push({ source: `column ${name} (Ensembl)`, ids, viaSymbols: false });
  }
  if (vocabulary.geneSymbols.size > 0) {
    candidates.push({ source: 'var index (symbols)', ids: genes.index, viaSymbols: true });
    for (const name of symbolColumns) candidates.push({ source: `column ${name} (symbols)`, ids: genes.columns[name]!, viaSymbols: true });
  }

  let best: GeneMapping | undefined;
  for (const candidate of candidates) {
    const mapped = mapIds(candidate.ids, vocabulary, candidate.viaSymbols);
    if (!best || mapped.matched > best.matched) {
      best = { ...mapped, total: genes.index.length, source: candidate.source };
    }
  }

  const vocabularyGenes = vocabulary.geneMedians.size;
  if (!best || best.matched === 0) {
    const looked = candidates.map((c) => c.source).join(', ') || 'no Ensembl-like ids and no symbol map in the bundle';
    throw new AtlasError(
      'NO_VOCABULARY_GENES',
      `${file}: none of its ${genes.index.length} genes is in the model's vocabulary (looked at: ${looked}). ` +
        'Provide Ensembl gene ids (ENSG…) in the var index or a gene_ids/feature_id column.',
      { file, total: genes.index.length },
    );
  }
  const coverage = best.matched / Math.min(best.total, vocabularyGenes);
  if (best.matched < policy.minMatchedGenes || coverage < policy.minCoverage) {
    throw new AtlasError(
      'TOO_FEW_GENES_MATCHED',
      `${file}: only ${best.matched} of ${best.total} genes (${(coverage * 100).toFixed(1)}% coverage) match the model's vocabulary via ${best.source}; ` +
        `at least ${policy.minMatchedGenes} genes and ${(policy.minCoverage * 100).toFixed(0)}% coverage are required. ` +
        'Check the species (human) and that gene ids are Ensembl ids or symbols.',
      { file, matched: best.matched, total: best.total, source: best.source },
    );
  }
  return best;
}
