import { createHash } from 'node:crypto';
import { z } from 'zod';

/** zod model of `manifest.json` (docs/bundle-format.md); parsed once when a bundle is opened. */
const fileEntry = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });

const encoderDims = {
  hiddenSize: z.number().int().positive(),
  layers: z.number().int().positive(),
  heads: z.number().int().positive(),
  intermediateSize: z.number().int().positive(),
  maxLength: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  padId: z.number().int().nonnegative(),
};

/**
 * How close the int8 graphs come to their fp32 twins, measured by `langcell-atlas fidelity`
 * (src/cli/fidelity-command.ts). `fp32`/`int8` record the sha256 of the graphs measured, so a
 * record cannot outlive a re-export or re-quantization of either side.
 */
export const int8FidelitySchema = z.object({
  measuredAt: z.string(),
  fp32: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  int8: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  cellEmbeddingCosine: z.object({ cells: z.number().int().positive(), min: z.number(), p01: z.number(), mean: z.number() }),
  pMatchMaxAbsDiff: z.object({ pairs: z.number().int().positive(), value: z.number().nonnegative() }),
  top1Agreement: z.record(z.string(), z.object({ cells: z.number().int().positive(), labels: z.number().int().positive(), agreement: z.number().min(0).max(1) })),
  textToCellPrecisionAt10: z.object({ queries: z.number().int().positive(), fp32: z.number(), int8: z.number(), absDiff: z.number().nonnegative() }),
  targets: z.record(z.string(), z.object({ target: z.string(), met: z.boolean() })),
});

export type Int8Fidelity = z.infer<typeof int8FidelitySchema>;

export const int8SectionSchema = z.object({
  id: z.string().min(1),
  files: z.record(z.string(), fileEntry),
  quantization: z.record(z.string(), z.unknown()),
  referenceMaxAbsDiff: z.record(z.string(), z.number()).optional(),
  fidelity: int8FidelitySchema.optional(),
});

export const manifestSchema = z.object({
  format: z.literal('langcell-onnx/1'),
  id: z.string().min(1),
  name: z.string().min(1),
  createdAt: z.string(),
  embeddingDim: z.number().int().positive(),
  cell: z.object({ ...encoderDims, maskId: z.number().int().nonnegative(), clsId: z.number().int().nonnegative() }),
  text: z.object({
    ...encoderDims,
    unkId: z.number().int().nonnegative(),
    clsId: z.number().int().nonnegative(),
    sepId: z.number().int().nonnegative(),
    lowercase: z.boolean(),
  }),
  scoring: z.object({ temperature: z.number().positive(), alpha: z.number().min(0).max(1) }),
  onnx: z.object({ opset: z.number().int() }),
  files: z.record(z.string(), fileEntry),
  provenance: z.record(z.string(), z.unknown()),
  training: z.record(z.string(), z.unknown()).optional(),
  /** Present when the bundle carries a LangCell-CE classifier (tools/model finetune). */
  classifier: z
    .object({ file: z.literal('cell_classifier.onnx'), classes: z.literal('cell_classifier_classes.json'), numClasses: z.number().int().positive() })
    .optional(),
  /** int8 twins of the graphs (tools/model quantize), listed apart so the fp32 id stays as it was. */
  int8: int8SectionSchema.optional(),
});

/** One output of `cell_classifier.onnx`, in logit order. */
export const classifierClassesSchema = z.array(z.object({ name: z.string().min(1), ontologyId: z.string().nullable() })).min(1);

export type ClassifierClass = z.infer<typeof classifierClassesSchema>[number];

export type BundleManifest = z.infer<typeof manifestSchema>;

/** Files every bundle must list; `gene_symbols.json` is optional. */
export const REQUIRED_BUNDLE_FILES = [
  'cell_encoder.onnx',
  'text_encoder.onnx',
  'ctm.onnx',
  'gene_vocab.json',
  'gene_medians.json',
  'tokenizer.json',
] as const;

/** The three graphs, by their fp32 file names. */
export const GRAPH_FILES = ['cell_encoder.onnx', 'text_encoder.onnx', 'ctm.onnx'] as const;
export type GraphFile = (typeof GRAPH_FILES)[number];

export type Precision = 'fp32' | 'int8';

/** `cell_encoder.onnx` → `cell_encoder.int8.onnx` (tools/model/quantize.py's naming). */
export function int8FileName(graph: GraphFile): string {
  return graph.replace(/\.onnx$/, '.int8.onnx');
}

/**
 * The int8 model's files: the fp32 files with the three graphs replaced by their int8 twins. Its
 * id is the id rule over these, named `<name>-int8` (tools/model/export.py `int8_bundle_id`).
 */
export function int8EffectiveFiles(
  files: Readonly<Record<string, { sha256: string; bytes: number }>>,
  int8Files: Readonly<Record<string, { sha256: string; bytes: number }>>,
): Record<string, { sha256: string; bytes: number }> {
  const effective: Record<string, { sha256: string; bytes: number }> = {};
  for (const [file, entry] of Object.entries(files)) if (!(GRAPH_FILES as readonly string[]).includes(file)) effective[file] = entry;
  for (const graph of GRAPH_FILES) {
    const entry = int8Files[int8FileName(graph)];
    if (entry) effective[int8FileName(graph)] = entry;
  }
  return effective;
}

/**
 * The bundle id rule shared with the Python exporter: name + first 12 hex of
 * sha256("<file> <sha256>\n" for every listed file, files sorted by byte order).
 */
export function bundleIdFor(name: string, files: Readonly<Record<string, { sha256: string }>>): string {
  const names = Object.keys(files).sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
  const hash = createHash('sha256');
  for (const file of names) hash.update(`${file} ${files[file]!.sha256}\n`);
  return `${name}-${hash.digest('hex').slice(0, 12)}`;
}
