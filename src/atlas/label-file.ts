/**
 * Label files: Cell Ontology OBO (`[Term]` stanzas: id, name, def, synonym EXACT, is_a; obsolete
 * terms and other stanza kinds skipped) or a tab-separated table with a header. TSV columns are
 * recognised by name, in any order: `id`/`ontology_id`, `label`/`name`, `definition`/`description`,
 * `synonyms`/`exact_synonyms` and `parents`/`asserted_is_a_parents` (both lists separated by `|`),
 * `deprecated` (true rows skipped). A term without a name is skipped and reported (the CL editors'
 * file has live classes with no label yet), as is a repeated name or ontology id.
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
  /** Names or ontology ids that occurred again (the first occurrence is kept), with where. */
  readonly skippedDuplicates: string[];
  /** Terms with no name (TSV rows with an empty name cell), with where. */
  readonly skippedUnnamed: string[];
}

interface ParsedLabels {
  readonly labels: LabelDefinition[];
  /** Where each label came from (a line or an ontology id), for the skip reports. */
  readonly where: string[];
  readonly unnamed: string[];
}

const COLUMN_ALIASES: Readonly<Record<keyof LabelDefinition, readonly string[]>> = {
  name: ['label', 'name'],
  ontologyId: ['id', 'ontology_id'],
  description: ['definition', 'description'],
  synonyms: ['synonyms', 'exact_synonyms'],
  parents: ['parents', 'asserted_is_a_parents'],
};

const list = (value: string | undefined): string[] => (value ?? '').split('|').map((s) => s.trim()).filter(Boolean);

function parseTsv(path: string, text: string): ParsedLabels {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
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
  const unnamed: string[] = [];
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
    if (!name) {
      unnamed.push(`${field('ontologyId') ?? 'no id'} (line ${i + 2})`);
      return;
    }
    labels.push({
      name,
      ontologyId: field('ontologyId') ?? null,
      description: field('description') ?? null,
      synonyms: list(field('synonyms')),
      parents: list(field('parents')),
    });
    where.push(`line ${i + 2}`);
  });
  return { labels, where, unnamed };
}

/** OBO quoted string: `"text with \"escapes\"" EXACT [refs]` → the text and what follows it. */
function oboQuoted(value: string): { text: string; rest: string } | null {
  const match = /^"((?:[^"\\]|\\.)*)"/.exec(value);
  return match ? { text: match[1]!.replace(/\\(.)/g, '$1'), rest: value.slice(match[0].length).trim() } : null;
}

function parseObo(text: string): ParsedLabels {
  const labels: LabelDefinition[] = [];
  const where: string[] = [];
  for (const stanza of text.split(/\r?\n(?=\[)/)) {
    if (!/^\[Term\]\s*$/.test(stanza.split(/\r?\n/, 1)[0]!)) continue;
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
      else if (tag === 'def') description = oboQuoted(value)?.text ?? null;
      else if (tag === 'synonym') {
        // Only EXACT synonyms name the same cell type; BROAD, NARROW and RELATED ones do not.
        const synonym = oboQuoted(value);
        if (synonym && /^EXACT\b/.test(synonym.rest)) synonyms.push(synonym.text);
      } else if (tag === 'is_a') parents.push(value.split(/\s/, 1)[0]!);
      else if (tag === 'is_obsolete' && value === 'true') obsolete = true;
    }
    if (obsolete || !id || !name) continue;
    labels.push({ name, ontologyId: id, description, synonyms, parents });
    where.push(id);
  }
  return { labels, where, unnamed: [] };
}

export async function readLabelFile(path: string): Promise<LabelFile> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new AtlasError('FILE_NOT_FOUND', `Cannot read labels file ${path}: ${error.message}`, { path });
  });
  const isObo = extname(path).toLowerCase() === '.obo' || /^format-version:/m.test(text.slice(0, 2000));
  const parsed = isObo ? parseObo(text) : parseTsv(path, text);
  if (parsed.labels.length === 0) {
    throw new AtlasError('INVALID_INPUT', `${path} holds no labels (${isObo ? 'no live [Term] stanza with id and name' : 'no data row with a name'}).`, { path });
  }
  // A repeated ontology id would make the import rename one stored label twice: keep the first.
  const seenNames = new Set<string>();
  const seenIds = new Set<string>();
  const labels: LabelDefinition[] = [];
  const skippedDuplicates: string[] = [];
  parsed.labels.forEach((label, i) => {
    if (seenNames.has(label.name) || (label.ontologyId !== null && seenIds.has(label.ontologyId))) {
      skippedDuplicates.push(`${label.name}${label.ontologyId ? ` ${label.ontologyId}` : ''} (${parsed.where[i]})`);
      return;
    }
    seenNames.add(label.name);
    if (label.ontologyId !== null) seenIds.add(label.ontologyId);
    labels.push(label);
  });
  return { labels, skippedDuplicates, skippedUnnamed: parsed.unnamed };
}
