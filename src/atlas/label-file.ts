/**
 * Label files: Cell Ontology OBO (`[Term]` stanzas: id, name, def, synonym EXACT, is_a; obsolete
 * terms skipped) or a tab-separated table with a header. TSV columns are recognised by name, in any
 * order: `id`/`ontology_id`, `label`/`name`, `definition`/`description`, `synonyms`/`exact_synonyms`
 * and `parents`/`asserted_is_a_parents` (both lists separated by `|`), `deprecated` (true rows skipped).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { AtlasError } from '../errors.ts';
import type { LabelInput } from './types.ts';

export interface LabelDefinition extends LabelInput {
  readonly ontologyId: string | null;
  readonly description: string | null;
  readonly synonyms: readonly string[];
  readonly parents: readonly string[];
}

export interface LabelFile {
  readonly labels: LabelDefinition[];
  /** Names that occurred again (the first occurrence is kept), with where. */
  readonly skippedDuplicates: string[];
}

const COLUMN_ALIASES: Readonly<Record<keyof LabelDefinition, readonly string[]>> = {
  name: ['label', 'name'],
  ontologyId: ['id', 'ontology_id'],
  description: ['definition', 'description'],
  synonyms: ['synonyms', 'exact_synonyms'],
  parents: ['parents', 'asserted_is_a_parents'],
};

const list = (value: string | undefined): string[] => (value ?? '').split('|').map((s) => s.trim()).filter(Boolean);

function parseTsv(path: string, text: string): { labels: LabelDefinition[]; where: string[] } {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim().toLowerCase());
  const column = (key: keyof LabelDefinition) => COLUMN_ALIASES[key].map((alias) => header.indexOf(alias)).find((i) => i >= 0) ?? -1;
  const nameColumn = column('name');
  if (nameColumn < 0) {
    throw new AtlasError(
      'INVALID_INPUT',
      `${path}: the header must name a "label" or "name" column (tab-separated; optional: id, definition, synonyms, parents); found ${header.join(', ') || 'nothing'}.`,
      { path, field: 'header' },
    );
  }
  const deprecated = header.indexOf('deprecated');
  const labels: LabelDefinition[] = [];
  const where: string[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = line.split('\t');
    const field = (key: keyof LabelDefinition) => {
      const index = column(key);
      const value = index >= 0 ? cells[index]?.trim() : undefined;
      return value ? value : undefined;
    };
    if (deprecated >= 0 && cells[deprecated]?.trim().toLowerCase() === 'true') return;
    const name = field('name');
    if (!name) throw new AtlasError('INVALID_INPUT', `${path} line ${i + 2}: empty label name.`, { path, line: i + 2 });
    labels.push({
      name,
      ontologyId: field('ontologyId') ?? null,
      description: field('description') ?? null,
      synonyms: list(field('synonyms')),
      parents: list(field('parents')),
    });
    where.push(`line ${i + 2}`);
  });
  return { labels, where };
}

/** OBO quoted string: `"text with \"escapes\"" [refs]` → text. */
function oboQuoted(value: string): string | null {
  const match = /^"((?:[^"\\]|\\.)*)"/.exec(value);
  return match ? match[1]!.replace(/\\(.)/g, '$1') : null;
}

function parseObo(text: string): { labels: LabelDefinition[]; where: string[] } {
  const labels: LabelDefinition[] = [];
  const where: string[] = [];
  for (const stanza of text.split(/\n(?=\[)/)) {
    if (!stanza.startsWith('[Term]')) continue;
    let id: string | null = null;
    let name: string | null = null;
    let description: string | null = null;
    let obsolete = false;
    const synonyms: string[] = [];
    const parents: string[] = [];
    for (const line of stanza.split(/\r?\n/).slice(1)) {
      const colon = line.indexOf(': ');
      if (colon < 0) continue;
      const tag = line.slice(0, colon);
      const value = line.slice(colon + 2).trim();
      if (tag === 'id') id = value;
      else if (tag === 'name') name = value;
      else if (tag === 'def') description = oboQuoted(value);
      else if (tag === 'synonym' && /"\s+EXACT\b/.test(value)) {
        const synonym = oboQuoted(value);
        if (synonym) synonyms.push(synonym);
      } else if (tag === 'is_a') parents.push(value.split(/\s+!/)[0]!.trim());
      else if (tag === 'is_obsolete' && value === 'true') obsolete = true;
    }
    if (obsolete || !id || !name) continue;
    labels.push({ name, ontologyId: id, description, synonyms, parents });
    where.push(id);
  }
  return { labels, where };
}

export async function readLabelFile(path: string): Promise<LabelFile> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new AtlasError('FILE_NOT_FOUND', `Cannot read labels file ${path}: ${error.message}`, { path });
  });
  const isObo = extname(path).toLowerCase() === '.obo' || /^format-version:/m.test(text.slice(0, 2000));
  const parsed = isObo ? parseObo(text) : parseTsv(path, text);
  if (parsed.labels.length === 0) {
    throw new AtlasError('INVALID_INPUT', `${path} holds no labels (${isObo ? 'no live [Term] stanza with id and name' : 'no data rows'}).`, { path });
  }
  const seen = new Set<string>();
  const labels: LabelDefinition[] = [];
  const skippedDuplicates: string[] = [];
  parsed.labels.forEach((label, i) => {
    if (seen.has(label.name)) {
      skippedDuplicates.push(`${label.name} (${parsed.where[i]})`);
      return;
    }
    seen.add(label.name);
    labels.push(label);
  });
  return { labels, skippedDuplicates };
}
