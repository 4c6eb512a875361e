// Label texts of the demo atlas's cell types: the text side of the demo model's training data and
// the labels the seeded database starts with. Definitions and phrasings are our own wording; the
// facts (Cell Ontology ids, names, parent terms, marker genes) follow the Cell Ontology and the
// PBMC literature. Names are the Cell Ontology labels, as LangCell uses them in its prompts.
//
// Held-out phrasings are never used for training: they measure text → cell retrieval on wordings
// the model has not seen.

import { labelPrompt } from '../src/model/prompt.ts';
import { CELL_TYPES, type CellTypeKey } from './cell-types.ts';

export interface Phrasing {
  readonly text: string;
  readonly heldOut: boolean;
}

export interface OntologyTerm {
  readonly id: string;
  readonly name: string;
}

export interface CellTypeLabel {
  readonly key: CellTypeKey;
  readonly name: string;
  readonly ontologyId: string;
  readonly definition: string;
  /** LangCell's label text: "cell type: " + name + ". " + definition + "; ". */
  readonly prompt: string;
  readonly synonyms: readonly string[];
  readonly parents: readonly OntologyTerm[];
  readonly markers: readonly string[];
  readonly phrasings: readonly Phrasing[];
}


interface LabelSource {
  readonly definition: string;
  readonly synonyms: readonly string[];
  readonly parents: readonly OntologyTerm[];
  /** Training phrasings. */
  readonly phrasings: readonly string[];
  /** Evaluation-only phrasings. */
  readonly heldOut: readonly string[];
}

const MATURE_ALPHA_BETA_T_CELL: OntologyTerm = { id: 'CL:0000791', name: 'mature alpha-beta T cell' };

