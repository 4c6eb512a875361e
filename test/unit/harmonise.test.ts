import { describe, expect, it } from 'vitest';
import { CatalogueIndex, matchByEmbedding, normaliseLabel, OntologyGraph } from '../../src/atlas/harmonise.ts';
import type { LabelRecord } from '../../src/atlas/types.ts';

const label = (id: number, name: string, ontologyId: string | null, synonyms: string[] = [], parents: string[] = []): LabelRecord => ({
  id,
  name,
  ontologyId,
  description: null,
  synonyms,
  parents,
  promptText: `cell type: ${name}. `,
});

const LABELS = [
  label(1, 'B cell', 'CL:0000236', ['B lymphocyte'], ['CL:0000945']),
  label(2, 'CD4-positive, alpha-beta T cell', 'CL:0000624', ['CD4 T cell'], ['CL:0000791']),
  label(3, 'natural killer cell', 'CL:0000623', ['NK cell']),
];
const TERMS = [
  { id: 'CL:0000895', name: 'naive thymus-derived CD4-positive, alpha-beta T cell', synonyms: [], parents: ['CL:0000624'] },
  { id: 'CL:0000791', name: 'mature alpha-beta T cell', synonyms: [], parents: ['CL:0000789'] },
  { id: 'CL:0000789', name: 'alpha-beta T cell', synonyms: [], parents: ['CL:0000084'] },
  { id: 'CL:0000084', name: 'T cell', synonyms: ['T lymphocyte'], parents: [] },
  { id: 'CL:0000945', name: 'lymphocyte of B lineage', synonyms: [], parents: [] },
];

describe('harmonisation rules', () => {
  const index = new CatalogueIndex(LABELS, new OntologyGraph(TERMS, LABELS));

  it('normalises case, punctuation, spacing and a plural -s', () => {
    expect(['CD14+ Monocytes', '  b-Cells ', 'CD4+/CD25 T Reg', 'class'].map(normaliseLabel)).toEqual(['cd14 monocyte', 'b cell', 'cd4 cd25 t reg', 'class']);
  });

  const golden: [source: string, labelId: number | null, ontologyId: string | null, method: string][] = [
    ['b cells', 1, 'CL:0000236', 'NAME'],
    ['CD4 T-cells', 2, 'CL:0000624', 'SYNONYM'],
    ['CL:0000236', 1, 'CL:0000236', 'ONTOLOGY_ID'],
    // A finer term than any label: its nearest catalogue ancestor, the term kept.
    ['naive thymus-derived CD4-positive alpha-beta T cells', 2, 'CL:0000895', 'ANCESTOR'],
    ['CL:0000895', 2, 'CL:0000895', 'ANCESTOR'],
    // A known term with no catalogue label above it stays unmapped but keeps its term.
    ['T lymphocyte', null, 'CL:0000084', 'UNMAPPED'],
  ];
  for (const [source, labelId, ontologyId, method] of golden) {
    it(`"${source}" → ${method}`, () => {
      expect(index.matchByRules(source)).toEqual({ labelId, ontologyId, method, score: null });
    });
  }

  it('leaves to the embedding what no rule knows', () => {
    expect(index.matchByRules('Dendritic')).toBeNull();
  });

  it('an embedding match needs a margin of 0.05 over the runner-up', () => {
    expect(matchByEmbedding(LABELS, [0.9, 0.84, 0.1])).toEqual({ labelId: 1, ontologyId: 'CL:0000236', method: 'EMBEDDING', score: 0.9 });
    expect(matchByEmbedding(LABELS, [0.9, 0.87, 0.1])).toEqual({ labelId: null, ontologyId: null, method: 'UNMAPPED', score: 0.9 });
  });

  it('coarse classes and lineages come from the ontology graph and the labels’ own parents', () => {
    const graph = new OntologyGraph(TERMS, LABELS);
    expect(graph.lineage('CL:0000895')).toEqual(['CL:0000895', 'CL:0000624', 'CL:0000791', 'CL:0000789', 'CL:0000084']);
    expect(graph.coarseOf('CL:0000895')).toEqual({ id: 'CL:0000084', name: 'T cell' });
    expect(graph.coarseOf('CL:0000236')).toEqual({ id: 'CL:0000945', name: 'lymphocyte of B lineage' });
    expect(graph.coarseOf('CL:0000623')).toEqual({ id: 'CL:0000623', name: 'natural killer cell' });
    expect(graph.coarseOf('CL:9999999')).toBeNull();
  });
});
