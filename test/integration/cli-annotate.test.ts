/**
 * The CLI's atlas-backed `annotate` and `evaluate` (the annotation jobs' code run in process) and
 * how values are read at ingestion, against a real PostgreSQL seeded with the demo atlas: what is
 * printed (how values were read, per-class table, confusion matrix), what is saved (--out CSV,
 * --report JSON and Markdown), and the refusals with their codes.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openConfiguredAtlas } from '../../src/cli/open-atlas.ts';
import { annotateWithAtlas, type AtlasAnnotateOptions } from '../../src/cli/annotate-commands.ts';
import { runCli } from '../../src/cli/main.ts';
import type { Config } from '../../src/config.ts';
import { seedDemo } from '../../seed/seed-database.ts';
import { createTestDatabase, referenceCells, tempDir, testConfig, type TestDatabase } from '../helpers/atlas-db.ts';
import { writeQueryH5ad } from '../helpers/query-files.ts';

let database: TestDatabase;
let dir: string;
let config: Config;

const query = referenceCells(40, 13);
const truth = query.labels.map((label, i) => (i < 5 ? 'Unknown blob' : label));

function writeQuery(name: string, transform?: (value: number, total: number) => number): Promise<string> {
  return writeQueryH5ad(dir, name, query, truth, transform);
}

/** Runs the CLI in process with the test database in its environment; returns what it printed to stdout. */
async function cli(...args: string[]): Promise<string> {
  const printed: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const saved = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: database.url, LANGCELL_DATA_DIR: join(dir, 'data'), LANGCELL_CPU_THREADS: '1', LANGCELL_ABSTAIN_BELOW: '0.5' });
  try {
    await runCli(['node', 'langcell-atlas', ...args]);
  } finally {
    process.env = saved;
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return printed.join('');
}

const OPTIONS: AtlasAnnotateOptions = { layer: 'auto', k: 10, rerank: true, topM: 3 };

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDir('cli-annotate');
  config = testConfig(database.url, join(dir, 'data'));
  const atlas = await openConfiguredAtlas(config, { serving: true, log: () => undefined, prepare: (runtime) => seedDemo({ ...runtime, chunkSize: 300 }, 600) });
  await atlas.close();
});

afterAll(async () => {
  await database?.drop();
});

