// Cell Ontology terms above the demo labels, up to their coarse classes (T cell, lymphocyte of B
// lineage, monocyte, …; see COARSE_TERMS in src/atlas/harmonise.ts), plus the finer PBMC terms a
// reference's labels commonly name, so that a demo atlas can harmonise "naive CD4 T" onto its CD4 T
// cell label and roll uncertain answers up without importing the whole ontology. Ids, names and
// asserted parents follow the Cell Ontology.
import type { OntologyTermRecord } from '../src/store/ontology.ts';

export const DEMO_ONTOLOGY_TERMS: readonly OntologyTermRecord[] = [
  { id: 'CL:0000084', name: 'T cell', synonyms: ['T lymphocyte'], parents: ['CL:0000542'] },
  { id: 'CL:0000542', name: 'lymphocyte', synonyms: [], parents: ['CL:0000738'] },
  { id: 'CL:0000738', name: 'leukocyte', synonyms: [], parents: ['CL:0000988'] },
  { id: 'CL:0000988', name: 'hematopoietic cell', synonyms: [], parents: [] },
  { id: 'CL:0000789', name: 'alpha-beta T cell', synonyms: [], parents: ['CL:0000084'] },
  { id: 'CL:0000791', name: 'mature alpha-beta T cell', synonyms: [], parents: ['CL:0000789'] },
  { id: 'CL:0000815', name: 'regulatory T cell', synonyms: ['Treg'], parents: ['CL:0000084'] },
  { id: 'CL:0000895', name: 'naive thymus-derived CD4-positive, alpha-beta T cell', synonyms: [], parents: ['CL:0000624'] },
  { id: 'CL:0000897', name: 'CD4-positive, alpha-beta memory T cell', synonyms: [], parents: ['CL:0000624'] },
  { id: 'CL:0000794', name: 'CD8-positive, alpha-beta cytotoxic T cell', synonyms: [], parents: ['CL:0000625'] },
  { id: 'CL:0000900', name: 'naive thymus-derived CD8-positive, alpha-beta T cell', synonyms: [], parents: ['CL:0000625'] },
  { id: 'CL:0000945', name: 'lymphocyte of B lineage', synonyms: [], parents: ['CL:0000542'] },
  { id: 'CL:0000946', name: 'antibody secreting cell', synonyms: [], parents: ['CL:0000945'] },
  { id: 'CL:0001067', name: 'group 1 innate lymphoid cell', synonyms: [], parents: ['CL:0000542'] },
  { id: 'CL:0000576', name: 'monocyte', synonyms: [], parents: ['CL:0000738'] },
  { id: 'CL:0000875', name: 'non-classical monocyte', synonyms: [], parents: ['CL:0000576'] },
  { id: 'CL:0000113', name: 'mononuclear phagocyte', synonyms: [], parents: ['CL:0000738'] },
  { id: 'CL:0000763', name: 'myeloid cell', synonyms: [], parents: ['CL:0000988'] },
];
