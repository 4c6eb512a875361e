import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError } from '../errors.ts';
import type { ModelBundle } from './bundle.ts';

/** What the cell tokenizer needs: Ensembl id → token, medians, optional symbols, and the special ids. */
export interface GeneVocabulary {
  readonly geneVocab: ReadonlyMap<string, number>;
  readonly geneMedians: ReadonlyMap<string, number>;
  readonly geneSymbols: ReadonlyMap<string, string>;
  readonly clsId: number;
  readonly maxLength: number;
}

export function bundleVocabulary(bundle: ModelBundle): GeneVocabulary {
  const { geneVocab, geneMedians, geneSymbols, manifest } = bundle;
  return { geneVocab, geneMedians, geneSymbols, clsId: manifest.cell.clsId, maxLength: manifest.cell.maxLength };
}

async function readDictionary(dir: string, file: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AtlasError('FILE_NOT_FOUND', `Cannot read ${join(dir, file)}: ${(error as Error).message}`, { file });
  }
}

/**
 * Geneformer's dictionaries as JSON (token_dictionary.json, gene_median_dictionary.json and,
 * optionally, gene_name_id_dict.json). `<cls>` is added exactly as LangCell adds it:
 * `token_dictionary['<cls>'] = len(token_dictionary)` (25426 for Geneformer's 25,426 entries).
 */
export async function loadGeneformerVocabulary(dir: string, maxLength = 2048): Promise<GeneVocabulary> {
  const tokens = (await readDictionary(dir, 'token_dictionary.json', true))!;
  const medians = (await readDictionary(dir, 'gene_median_dictionary.json', true))!;
  const symbols = (await readDictionary(dir, 'gene_name_id_dict.json', false)) ?? {};
  const geneVocab = new Map<string, number>();
  for (const [gene, id] of Object.entries(tokens)) if (typeof id === 'number') geneVocab.set(gene, id);
  if (!geneVocab.has('<cls>')) geneVocab.set('<cls>', geneVocab.size);
  const geneMedians = new Map<string, number>();
  for (const [gene, median] of Object.entries(medians)) if (typeof median === 'number') geneMedians.set(gene, median);
  const geneSymbols = new Map<string, string>();
  for (const [symbol, gene] of Object.entries(symbols)) if (typeof gene === 'string') geneSymbols.set(symbol, gene);
  return { geneVocab, geneMedians, geneSymbols, clsId: geneVocab.get('<cls>')!, maxLength };
}
