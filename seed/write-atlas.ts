// Writes the demo atlas as plain files for the Python training script (numpy only):
//   npx tsx seed/write-atlas.ts --out DIR [--seed N] [--cells N]
// Layout documented in seed/README.md.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { DEFAULT_CELL_COUNT, DEFAULT_SEED, generateDemoAtlas, summarizeDemoAtlas, type DemoAtlas } from './atlas.ts';
import { CELL_TYPE_LABELS } from './labels.ts';
import { encodeNpy } from '../src/cli/npy.ts';

export const ATLAS_FILES_FORMAT = 'langcell-demo-atlas/1';

/** Tab-separated values must not contain tabs or newlines; the atlas's own strings never do. */
function tsvLine(fields: readonly (string | number)[]): string {
  for (const field of fields) {
    if (/[\t\n\r]/.test(String(field))) throw new Error(`TSV field contains a tab or newline: ${JSON.stringify(field)}`);
  }
  return fields.join('\t') + '\n';
}

/** File name → contents of the atlas's on-disk form. */
export function atlasFiles(atlas: DemoAtlas): Map<string, Buffer> {
  const files = new Map<string, Buffer>();

  let genesTsv = tsvLine(['ensembl_id', 'symbol']);
  for (const gene of atlas.genes) genesTsv += tsvLine([gene.ensemblId, gene.symbol]);
  files.set('genes.tsv', Buffer.from(genesTsv, 'utf8'));

  const cellLines = [
    tsvLine(['cell_id', 'label', 'split', 'donor', 'batch', 'n_counts', 'n_genes', 'ontology_id', 'cell_type']),
  ];
  for (const cell of atlas.cells) {
    cellLines.push(
      tsvLine([cell.id, cell.label, cell.split, cell.donor, cell.batch, cell.nCounts, cell.nGenes, cell.ontologyId, cell.cellType]),
    );
  }
  files.set('cells.tsv', Buffer.from(cellLines.join(''), 'utf8'));

  // int64 row pointers (what scipy uses for large matrices), int32 column indices, float32 counts.
  files.set('counts_indptr.npy', encodeNpy(BigInt64Array.from(atlas.counts.indptr, (offset) => BigInt(offset))));
  files.set('counts_indices.npy', encodeNpy(Int32Array.from(atlas.counts.indices)));
  files.set('counts_data.npy', encodeNpy(atlas.counts.values));

  const labels = CELL_TYPE_LABELS.map((label) => ({
    key: label.key,
    name: label.name,
    ontology_id: label.ontologyId,
    definition: label.definition,
    prompt: label.prompt,
    synonyms: label.synonyms,
    parents: label.parents,
    markers: label.markers,
    phrasings: label.phrasings.map((phrasing) => ({ text: phrasing.text, heldOut: phrasing.heldOut })),
  }));
  files.set('labels.json', Buffer.from(JSON.stringify(labels, null, 2) + '\n', 'utf8'));

  const summary = summarizeDemoAtlas(atlas);
  const manifest = {
    format: ATLAS_FILES_FORMAT,
    seed: atlas.seed,
    shape: [atlas.counts.rows, atlas.counts.columns],
    nonZeros: summary.nonZeros,
    summary,
    sha256: Object.fromEntries(
      [...files].map(([name, contents]) => [name, createHash('sha256').update(contents).digest('hex')]),
    ),
  };
  files.set('atlas.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'));
  return files;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      cells: { type: 'string', default: String(DEFAULT_CELL_COUNT) },
    },
  });
  if (values.out === undefined) {
    process.stderr.write('usage: npx tsx seed/write-atlas.ts --out DIR [--seed N] [--cells N]\n');
    process.exit(2);
  }
  const seed = Number(values.seed);
  const cells = Number(values.cells);
  const outDir = resolve(values.out);

  const started = performance.now();
  const atlas = generateDemoAtlas({ seed, cells });
  mkdirSync(outDir, { recursive: true });
  for (const [name, contents] of atlasFiles(atlas)) writeFileSync(join(outDir, name), contents);

  const summary = summarizeDemoAtlas(atlas);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `wrote ${summary.cells} cells × ${summary.genes} genes (${summary.nonZeros} non-zeros) to ${outDir} in ${seconds} s\n` +
      `library size median ${summary.librarySize.median} (range ${summary.librarySize.min}–${summary.librarySize.max}); ` +
      `genes per cell median ${summary.genesPerCell.median} (range ${summary.genesPerCell.min}–${summary.genesPerCell.max})\n`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
