// The cell types of the demo atlas and how each one is expressed. This is the biology of the
// generator (seed/atlas.ts); the label texts for the same types live in seed/labels.ts.
//
// Expression is given as log2 fold changes over a gene's "off" baseline (see ROLE_BASELINES in
// atlas.ts). Types reuse shared lineage programs (T cell, MHC class II, myeloid), so the types of
// one lineage differ only in a few genes: CD4 T / CD8 T / Treg and CD14 mono / FCGR3A mono / DC are
// meant to be hard negatives for each other, as they are in real PBMC data.

export type CellTypeKey =
  | 'cd4_t'
  | 'cd14_mono'
  | 'cd8_t'
  | 'b_cell'
  | 'nk_cell'
  | 'fcgr3a_mono'
  | 'treg'
  | 'dendritic'
  | 'megakaryocyte'
  | 'pdc'
  | 'plasma'
  | 'hspc';

/** log2 fold change over baseline, by gene symbol. */
export type ExpressionProgram = Readonly<Record<string, number>>;

/** Types of one lineage share most of their transcriptome beyond the named programs. */
export type Lineage = 't_nk' | 'b' | 'myeloid' | 'pdc' | 'megakaryocyte' | 'progenitor';

export interface CellTypeSpec {
  readonly key: CellTypeKey;
  readonly lineage: Lineage;
  /** Cell Ontology label: the label stored with each cell and used in the LangCell prompt. */
  readonly name: string;
  readonly ontologyId: string;
  /** Expected fraction of PBMCs (the atlas uses exactly these proportions, rounded). */
  readonly proportion: number;
  /** Relative RNA content: monocytes and plasma cells carry more UMIs than lymphocytes. */
  readonly librarySizeFactor: number;
  /** Defining markers: specific to this type within the atlas (tests check this). */
  readonly markers: readonly string[];
  readonly expression: ExpressionProgram;
  /** A within-type continuum (e.g. naive ↔ memory): per cell z ~ U(-1, 1), log2 effect z·value. */
  readonly continuum?: ExpressionProgram;
  /** Fraction of cells in cycle (the proliferation program switched on). */
  readonly cyclingFraction: number;
  /** Fraction of cells showing a type I interferon response. */
  readonly interferonFraction: number;
}

/** Scales every fold change of a program (a weaker copy of a shared program). */
function scaled(program: ExpressionProgram, factor: number): ExpressionProgram {
  return Object.fromEntries(Object.entries(program).map(([gene, lfc]) => [gene, lfc * factor]));
}

const T_CELL: ExpressionProgram = {
  CD3D: 6.5, CD3E: 6, CD3G: 5.5, CD2: 5, CD5: 4.5, CD6: 4.5, CD7: 4.5, CD28: 4, CD247: 4.5,
  LCK: 5, ZAP70: 4, BCL11B: 4.5, IL32: 5.5, LAT: 4, ITK: 4, TRAT1: 3.5, CD27: 4, GIMAP7: 4.5,
  GIMAP4: 4, TCF7: 4, LEF1: 3.5,
};

const CD4_HELPER: ExpressionProgram = {
  CD4: 4.5, IL7R: 5, LTB: 5, MAL: 4, CD40LG: 4, NOSIP: 3, TSHZ2: 3, FHIT: 3, CCR7: 3.5, SELL: 3.5,
  ICOS: 2.5,
};

const MHC_CLASS_II: ExpressionProgram = {
  CD74: 5, 'HLA-DRA': 5.5, 'HLA-DRB1': 5, 'HLA-DRB5': 4.5, 'HLA-DQA1': 4, 'HLA-DQB1': 4,
  'HLA-DPA1': 4.5, 'HLA-DPB1': 4.5, 'HLA-DMA': 3.5, 'HLA-DMB': 3.5,
};