describe('langcell-atlas annotate / evaluate against the atlas', () => {
  it('evaluate prints how values were read, the per-class table and the confusion matrix, and saves results and report', async () => {
    const file = await writeQuery('query.h5ad', (v, total) => Math.log2((v / total) * 1e4 + 1));
    const out = join(dir, 'results.csv');
    const report = join(dir, 'report.json');
    // The demo text encoder maps almost any string by embedding: 'Unknown blob' is kept unmapped the way a person would, by a map entry naming no label.
    const noLabel = join(dir, 'no-label.tsv');
    writeFileSync(noLabel, 'source\ttarget\nUnknown blob\tno such cell type\n');
    const printed = await cli('evaluate', file, '--truth-column', 'cell_type', '--truth-map', noLabel, '--k', '10', '--out', out, '--report', report);
    expect(printed).toContain('values read as log2(x+1) (count lattice)');
    expect(printed).toContain('truth labels not mapped to the catalogue (not scored): Unknown blob 5');
    // How each truth label was read, before any figure built on it.
    expect(printed).toContain('truth labels as the catalogue reads them');
    expect(printed).toMatch(/^Unknown blob +5 +\(not scored\) +UNMAPPED$/m);
    expect(printed).toMatch(/^B cell +\d+ +B cell +NAME$/m);
    expect(printed).toMatch(/^fine: 35 cells {2}accuracy /m);
    expect(printed).toContain('confusion matrix (rows: truth, columns: prediction):');
    expect(printed).toMatch(/^class +support +precision +recall +F1$/m);
    const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(41);
    expect(csv[0]).toBe('row,cell,label,best_label,status,reason,confidence,novelty,truth,neighbor_cell_ids');
    const saved = JSON.parse(readFileSync(report, 'utf8')) as { valuesReadAs: string; evaluation: { fine: { cells: number; confusion: { counts: number[][] } }; unmappedTruth: unknown[] } };
    expect(saved.valuesReadAs).toBe('log2(x+1) (count lattice)');
    expect(saved.evaluation.unmappedTruth).toEqual([{ label: 'Unknown blob', cells: 5 }]);
    expect(saved.evaluation.fine.confusion.counts.flat().reduce((a, b) => a + b, 0)).toBe(35);
  });

  it('annotate without --labels uses the atlas; a Markdown report holds the confusion matrix', async () => {
    const file = await writeQuery('counts.h5ad');
    const report = join(dir, 'report.md');
    const printed = await cli('annotate', file, '--truth-column', 'cell_type', '--report', report);
    expect(printed).toContain('annotated 40 cells');
    expect(printed).toContain('values read as counts (integers); abstain below 0.5');
    expect(readFileSync(report, 'utf8')).toContain('### Confusion matrix');
    // An explicit truth map (a mapping file such as dataset_label_to_cl.tsv) wins over the rules.
    const map = join(dir, 'truth-map.tsv');
    writeFileSync(map, 'source\ttarget\nUnknown blob\tB cell\n');
    const mapped = await cli('evaluate', file, '--truth-column', 'cell_type', '--truth-map', map);
    expect(mapped).not.toContain('not mapped to the catalogue');
    expect(mapped).toMatch(/^Unknown blob +5 +B cell +FILE$/m);
    expect(mapped).toMatch(/^fine: 40 cells /m);
  });

  it('a truth of types the catalogue lacks is reported as novel types, with no accuracy over no cells', async () => {
    // Every cell's truth is endothelial cell (CL:0000115): a Cell Ontology type the demo catalogue lacks.
    const file = await writeQueryH5ad(dir, 'other-tissue.h5ad', query, query.labels.map(() => 'CL:0000115'));
    const report = join(dir, 'other-tissue.md');
    const printed = await cli('evaluate', file, '--truth-column', 'cell_type', '--report', report);
    expect(printed).toContain('CL:0000115: a cell type the catalogue lacks (scored as novel)');
    expect(printed).toContain("no cell's truth is a label among the candidates: there is no accuracy to report");
    expect(printed).toMatch(/novel types \(truth absent from the candidates\): 40 cells/);
    expect(printed).not.toContain('accuracy 0.0000');
    expect(readFileSync(report, 'utf8')).toContain('Novel types (truth absent from the candidates): 40 cells');
  });

  it('labels list prints the candidate labels, and --search narrows them', async () => {
    const all = await cli('labels', 'list');
    // A header and the demo catalogue's 12 labels.
    expect(all.trim().split('\n')).toHaveLength(13);
    expect(all).toMatch(/^\d+ +B cell +CL:0000236 /m);
    const found = await cli('labels', 'list', '--search', 'CL:0000236', '--json');
    expect((JSON.parse(found) as { name: string }[]).map((l) => l.name)).toEqual(['B cell']);
  });

  it('refuses with a code and leaves no partial output', async () => {
    const logged = await writeQuery('log1p.h5ad', (v, total) => Math.log1p((v / total) * 1e4));
    const fractions = await writeQuery('fractions.h5ad', (v, total) => Math.log1p(v / total));
    const out = join(dir, 'refused.csv');
    const cases: [string, Partial<AtlasAnnotateOptions>, string][] = [
      [logged, { values: 'counts' }, 'VALUE_TYPE_MISMATCH'],
      [fractions, {}, 'VALUE_TYPE_AMBIGUOUS'],
      [logged, { truthColumn: 'nope' }, 'LABEL_COLUMN_MISSING'],
      [join(dir, 'missing.h5ad'), {}, 'FILE_NOT_FOUND'],
    ];
    for (const [file, options, code] of cases) {
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        await expect(annotateWithAtlas(file, { ...OPTIONS, ...options, out }, config)).rejects.toMatchObject({ code });
      } finally {
        stderr.mockRestore();
      }
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('ingestion reads values the same way', () => {
  it('a stated value type is used; ambiguous values are refused before anything is written', async () => {
    const atlas = await openConfiguredAtlas(config, { serving: false, log: () => undefined });
    try {
      const logged = await writeQuery('ref-log1p.h5ad', (v, total) => Math.log1p((v / total) * 1e4));
      await atlas.ingestReference({ path: logged, name: 'stated', valueType: 'log1p', labelColumn: 'cell_type' });
      expect((await atlas.dataset('stated'))?.valueKind).toBe('log1p');
      const fractions = await writeQuery('ref-fractions.h5ad', (v, total) => Math.log1p(v / total));
      await expect(atlas.ingestReference({ path: fractions, name: 'unclear' })).rejects.toMatchObject({ code: 'VALUE_TYPE_AMBIGUOUS' });
      expect(await atlas.dataset('unclear')).toBeNull();
    } finally {
      await atlas.close();
    }
  });
});
