import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AtlasError } from '../errors.ts';
import {
  GRAPH_FILES,
  REQUIRED_BUNDLE_FILES,
  bundleIdFor,
  classifierClassesSchema,
  int8EffectiveFiles,
  int8FileName,
  manifestSchema,
  type BundleManifest,
  type ClassifierClass,
  type GraphFile,
  type Int8Fidelity,
  type Precision,
} from './manifest.ts';

/** The demo bundle committed with the project: the default wherever no bundle is named. */
export const DEMO_BUNDLE_DIR = fileURLToPath(new URL('../../seed/bundle/', import.meta.url));

/** A verified bundle: manifest plus the small vocabulary files, parsed. ONNX files stay on disk. */
export interface ModelBundle {
  readonly dir: string;
  /**
   * The manifest of the model that runs. For int8 its `id` is the int8 id and `files` lists the int8
   * graphs in place of the fp32 ones, so whatever records a model id (the atlas store) tells an
   * int8-embedded atlas from an fp32 one without knowing about precisions.
   */
  readonly manifest: BundleManifest;
  /** The manifest as written on disk (fp32 id, both sections). */
  readonly storedManifest: BundleManifest;
  readonly precision: Precision;
  /** The graph file that runs for `graph` at this precision. */
  graphPath(graph: GraphFile): string;
  /** Ensembl id → cell token id, including `<pad>`, `<mask>`, `<cls>`. */
  readonly geneVocab: ReadonlyMap<string, number>;
  /** Ensembl id → Geneformer non-zero median of count/n_counts×10,000. */
  readonly geneMedians: ReadonlyMap<string, number>;
  /** Gene symbol → Ensembl id (empty when the bundle ships none). */
  readonly geneSymbols: ReadonlyMap<string, string>;
  /** The Hugging Face tokenizer.json, parsed. */
  readonly tokenizerJson: Record<string, unknown>;
  /** The classes of `cell_classifier.onnx` in logit order, or null when the bundle has no classifier. */
  readonly classifierClasses: readonly ClassifierClass[] | null;
  filePath(name: string): string;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readJson(dir: string, file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(dir, file), 'utf8'));
  } catch (error) {
    throw new AtlasError('BUNDLE_FILE_CORRUPT', `Bundle file ${join(dir, file)} is not valid JSON: ${(error as Error).message}`, {
      file,
    });
  }
}

function numberMap(value: unknown, file: string): Map<string, number> {
  if (typeof value !== 'object' || value === null) throw new AtlasError('BUNDLE_FILE_CORRUPT', `${file} must be a JSON object`);
  const map = new Map<string, number>();
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'number' || !Number.isFinite(entry)) {
      throw new AtlasError('BUNDLE_FILE_CORRUPT', `${file}: entry ${JSON.stringify(key)} is not a finite number`);
    }
    map.set(key, entry);
  }
  return map;
}

/** The classifier's class list, which must be a listed file with one entry per logit. */
async function readClassifierClasses(root: string, manifest: BundleManifest): Promise<ClassifierClass[]> {
  const { file, classes, numClasses } = manifest.classifier!;
  for (const listed of [file, classes]) {
    if (!manifest.files[listed]) throw new AtlasError('BUNDLE_MANIFEST_INVALID', `The manifest names a classifier but does not list ${listed}`, { file: listed });
  }
  const parsed = classifierClassesSchema.safeParse(await readJson(root, classes));
  if (!parsed.success) throw new AtlasError('BUNDLE_FILE_CORRUPT', `${classes} must be a list of { name, ontologyId }: ${parsed.error.issues[0]?.message ?? ''}`, { file: classes });
  if (parsed.data.length !== numClasses) {
    throw new AtlasError('BUNDLE_FILE_CORRUPT', `${classes} lists ${parsed.data.length} classes, the manifest says ${numClasses}`, { file: classes });
  }
  return parsed.data;
}

