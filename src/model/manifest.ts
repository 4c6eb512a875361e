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