const MYELOID: ExpressionProgram = {
  LYZ: 8, CST3: 6, FCER1G: 5, TYROBP: 5.5, AIF1: 5, LST1: 5, CTSS: 5.5, CD68: 4.5, PSAP: 5,
  FCN1: 5.5, MNDA: 5, SPI1: 4, CEBPB: 4, TYMP: 4.5, NPC2: 4.5, SERPINA1: 4.5, CSF1R: 2.5,
  LGALS1: 3.5, LGALS3: 4, CFD: 4, COTL1: 4, SAT1: 4, IFITM2: 3.5,
};

const CYTOTOXIC: ExpressionProgram = {
  GNLY: 7, NKG7: 6.5, GZMB: 5.5, GZMA: 5, PRF1: 5, KLRD1: 5.5, KLRF1: 5, NCAM1: 3.5, KLRB1: 3,
  CTSW: 5, FGFBP2: 5, SPON2: 5, XCL1: 3.5, XCL2: 3.5, NCR1: 3.5, KIR2DL1: 2.5, KIR3DL1: 2.5,
  SH2D1B: 3.5, TXK: 3, CST7: 5, HOPX: 3.5, CCL5: 4.5, GZMH: 3.5,
};

export const CELL_TYPES: readonly CellTypeSpec[] = [
  {
    key: 'cd4_t',
    lineage: 't_nk',
    name: 'CD4-positive, alpha-beta T cell',
    ontologyId: 'CL:0000624',
    proportion: 0.31,
    librarySizeFactor: 0.85,
    markers: ['CD4', 'IL7R', 'CD40LG'],
    expression: { ...T_CELL, ...CD4_HELPER },
    continuum: { CCR7: 1.5, SELL: 1.5, LEF1: 1.5, TCF7: 1, S100A4: -1.5, KLRB1: -2, IL32: -1 },
    cyclingFraction: 0.01,
    interferonFraction: 0.05,
  },
  {
    key: 'cd14_mono',
    lineage: 'myeloid',
    name: 'CD14-positive monocyte',
    ontologyId: 'CL:0001054',
    proportion: 0.17,
    librarySizeFactor: 1.3,
    markers: ['CD14', 'S100A8', 'S100A9', 'LYZ'],
    expression: {
      ...MYELOID,
      ...scaled(MHC_CLASS_II, 0.6),
      S100A8: 8, S100A9: 8.5, S100A12: 6, VCAN: 5.5, CD14: 5.5, CCR2: 4, CD36: 4.5, LGALS2: 4.5,
      CSF3R: 4, FOS: 3, MS4A6A: 4.5, CEBPD: 4, PLBD1: 4, RBP7: 3.5, ALDH2: 4, GPX1: 3,
    },
    cyclingFraction: 0.005,
    interferonFraction: 0.08,
  },
  {
    key: 'cd8_t',
    lineage: 't_nk',
    name: 'CD8-positive, alpha-beta T cell',
    ontologyId: 'CL:0000625',
    proportion: 0.13,
    librarySizeFactor: 0.9,
    markers: ['CD8A', 'CD8B', 'GZMK'],
    expression: {
      ...T_CELL,
      CD8A: 6, CD8B: 6, CD8B2: 4, GZMK: 5, GZMH: 4.5, CCL5: 5.5, NKG7: 4, GZMA: 4, CST7: 3.5,
      LAG3: 2, CRTAM: 3, KLRB1: 2.5, CTSW: 3, CCR7: 2.5, SELL: 2.5, IL7R: 2, LTB: 2, PRF1: 2,
    },
    continuum: { CCR7: 1.5, SELL: 1.5, LEF1: 1.5, GZMH: -2, GZMK: -1, CCL5: -1.5, NKG7: -1.5 },
    cyclingFraction: 0.015,
    interferonFraction: 0.05,
  },
  {
    key: 'b_cell',
    lineage: 'b',
    name: 'B cell',
    ontologyId: 'CL:0000236',
    proportion: 0.1,
    librarySizeFactor: 0.95,
    markers: ['MS4A1', 'CD79A', 'CD19'],
    expression: {
      ...MHC_CLASS_II,
      MS4A1: 6.5, CD79A: 6.5, CD79B: 6, CD19: 4.5, CD22: 4.5, BANK1: 4.5, PAX5: 4.5, TCL1A: 5,
      FCER2: 4, VPREB3: 4, CD37: 4, FCRLA: 4, BLK: 4, CD72: 3.5, IGLL5: 3, FCRL5: 2.5,
      POU2AF1: 3.5, CD24: 3, TNFRSF13C: 3.5, LTB: 2.5, SPIB: 3, IRF8: 2.5, CD27: 1.5,
    },
    continuum: { TCL1A: 1.5, FCER2: 1.5, CD27: -1.5 },
    cyclingFraction: 0.01,
    interferonFraction: 0.06,
  },
  {
    key: 'nk_cell',
    lineage: 't_nk',
    name: 'natural killer cell',
    ontologyId: 'CL:0000623',
    proportion: 0.09,
    librarySizeFactor: 0.95,
    markers: ['GNLY', 'KLRF1', 'NCAM1'],
    expression: {
      ...CYTOTOXIC,
      FCGR3A: 4.5, IL2RB: 4, TYROBP: 5, FCER1G: 4.5, CD247: 4.5, CD7: 5, CD2: 3.5, ZAP70: 3,
      LAT: 2, IL32: 2,
    },
    cyclingFraction: 0.015,
    interferonFraction: 0.06,
  },
  {
    key: 'fcgr3a_mono',
    lineage: 'myeloid',
    name: 'CD14-low, CD16-positive monocyte',
    ontologyId: 'CL:0002396',
    proportion: 0.055,
    librarySizeFactor: 1.25,
    markers: ['FCGR3A', 'MS4A7', 'CDKN1C'],
    expression: {
      ...MYELOID,
      ...scaled(MHC_CLASS_II, 0.7),
      LYZ: 6, FCN1: 3.5, SERPINA1: 5, CSF1R: 5,
      FCGR3A: 6.5, MS4A7: 5.5, CDKN1C: 5, HES4: 4.5, IFITM3: 5, RHOC: 4.5, CX3CR1: 4,
      SIGLEC10: 4, LILRB2: 4, VMO1: 4.5, TCF7L2: 4, ABI3: 3.5, ZNF703: 3, C1QA: 3.5, S100A8: 3.5,
      S100A9: 4, CD14: 2,
    },
    cyclingFraction: 0.005,
    interferonFraction: 0.08,
  },
  {
    key: 'treg',
    lineage: 't_nk',
    name: 'CD4-positive, CD25-positive, alpha-beta regulatory T cell',
    ontologyId: 'CL:0000792',
    proportion: 0.04,
    librarySizeFactor: 0.9,
    markers: ['FOXP3', 'IL2RA', 'CTLA4'],
    expression: {
      ...T_CELL,
      ...CD4_HELPER,
      // Tregs are CD127 (IL7R) low and mostly antigen-experienced.
      CD4: 4, IL7R: 2.5, CD40LG: 2.5, CCR7: 2, LTB: 3.5,
      FOXP3: 5.5, IL2RA: 5, CTLA4: 5, TIGIT: 4.5, IKZF2: 4, RTKN2: 4, BATF: 4, TNFRSF4: 4,
      TNFRSF18: 3.5, LAYN: 3, IL2RB: 2, ICOS: 4,
    },
    cyclingFraction: 0.02,
    interferonFraction: 0.05,
  },
  {
    key: 'dendritic',
    lineage: 'myeloid',
    name: 'dendritic cell',
    ontologyId: 'CL:0000451',
    proportion: 0.03,
    librarySizeFactor: 1.35,
    markers: ['FCER1A', 'CLEC10A', 'CD1C'],
    expression: {
      ...MYELOID,
      ...scaled(MHC_CLASS_II, 1.2),
      LYZ: 6, FCN1: 2, CST3: 7, FCER1A: 6, CLEC10A: 5.5, CD1C: 5.5, CLEC9A: 3, ITGAX: 4, ENHO: 4.5,
      CPVL: 4.5, FLT3: 3.5, PKIB: 4, 'HLA-DQA2': 4, CLIC2: 3.5, CD1E: 3.5, LGALS2: 4, S100A9: 2,
      S100A8: 1.5, IRF8: 3, SPI1: 3,
    },
    cyclingFraction: 0.01,
    interferonFraction: 0.07,
  },
  {
    key: 'megakaryocyte',
    lineage: 'megakaryocyte',
    name: 'megakaryocyte',
    ontologyId: 'CL:0000556',
    proportion: 0.025,
    librarySizeFactor: 0.7,
    markers: ['PPBP', 'PF4', 'ITGA2B', 'GP9'],
    expression: {
      PPBP: 8.5, PF4: 8, ITGA2B: 4.5, GP9: 5.5, GP1BA: 4, TUBB1: 5.5, SPARC: 5, GNG11: 5.5,
      CLU: 5, NRGN: 6, TREML1: 4.5, CAVIN2: 5, RGS18: 4.5, MPIG6B: 4.5, PRKAR2B: 4.5, F13A1: 3.5,
      TMEM40: 3.5, ACRBP: 4.5,
    },
    cyclingFraction: 0,
    interferonFraction: 0.03,
  },
  {
    key: 'pdc',
    lineage: 'pdc',
    name: 'plasmacytoid dendritic cell',
    ontologyId: 'CL:0000784',
    proportion: 0.02,
    librarySizeFactor: 1.2,
    markers: ['IL3RA', 'LILRA4', 'CLEC4C'],
    expression: {
      ...scaled(MHC_CLASS_II, 0.8),
      // pDCs share JCHAIN/MZB1 with plasma cells and GZMB with NK cells: deliberate look-alikes.
      IL3RA: 5, LILRA4: 6, CLEC4C: 5.5, IRF7: 5, IRF8: 5, TCF4: 5.5, SPIB: 5, PLD4: 6,
      SERPINF1: 5.5, PTCRA: 4.5, ITM2C: 6, LAMP5: 4.5, GZMB: 5, SMPD3: 4, PPP1R14B: 4, JCHAIN: 5,
      MZB1: 4.5, CD4: 3,
    },
    cyclingFraction: 0.01,
    interferonFraction: 0.15,
  },
  {
    key: 'plasma',
    lineage: 'b',
    name: 'plasma cell',
    ontologyId: 'CL:0000786',
    proportion: 0.015,
    librarySizeFactor: 1.8,
    markers: ['JCHAIN', 'MZB1', 'SDC1', 'TNFRSF17'],
    expression: {
      ...scaled(MHC_CLASS_II, 0.25),
      JCHAIN: 8, MZB1: 7, SDC1: 5, XBP1: 5.5, PRDM1: 4.5, TNFRSF17: 5.5, DERL3: 5.5, TXNDC5: 6,
      PRDX4: 4.5, SSR4: 5, CD38: 5.5, SEC11C: 5, FKBP11: 5, IRF4: 4, POU2AF1: 4, CD27: 4,
      CD79A: 3.5, IGLL5: 4, FCRL5: 3,
    },
    cyclingFraction: 0.35,
    interferonFraction: 0.05,
  },
  {
    key: 'hspc',
    lineage: 'progenitor',
    name: 'hematopoietic precursor cell',
    ontologyId: 'CL:0008001',
    proportion: 0.015,
    librarySizeFactor: 1.3,
    markers: ['CD34', 'SPINK2', 'PROM1'],
    expression: {
      ...scaled(MHC_CLASS_II, 0.5),
      CD34: 6, KIT: 3.5, PROM1: 4, SPINK2: 6, SOX4: 5, CRHBP: 4.5, AVP: 4.5, MEIS1: 4, GATA2: 3.5,
      MYB: 4, CYTL1: 5, SMIM24: 5, EGFL7: 4.5, ERG: 3.5, HOPX: 4, STMN1: 3, NPR3: 4, PRSS57: 4.5,
      FLT3: 3, CD38: 2,
    },
    cyclingFraction: 0.25,
    interferonFraction: 0.03,
  },
];

export const CELL_TYPE_BY_KEY: ReadonlyMap<CellTypeKey, CellTypeSpec> = new Map(
  CELL_TYPES.map((spec) => [spec.key, spec]),
);
