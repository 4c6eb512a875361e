import { readFile } from 'node:fs/promises';
import { AtlasError } from '../errors.ts';
import { labelPrompt } from '../model/prompt.ts';

export interface CandidateLabel {
  readonly name: string;
  readonly ontologyId: string | null;
  readonly description: string | null;
  /** LangCell's prompt text built from name and description. */
  readonly prompt: string;
}

/**
 * Reads candidate labels from a TSV with a header holding `name` and optionally `ontology_id` and
 * `description` (any column order). Blank lines are skipped; duplicate names are refused.
 */
export async function readLabelTsv(path: string): Promise<CandidateLabel[]> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new AtlasError('FILE_NOT_FOUND', `Cannot read labels file ${path}: ${error.message}`);
  });
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = (lines.shift() ?? '').split('\t').map((h) => h.trim().toLowerCase());
  const column = (name: string) => header.indexOf(name);
  if (column('name') < 0) {
    throw new AtlasError('INVALID_INPUT', `${path}: the header must name a "name" column (tab-separated: name, ontology_id, description); found ${header.join(', ') || 'nothing'}`);
  }
  const seen = new Set<string>();
  return lines.map((line, i) => {
    const cells = line.split('\t');
    const field = (name: string) => {
      const index = column(name);
      const value = index >= 0 ? cells[index]?.trim() : undefined;
      return value ? value : null;
    };
    const name = field('name');
    if (!name) throw new AtlasError('INVALID_INPUT', `${path} line ${i + 2}: empty name`);
    if (seen.has(name)) throw new AtlasError('INVALID_INPUT', `${path} line ${i + 2}: duplicate label name "${name}"`);
    seen.add(name);
    const description = field('description');
    return { name, ontologyId: field('ontology_id'), description, prompt: labelPrompt(name, description) };
  });
}
