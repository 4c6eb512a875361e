/**
 * STAND-IN for `src/atlas/harmonise.ts` (being written on main; this file is deleted when that
 * lands): the same signature, doing only its first step — a case- and punctuation-insensitive match
 * of a dataset's label string to a catalogue label's name, synonym or ontology id. The coarse class
 * is the label's first parent (by name or id), else the label itself.
 */
import type { LabelRecord } from './types.ts';

export interface HarmonisedLabel {
  readonly label: LabelRecord | null;
  readonly coarse: string | null;
  readonly method: string;
}

function key(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

export async function harmoniseLabels(
  atlas: { labels(): Promise<LabelRecord[]> },
  sourceLabels: readonly string[],
  _mappingFile?: string,
): Promise<Map<string, HarmonisedLabel>> {
  const labels = await atlas.labels();
  const byKey = new Map<string, LabelRecord>();
  for (const label of labels) {
    for (const name of [label.name, ...label.synonyms, ...(label.ontologyId ? [label.ontologyId] : [])]) if (!byKey.has(key(name))) byKey.set(key(name), label);
  }
  const result = new Map<string, HarmonisedLabel>();
  for (const source of sourceLabels) {
    const label = byKey.get(key(source)) ?? null;
    const parent = label?.parents[0];
    const coarse = label === null ? null : parent === undefined ? label.name : (byKey.get(key(parent))?.name ?? parent);
    result.set(source, { label, coarse, method: label === null ? 'unmapped' : 'name or synonym' });
  }
  return result;
}