const LABEL_SOURCES: Readonly<Record<CellTypeKey, LabelSource>> = {
  cd4_t: {
    definition:
      'A mature T lymphocyte with an alpha-beta T cell receptor and the CD4 co-receptor, which recognizes peptides shown on MHC class II molecules and directs other immune cells as a helper.',
    synonyms: ['CD4 T cell', 'CD4-positive T cell', 'CD4+ T lymphocyte', 'helper T cell'],
    parents: [MATURE_ALPHA_BETA_T_CELL],
    phrasings: [
      'CD4 T cells',
      'CD4+ helper T lymphocytes',
      'helper T cells',
      'T cells expressing CD4 and IL7R',
      'naive and memory CD4 T cells with CCR7 and LTB',
      'CD3 positive CD4 positive T lymphocytes',
      'T helper cells that recognize antigen presented on MHC class II',
      'CD40LG expressing helper T cells',
      'conventional CD4 T cells, not regulatory',
      'IL7R high T cells with CD3E and CD4',
    ],
    heldOut: [
      'CD4 positive T lymphocytes with high IL7R',
      'T helper lymphocytes that coordinate adaptive immunity',
      'alpha-beta T cells carrying the CD4 coreceptor',
    ],
  },
  cd14_mono: {
    definition:
      'A blood monocyte with high surface CD14 that lacks the T and B lineage markers CD3, CD19 and CD20; the classical and most abundant monocyte subset, quick to release inflammatory mediators when it senses microbes.',
    synonyms: ['CD14+ monocyte', 'classical monocyte', 'CD14-positive, CD16-negative monocyte'],
    parents: [{ id: 'CL:0000576', name: 'monocyte' }],
    phrasings: [
      'CD14 monocytes',
      'classical monocytes',
      'CD14 positive classical monocytes with high LYZ',
      'monocytes expressing S100A8 and S100A9',
      'inflammatory monocytes with high CD14 and low CD16',
      'myeloid cells expressing LYZ, S100A9 and VCAN',
      'circulating phagocytes that become macrophages in tissues',
      'CD14+ mononuclear phagocytes in blood',
      'monocytes with FCN1 and S100A12',
      'the main monocyte population of peripheral blood',
    ],
    heldOut: [
      'LYZ and S100A8 high classical monocytes',
      'CD14 bright blood monocytes',
      'alarmin producing monocytes in PBMC',
    ],
  },
  cd8_t: {
    definition:
      'A T lymphocyte with an alpha-beta T cell receptor and the CD8 co-receptor, which recognizes peptides on MHC class I molecules and can kill infected or malignant cells.',
    synonyms: ['CD8 T cell', 'CD8-positive T cell', 'cytotoxic T cell', 'CD8+ T lymphocyte'],
    parents: [MATURE_ALPHA_BETA_T_CELL],
    phrasings: [
      'CD8 T cells',
      'cytotoxic T lymphocytes',
      'CD8+ killer T cells',
      'T cells expressing CD8A and CD8B',
      'CD8 T cells with granzyme K',
      'effector memory CD8 T cells expressing GZMH and CCL5',
      'T cells that kill virus infected cells through MHC class I recognition',
      'CD3E and CD8A positive lymphocytes',
      'naive CD8 T cells with CCR7',
      'CD8 positive alpha-beta T lymphocytes',
    ],
    heldOut: [
      'killer T cells expressing CD8B and GZMK',
      'MHC class I restricted cytotoxic lymphocytes',
      'CD8+ T cells in peripheral blood',
    ],
  },
  b_cell: {
    definition:
      'A lymphocyte of the B lineage that carries membrane immunoglobulin as its antigen receptor and mediates humoral immunity, developing into antibody-secreting cells once activated.',
    synonyms: ['B lymphocyte', 'B-cell', 'CD19+ B cell'],
    parents: [{ id: 'CL:0000945', name: 'lymphocyte of B lineage' }],
    phrasings: [
      'B cells',
      'B lymphocytes',
      'B cells expressing MS4A1 and CD79A',
      'CD19 positive CD20 positive lymphocytes',
      'naive B cells with TCL1A and FCER2',
      'memory B cells',
      'lymphocytes with a B cell receptor made of immunoglobulin and CD79',
      'antigen presenting B lymphocytes with MHC class II',
      'CD79B and BANK1 expressing B cells',
      'PAX5 positive B lineage cells',
    ],
    heldOut: [
      'MS4A1 positive B lymphocytes',
      'CD20 expressing B cells in blood',
      'lymphocytes that produce antibodies after activation',
    ],
  },
  nk_cell: {
    definition:
      'An innate lymphocyte that kills stressed, infected or tumour cells without prior sensitization, guided by germline-encoded activating and inhibitory receptors, and that shapes immune responses by secreting cytokines.',
    synonyms: ['NK cell', 'natural killer lymphocyte', 'large granular lymphocyte'],
    parents: [{ id: 'CL:0001067', name: 'group 1 innate lymphoid cell' }],
    phrasings: [
      'NK cells',
      'natural killer lymphocytes',
      'cytotoxic lymphocytes expressing GZMB and perforin',
      'NK cells with GNLY and NKG7',
      'CD56 positive innate killer cells',
      'innate lymphocytes with KLRD1 and KLRF1',
      'large granular lymphocytes without a T cell receptor',
      'CD16 positive NK cells expressing FCGR3A',
      'granulysin and granzyme rich killer cells',
      'NCAM1 expressing natural killer cells',
    ],
    heldOut: [
      'cytotoxic innate lymphocytes with GNLY',
      'killer cells that need no prior antigen exposure',
      'CD3 negative CD56 positive lymphocytes',
    ],
  },
  fcgr3a_mono: {
    definition:
      'A non-classical, patrolling blood monocyte that expresses the Fc receptor CD16 and only low levels of CD14.',
    synonyms: ['FCGR3A+ monocyte', 'CD16+ monocyte', 'non-classical monocyte'],
    parents: [{ id: 'CL:0000875', name: 'non-classical monocyte' }],
    phrasings: [
      'FCGR3A monocytes',
      'CD16 positive monocytes',
      'non-classical monocytes',
      'patrolling monocytes expressing FCGR3A and MS4A7',
      'CD14 low CD16 high monocytes',
      'monocytes with CDKN1C and HES4',
      'CX3CR1 high monocytes that crawl along blood vessels',
      'FCGR3A+ MS4A7+ myeloid cells',
      'monocytes expressing IFITM3 and LILRB2',
      'intermediate to non-classical monocyte subset',
    ],
    heldOut: [
      'CD16+ patrolling monocytes',
      'MS4A7 and CDKN1C positive monocytes',
      'monocytes with low CD14 and high Fc gamma receptor III',
    ],
  },
  treg: {
    definition:
      'A CD4-positive alpha-beta T cell with high CD25 that restrains other immune cells, through direct contact and by releasing suppressive cytokines; its identity depends on the transcription factor FOXP3.',
    synonyms: ['regulatory T cell', 'Treg', 'CD4+ CD25+ regulatory T cell', 'suppressor T cell'],
    parents: [
      { id: 'CL:0000624', name: 'CD4-positive, alpha-beta T cell' },
      { id: 'CL:0000815', name: 'regulatory T cell' },
    ],
    phrasings: [
      'regulatory T cells',
      'Tregs',
      'FOXP3 positive regulatory T cells',
      'CD4 T cells expressing FOXP3 and IL2RA',
      'CD25 high CD127 low T cells',
      'suppressive T cells expressing CTLA4 and TIGIT',
      'T cells that maintain self tolerance',
      'CD4+ CD25+ regulatory T lymphocytes',
      'IKZF2 and FOXP3 expressing T cells',
      'T cells that dampen immune responses',
    ],
    heldOut: [
      'FOXP3+ Tregs with high CD25',
      'suppressor T lymphocytes expressing CTLA4',
      'regulatory CD4 T cells that prevent autoimmunity',
    ],
  },
  dendritic: {
    definition:
      'A professional antigen-presenting cell of hematopoietic origin that captures and processes antigens and carries them to lymphoid organs to activate T cells; it lacks the lineage markers CD3, CD19, CD34 and CD56.',
    synonyms: ['DC', 'conventional dendritic cell', 'myeloid dendritic cell', 'cDC'],
    parents: [
      { id: 'CL:0000113', name: 'mononuclear phagocyte' },
      { id: 'CL:0000738', name: 'leukocyte' },
    ],
    phrasings: [
      'dendritic cells',
      'conventional dendritic cells',
      'myeloid dendritic cells expressing FCER1A and CD1C',
      'CD1C positive cDC2',
      'antigen presenting cells with high HLA-DR',
      'dendritic cells with CLEC10A and FCER1A',
      'cells that present antigen to naive T cells in lymph nodes',
      'MHC class II high myeloid cells with CST3',
      'CLEC9A and CD1C dendritic cells',
      'classical DCs in peripheral blood',
    ],
    heldOut: [
      'FCER1A+ CLEC10A+ dendritic cells',
      'professional antigen presenting cells that prime T cells',
      'CD1C expressing myeloid DCs',
    ],
  },
  megakaryocyte: {
    definition:
      'A very large cell with a multi-lobed, polyploid nucleus that produces platelets by fragmenting its cytoplasm after repeated rounds of DNA replication without division.',
    synonyms: ['megacaryocyte', 'platelet precursor', 'megakaryocyte/platelet'],
    parents: [{ id: 'CL:0000763', name: 'myeloid cell' }],
    phrasings: [
      'megakaryocytes',
      'platelets',
      'platelet precursors expressing PPBP and PF4',
      'cells producing platelets',
      'megakaryocytes with ITGA2B and GP9',
      'platelet factor 4 positive cells',
      'thrombocyte lineage cells with TUBB1 and GNG11',
      'CD41 positive megakaryocytic cells',
      'cells expressing pro-platelet basic protein',
      'blood clotting lineage cells',
    ],
    heldOut: [
      'PF4 and PPBP high platelet producing cells',
      'megakaryocyte lineage cells expressing GP9',
      'cells that give rise to blood platelets',
    ],
  },
  pdc: {
    definition:
      'A dendritic cell marked by CD123 that, on sensing viruses, secretes large amounts of type I interferon; it looks like a plasma cell and differs from conventional dendritic cells in shape, location and surface markers.',
    synonyms: ['pDC', 'interferon-producing cell', 'plasmacytoid DC'],
    parents: [{ id: 'CL:0000451', name: 'dendritic cell' }],
    phrasings: [
      'plasmacytoid dendritic cells',
      'pDCs',
      'interferon producing dendritic cells',
      'dendritic cells expressing LILRA4 and CLEC4C',
      'CD123 positive pDCs with IL3RA',
      'cells secreting type I interferon after viral infection',
      'pDCs with TCF4 and IRF7',
      'BDCA2 positive plasmacytoid DCs',
      'dendritic cells with PLD4 and SERPINF1',
      'plasmacytoid cells expressing ITM2C and GZMB',
    ],
    heldOut: [
      'LILRA4+ plasmacytoid dendritic cells',
      'IL3RA high interferon producing cells',
      'pDC with CLEC4C',
    ],
  },
  plasma: {
    definition:
      'A terminally differentiated B lineage cell devoted to secreting large amounts of antibody; it carries CD138, has lost surface immunoglobulin and MHC class II, and is packed with rough endoplasmic reticulum.',
    synonyms: ['plasmacyte', 'plasma B cell', 'antibody secreting cell', 'plasmablast'],
    parents: [{ id: 'CL:0000946', name: 'antibody secreting cell' }],
    phrasings: [
      'plasma cells',
      'plasmablasts',
      'antibody secreting cells',
      'plasma cells expressing JCHAIN and MZB1',
      'CD138 positive plasma cells with SDC1',
      'B lineage cells producing large amounts of immunoglobulin',
      'plasma cells with TNFRSF17 and XBP1',
      'CD38 high antibody factories',
      'terminally differentiated B cells',
      'plasmablasts with PRDM1 and DERL3',
    ],
    heldOut: [
      'JCHAIN high antibody secreting plasma cells',
      'BCMA positive plasmablasts',
      'immunoglobulin secreting B lineage cells',
    ],
  },
  hspc: {
    definition:
      'A hematopoietic cell that has not yet committed to a final fate and gives rise to other blood cell types; in blood these are rare CD34-positive stem and progenitor cells.',
    synonyms: ['hematopoietic stem and progenitor cell', 'HSPC', 'CD34+ progenitor', 'blood progenitor cell'],
    parents: [{ id: 'CL:0000988', name: 'hematopoietic cell' }],
    phrasings: [
      'hematopoietic progenitor cells',
      'CD34 positive cells',
      'hematopoietic stem and progenitor cells',
      'HSPCs expressing CD34 and SPINK2',
      'blood progenitors with PROM1 and CRHBP',
      'multipotent progenitors that make all blood lineages',
      'circulating CD34+ stem cells',
      'progenitor cells expressing SOX4 and CYTL1',
      'undifferentiated precursor cells of the blood',
      'stem like cells with AVP and CD34',
    ],
    heldOut: [
      'CD34+ hematopoietic stem cells',
      'SPINK2 positive blood progenitors',
      'precursors of all blood cell types',
    ],
  },
};

/** Label texts for every demo cell type, in the atlas's cell-type order. */
export const CELL_TYPE_LABELS: readonly CellTypeLabel[] = CELL_TYPES.map((spec) => {
  const source = LABEL_SOURCES[spec.key];
  return {
    key: spec.key,
    name: spec.name,
    ontologyId: spec.ontologyId,
    definition: source.definition,
    prompt: labelPrompt(spec.name, source.definition),
    synonyms: source.synonyms,
    parents: source.parents,
    markers: spec.markers,
    phrasings: [
      ...source.phrasings.map((text) => ({ text, heldOut: false })),
      ...source.heldOut.map((text) => ({ text, heldOut: true })),
    ],
  };
});