async function verifyFiles(root: string, files: Readonly<Record<string, { sha256: string; bytes: number }>>): Promise<void> {
  await Promise.all(
    Object.entries(files).map(async ([file, expected]) => {
      const path = join(root, file);
      const info = await stat(path).catch(() => null);
      if (!info) throw new AtlasError('BUNDLE_FILE_MISSING', `Bundle file ${path} is missing`, { file });
      if (info.size !== expected.bytes) {
        throw new AtlasError('BUNDLE_FILE_CORRUPT', `Bundle file ${path} has ${info.size} bytes, the manifest records ${expected.bytes}`, {
          file,
        });
      }
      const actual = await sha256OfFile(path);
      if (actual !== expected.sha256) {
        throw new AtlasError('BUNDLE_FILE_CORRUPT', `Bundle file ${path} has sha256 ${actual}, the manifest records ${expected.sha256}`, {
          file,
        });
      }
    }),
  );
}

export interface LoadBundleOptions {
  /** Which graphs run: fp32 (the default) or the bundle's int8 twins. */
  precision?: Precision;
  /**
   * Open int8 graphs that have no fidelity record yet. Only for measuring that record
   * (`langcell-atlas fidelity`) and for benchmarks; the service never sets it.
   */
  allowUnmeasuredInt8?: boolean;
}

/**
 * Writes the measured fidelity into the bundle's `manifest.json` (`int8.fidelity`), keeping every
 * other field as it was on disk; written beside it and renamed, so a crash leaves the old manifest.
 */
export async function recordInt8Fidelity(dir: string, fidelity: Int8Fidelity): Promise<void> {
  const path = join(resolve(dir), 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { int8?: Record<string, unknown> };
  if (!manifest.int8) throw new AtlasError('BUNDLE_PRECISION_UNAVAILABLE', `${path} has no int8 section to record fidelity in`);
  manifest.int8.fidelity = fidelity;
  const temporary = `${path}.partial-${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, path);
}

/**
 * Why int8 graphs may not run: no int8 section, no fidelity record, or a record measured on other
 * graphs than these (a re-export or re-quantization since). Null when they may.
 */
export function int8Refusal(manifest: BundleManifest): string | null {
  const int8 = manifest.int8;
  if (!int8) return 'the bundle has no int8 graphs (add them with `python3 -m tools.model quantize BUNDLE_DIR`)';
  const fidelity = int8.fidelity;
  if (!fidelity) return 'its int8 graphs were never measured against their fp32 twins (run `langcell-atlas fidelity --bundle BUNDLE_DIR`)';
  for (const graph of GRAPH_FILES) {
    if (fidelity.fp32[graph] !== manifest.files[graph]?.sha256 || fidelity.int8[int8FileName(graph)] !== int8.files[int8FileName(graph)]?.sha256) {
      return `its int8 fidelity record was measured on other graphs than ${graph} and ${int8FileName(graph)} (measure again: \`langcell-atlas fidelity --bundle BUNDLE_DIR\`)`;
    }
  }
  return null;
}

/**
 * Opens a bundle directory: parses the manifest, checks that every listed file exists with the
 * recorded size and sha256, that the id follows the id rule, and that the vocabularies agree with
 * the manifest's special ids. Any mismatch is an error naming the file. With `precision: 'int8'`
 * the int8 graphs are verified the same way, and refused unless their fidelity to the fp32 twins
 * was measured (`int8Refusal`).
 */
