/**
 * Label files as the Cell Ontology ships them (OBO stanzas, the editors' TSV export) and as a user
 * writes them (name, ontology_id, description). Fixtures are small strings written here; every
 * expected label is spelled out by hand.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AtlasError } from '../../src/errors.ts';
import { readLabelFile } from '../../src/atlas/label-file.ts';

const directory = mkdtempSync(join(tmpdir(), 'langcell-label-file-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let fileCounter = 0;

function writeLabels(name: string, text: string): string {
  const path = join(directory, `${fileCounter++}-${name}`);
  writeFileSync(path, text);
  return path;
}

async function refusal(path: string): Promise<AtlasError> {
  const error = await readLabelFile(path).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AtlasError)) throw new Error(`${path} was not refused with an AtlasError (got ${String(error)})`);
  return error;
}

const OBO = String.raw`format-version: 1.2
data-version: cl/releases/2022-12-15/cl-basic.owl
synonymtypedef: PLURAL "plural term"
ontology: cl/cl-basic

[Term]
id: CL:0000236
name: B cell
def: "A lymphocyte of B lineage that carries a \"B cell receptor\" on its surface." [GOC:add, ISBN:0781735149]
synonym: "B lymphocyte" EXACT []
synonym: "B-cell" EXACT PLURAL [PMID:12345]
synonym: "immune cell with \"B\" in its name" RELATED []
synonym: "bursal lymphocyte" NARROW []
synonym: "B cell" BROAD []
is_a: CL:0000945 ! lymphocyte of B lineage
is_a: CL:0000542 {source="PMID:1"} ! lymphocyte
relationship: part_of UBERON:0000178 ! blood

[Term]
id: CL:0000003
name: obsolete native cell
def: "OBSOLETE. A cell found in a natural setting." []
is_obsolete: true

[Typedef]
id: part_of
name: part of
is_transitive: true

[Term]
id: CL:0000084
name: T cell
synonym: "T lymphocyte" EXACT []
is_a: CL:0000542 ! lymphocyte

[Instance]
id: example:1
name: an instance

[Term]
id: CL:0000998
name: B cell
def: "A second stanza that reuses the name." []
`;

describe('OBO files', () => {
  it('reads live [Term] stanzas: unescaped def, EXACT synonyms only, is_a ids without their "! name"', async () => {
    const file = await readLabelFile(writeLabels('cl.obo', OBO));
    expect(file.labels).toEqual([
      {
        name: 'B cell',
        ontologyId: 'CL:0000236',
        description: 'A lymphocyte of B lineage that carries a "B cell receptor" on its surface.',
        synonyms: ['B lymphocyte', 'B-cell'],
        parents: ['CL:0000945', 'CL:0000542'],
      },
      { name: 'T cell', ontologyId: 'CL:0000084', description: null, synonyms: ['T lymphocyte'], parents: ['CL:0000542'] },
    ]);
    expect(file.skippedDuplicates).toEqual(['B cell CL:0000998 (CL:0000998)']);
    expect(file.skippedUnnamed).toEqual([]);
  });

  it('reads Windows line ends the same way', async () => {
    const file = await readLabelFile(writeLabels('crlf.obo', OBO.replace(/\n/g, '\r\n')));
    expect(file.labels.map((l) => [l.ontologyId, l.name, l.synonyms, l.parents])).toEqual([
      ['CL:0000236', 'B cell', ['B lymphocyte', 'B-cell'], ['CL:0000945', 'CL:0000542']],
      ['CL:0000084', 'T cell', ['T lymphocyte'], ['CL:0000542']],
    ]);
  });

  it('is recognised by its format-version header whatever the file is called', async () => {
    const file = await readLabelFile(writeLabels('cl-basic.txt', OBO));
    expect(file.labels.map((l) => l.ontologyId)).toEqual(['CL:0000236', 'CL:0000084']);
  });

  it('refuses a file with no live term', async () => {
    const onlyObsolete = 'format-version: 1.2\n\n[Term]\nid: CL:0000003\nname: obsolete native cell\nis_obsolete: true\n';
    const error = await refusal(writeLabels('obsolete.obo', onlyObsolete));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/no live \[Term\]/);
    expect((await refusal(writeLabels('empty.obo', ''))).code).toBe('INVALID_INPUT');
  });
});

describe('TSV files', () => {
  it('reads the Cell Ontology export columns, skipping deprecated rows, unnamed rows and repeats', async () => {
    const tsv = [
      'id\tlabel\tdefinition\texact_synonyms\tasserted_is_a_parents\tdeprecated',
      'CL:0000000\tcell\tA material entity of anatomical origin.\t\t\tfalse',
      'CL:0000001\tprimary cultured cell\tA cultured cell that is freshly isolated.\tprimary cell culture cell|unpassaged cultured cell\tCL:0000010\tfalse',
      'CL:0000002\tobsolete immortal cell line cell\tOBSOLETE: A cell line cell.\tcontinuous cell line cell\t\ttrue',
      'CL:4033068\t\t\t\t\tfalse',
      'CL:0000016\tmale germ line stem cell\tA stem cell that is the precursor of male gametes.\t\tCL:0000014|CL:0000015\tFALSE',
      'CL:0000017\tcell\tA second row with a name already read.\t\t\tfalse',
      'CL:0000016\tspermatogonial stem cell\tA second row with an id already read.\t\t\tfalse',
      '',
    ].join('\n');
    const file = await readLabelFile(writeLabels('cl-terms.tsv', tsv));
    expect(file.labels).toEqual([
      { name: 'cell', ontologyId: 'CL:0000000', description: 'A material entity of anatomical origin.', synonyms: [], parents: [] },
      {
        name: 'primary cultured cell',
        ontologyId: 'CL:0000001',
        description: 'A cultured cell that is freshly isolated.',
        synonyms: ['primary cell culture cell', 'unpassaged cultured cell'],
        parents: ['CL:0000010'],
      },
      {
        name: 'male germ line stem cell',
        ontologyId: 'CL:0000016',
        description: 'A stem cell that is the precursor of male gametes.',
        synonyms: [],
        parents: ['CL:0000014', 'CL:0000015'],
      },
    ]);
    expect(file.skippedDuplicates).toEqual(['cell CL:0000017 (line 7)', 'spermatogonial stem cell CL:0000016 (line 8)']);
    expect(file.skippedUnnamed).toEqual(['CL:4033068 (line 5)']);
  });

  it('reads name, ontology_id, description columns (any case, CRLF, BOM, no id for some rows)', async () => {
    const tsv = '\uFEFFName\tontology_id\tDescription\r\nB cells\tCL:0000236\tAntibody-making lymphocytes. \r\n CD14+ Monocytes \t\t\r\n';
    const file = await readLabelFile(writeLabels('mine.tsv', tsv));
    expect(file.labels).toEqual([
      { name: 'B cells', ontologyId: 'CL:0000236', description: 'Antibody-making lymphocytes.', synonyms: [], parents: [] },
      { name: 'CD14+ Monocytes', ontologyId: null, description: null, synonyms: [], parents: [] },
    ]);
    expect(file.skippedDuplicates).toEqual([]);
  });

  it('refuses a header without a name column, naming what it found', async () => {
    const error = await refusal(writeLabels('no-name.tsv', 'id\tdefinition\nCL:0000236\tA lymphocyte.\n'));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details).toMatchObject({ field: 'header' });
    expect(error.message).toContain('found id, definition');
  });

  it('refuses an empty file, a header alone, and a file with only unnamed rows', async () => {
    for (const [name, text] of [
      ['empty.tsv', ''],
      ['header-only.tsv', 'id\tlabel\n'],
      ['unnamed.tsv', 'id\tlabel\nCL:4033068\t\n'],
    ] as const) {
      const error = await refusal(writeLabels(name, text));
      expect(error.code, name).toBe('INVALID_INPUT');
    }
  });

  it('says FILE_NOT_FOUND for a path that does not exist', async () => {
    expect((await refusal(join(directory, 'missing.tsv'))).code).toBe('FILE_NOT_FOUND');
  });
});
