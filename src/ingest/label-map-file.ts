/**
 * An explicit label mapping file: a dataset's own label strings → catalogue label names or ontology
 * ids, as TSV or CSV with a header. The source column is the first of `dataset_label`, `source`,
 * `source_label`, `label`; the target the first of `cl_id`, `ontology_id`, `target`, `label_name`,
 * `cl_label`. E.g. a row "CD19+ B → CL:0000236". Parsed whole at the edge (such files are small).
 */
import { readFile } from 'node:fs/promises';
import { AtlasError } from '../errors.ts';

const SOURCE_COLUMNS = ['dataset_label', 'source', 'source_label', 'label'];
const TARGET_COLUMNS = ['cl_id', 'ontology_id', 'target', 'label_name', 'cl_label'];

export async function readLabelMapFile(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new AtlasError('FILE_NOT_FOUND', `The label mapping file ${path} cannot be read.`, { path, field: 'labelMap' });
  }
  return parseLabelMap(text, path, 'labelMap');
}

/** A mapping file's text (`where` names it in messages, `field` is the input it came in). */
export function parseLabelMap(text: string, where: string, field: string): Map<string, string> {
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  const separator = (lines[0] ?? '').includes('\t') ? '\t' : ',';
  const header = (lines[0] ?? '').split(separator).map((cell) => cell.trim().toLowerCase());
  const source = SOURCE_COLUMNS.map((name) => header.indexOf(name)).find((i) => i >= 0);
  const target = TARGET_COLUMNS.map((name) => header.indexOf(name)).find((i) => i >= 0);
  if (source === undefined || target === undefined) {
    throw new AtlasError(
      'INVALID_INPUT',
      `${where}: the header needs a source column (${SOURCE_COLUMNS.join(', ')}) and a target column (${TARGET_COLUMNS.join(', ')}); found ${header.join(', ') || 'nothing'}.`,
      { field },
    );
  }
  const mapping = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const cells = line.split(separator);
    const from = cells[source]?.trim();
    const to = cells[target]?.trim();
    if (from && to && !mapping.has(from)) mapping.set(from, to);
  }
  if (mapping.size === 0) throw new AtlasError('INVALID_INPUT', `${where} maps no label (no row has both a source and a target).`, { field });
  return mapping;
}