export async function loadBundle(dir: string = DEMO_BUNDLE_DIR, options: LoadBundleOptions = {}): Promise<ModelBundle> {
  const precision = options.precision ?? 'fp32';
  const root = resolve(dir);
  const manifestPath = join(root, 'manifest.json');
  const manifestStat = await stat(manifestPath).catch(() => null);
  if (!manifestStat) {
    throw new AtlasError('BUNDLE_NOT_FOUND', `No model bundle at ${root}: manifest.json is missing. Export one with tools/model (see README).`, {
      dir: root,
    });
  }
  const parsed = manifestSchema.safeParse(await readJson(root, 'manifest.json'));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new AtlasError('BUNDLE_MANIFEST_INVALID', `${manifestPath} is not a langcell-onnx/1 manifest: ${problems}`);
  }
  const manifest = parsed.data;

  for (const required of REQUIRED_BUNDLE_FILES) {
    if (!manifest.files[required]) {
      throw new AtlasError('BUNDLE_MANIFEST_INVALID', `${manifestPath} does not list the required file ${required}`, { file: required });
    }
  }
  await verifyFiles(root, manifest.files);
  const expectedId = bundleIdFor(manifest.name, manifest.files);
  if (manifest.id !== expectedId) {
    throw new AtlasError('BUNDLE_MANIFEST_INVALID', `${manifestPath}: id ${manifest.id} does not follow the id rule (expected ${expectedId})`);
  }
  let running = manifest;
  if (precision === 'int8') {
    const int8 = manifest.int8;
    const refusal = int8Refusal(manifest);
    if (!int8 || (refusal && !options.allowUnmeasuredInt8)) {
      throw new AtlasError('BUNDLE_PRECISION_UNAVAILABLE', `LANGCELL_PRECISION=int8 refused for ${root}: ${refusal?.replaceAll('BUNDLE_DIR', root)}. Or use LANGCELL_PRECISION=fp32.`, {
        dir: root,
      });
    }
    await verifyFiles(root, int8.files);
    const files = int8EffectiveFiles(manifest.files, int8.files);
    const expectedInt8Id = bundleIdFor(`${manifest.name}-int8`, files);
    if (int8.id !== expectedInt8Id) {
      throw new AtlasError('BUNDLE_MANIFEST_INVALID', `${manifestPath}: int8.id ${int8.id} does not follow the id rule (expected ${expectedInt8Id})`);
    }
    running = { ...manifest, id: int8.id, files };
  }

  const geneVocab = numberMap(await readJson(root, 'gene_vocab.json'), 'gene_vocab.json');
  const specials: Array<[string, number]> = [
    ['<pad>', manifest.cell.padId],
    ['<mask>', manifest.cell.maskId],
    ['<cls>', manifest.cell.clsId],
  ];
  for (const [token, id] of specials) {
    if (geneVocab.get(token) !== id) {
      throw new AtlasError('BUNDLE_FILE_CORRUPT', `gene_vocab.json maps ${token} to ${geneVocab.get(token)}, the manifest says ${id}`);
    }
  }
  if (geneVocab.size > manifest.cell.vocabSize) {
    throw new AtlasError('BUNDLE_FILE_CORRUPT', `gene_vocab.json has ${geneVocab.size} ids but the cell encoder embeds only ${manifest.cell.vocabSize}`);
  }
  const geneMedians = numberMap(await readJson(root, 'gene_medians.json'), 'gene_medians.json');
  const geneSymbols = new Map<string, string>();
  if (manifest.files['gene_symbols.json']) {
    const symbols = await readJson(root, 'gene_symbols.json');
    for (const [symbol, id] of Object.entries(symbols as Record<string, unknown>)) {
      if (typeof id === 'string') geneSymbols.set(symbol, id);
    }
  }
  const tokenizerJson = (await readJson(root, 'tokenizer.json')) as Record<string, unknown>;
  const classifierClasses = manifest.classifier ? await readClassifierClasses(root, manifest) : null;

  return {
    dir: root,
    manifest: running,
    storedManifest: manifest,
    precision,
    graphPath: (graph: GraphFile) => join(root, precision === 'int8' ? int8FileName(graph) : graph),
    geneVocab,
    geneMedians,
    geneSymbols,
    tokenizerJson,
    classifierClasses,
    filePath: (name: string) => join(root, name),
  };
}
