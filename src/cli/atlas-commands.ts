/**
 * CLI over the atlas: ingest, worker, datasets, labels, index, and the terminal forms of the API's
 * questions (search, annotate-cell). Every command goes through the same `Atlas` the API serves
 * from. Output goes to stdout as plain tables (or JSON with --json); logs and progress to stderr.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Atlas } from '../atlas/atlas.ts';
import type { Annotation, CellHit } from '../atlas/types.ts';
import type { Config } from '../config.ts';
import { AtlasError } from '../errors.ts';
import { IngestWorker } from '../ingest/ingestion.ts';
import { EXPRESSION_FORMATS, MATRIX_CHOICES, type ExpressionFormat, type MatrixChoice } from '../ingest/readers/types.ts';
import { openVectorIndex } from '../index/index.ts';
import { keepLayoutCurrent } from '../layout/layout-job.ts';
import { indexOptions, layoutPolicy, openRuntime } from '../runtime.ts';
import { STATED_VALUE_TYPES, type StatedValueType } from '../model/expression-values.ts';
import { openConfiguredAtlas } from './open-atlas.ts';
import { startProgress } from './progress.ts';

const log = (message: string) => process.stderr.write(`${message}\n`);

function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((v, c) => String(v).padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** Runs `work` with the atlas as a CLI uses it: no worker of its own, index opened only if needed and never written. */
async function withAtlas<T>(config: Config, work: (atlas: Atlas) => Promise<T>): Promise<T> {
  const atlas = await openConfiguredAtlas(config, { serving: false, log });
  try {
    return await work(atlas);
  } finally {
    await atlas.close();
  }
}

/** Stops when the user interrupts (Ctrl-C, SIGTERM): the signal aborts, the handlers are removed on `release`. */
function interruption(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

function printHits(hits: readonly CellHit[]): void {
  // The CTM column only when a search was reranked (neighbours of a cell never are).
  const reranked = hits.some((hit) => hit.ctmProbability !== null && hit.ctmProbability !== undefined);
  const rows: (string | number)[][] = [['cell', 'dataset', 'external id', 'label', 'similarity', ...(reranked ? ['ctm'] : [])]];
  for (const hit of hits) {
    rows.push([hit.cell.id, hit.cell.datasetName, hit.cell.externalId, hit.cell.label ?? '', hit.similarity.toFixed(4), ...(reranked ? [hit.ctmProbability?.toFixed(4) ?? ''] : [])]);
  }
  process.stdout.write(table(rows));
}

function printAnnotation(annotation: Annotation): void {
  const answer = annotation.label?.name ?? `UNASSIGNED, ${annotation.reason} (best: ${annotation.bestLabel.name})`;
  const calibration = annotation.calibrated ? 'calibrated' : 'uncalibrated: no fitted decision for this atlas yet';
  process.stdout.write(
    `label: ${answer}  confidence: ${annotation.confidence.toFixed(3)} (${calibration}; abstain below ${annotation.abstainBelow})\n` +
      `decided by: ${annotation.decidedBy.join(', ')}${annotation.adapter ? ` (adapter ${annotation.adapter})` : ''}\n` +
      (annotation.rolledUp ? `rolled up: ${annotation.rolledUp.name} (${annotation.rolledUp.ontologyId}) with confidence ${annotation.rolledUp.confidence.toFixed(3)}\n` : '') +
      (annotation.novelty ? `novelty: ${annotation.novelty.score.toFixed(2)} (novel above 1: nearest reference ${annotation.novelty.nearestDistance?.toFixed(3) ?? 'none'}, best label text ${annotation.novelty.bestTextSimilarity.toFixed(3)}${annotation.novelty.bestSignatureSimilarity === null ? '' : `, best gene signature ${annotation.novelty.bestSignatureSimilarity.toFixed(3)}`})\n` : '') +
      '\n',
  );
  // Columns of sources this answer has (an atlas without adapters has no adapter column).
  const columns: [string, (c: Annotation['candidates'][number]) => string][] = [
    ['zero-shot', (c) => c.zeroShot.toFixed(4)],
    ['p_match', (c) => c.pMatch?.toFixed(4) ?? ''],
    ['fused', (c) => c.fused.toFixed(4)],
    ['kNN share', (c) => c.knnShare.toFixed(3)],
    ['signature', (c) => c.signature?.toFixed(3) ?? ''],
    ['adapter', (c) => c.adapter?.toFixed(4) ?? ''],
    ['classifier', (c) => c.classifier?.toFixed(4) ?? ''],
    ['combined', (c) => c.combined?.toFixed(4) ?? ''],
  ];
  const shown = annotation.candidates.slice(0, 10);
  const kept = columns.filter(([, value]) => shown.some((c) => value(c) !== ''));
  const rows: (string | number)[][] = [['candidate', ...kept.map(([name]) => name)], ...shown.map((c) => [c.label.name, ...kept.map(([, value]) => value(c))])];
  process.stdout.write(table(rows));
  process.stdout.write(
    'zero-shot: match with the label text; p_match: CTM cell–text match; fused: LangCell\'s score; kNN share: the label\'s share of the nearest reference cells\' votes; ' +
      'signature: best cosine of the cell\'s top genes with a reference\'s cells of the label (compare labels, not a fixed scale); combined: the decision\'s probability.\n',
  );
  process.stdout.write('\nnearest reference cells:\n');
  printHits(annotation.neighbors);
}

export function registerAtlasCommands(program: Command, config: Config): void {
  program
    .command('ingest <path>')
    .description('ingest a reference file (h5ad, 10x MTX folder, Cell Ranger .h5, CSV/TSV) as a named dataset')
    .requiredOption('--name <name>', 'dataset name (the same file under the same name again is a no-op; after a crash it resumes)')
    .addOption(new Option('--format <format>', 'file format (default: detected)').choices(EXPRESSION_FORMATS))
    .addOption(new Option('--layer <layer>', 'matrix to read from an h5ad').choices(MATRIX_CHOICES).default('auto'))
    .option('--label-column <column>', 'cell-type column (default: detected, e.g. cell_type)')
    .option('--label-map <file>', 'TSV/CSV mapping the dataset\'s labels to label names or ontology ids (columns e.g. dataset_label, cl_id)')
    .option('--genes-as-rows', 'CSV/TSV: genes are rows, cells are columns')
    .option('--cells-as-rows', 'CSV/TSV: cells are rows, genes are columns')
    .option('--species <species>', 'species of the reference', 'human')
    .addOption(new Option('--values <type>', 'how the values were produced (default: from the file or the data; ambiguous values are refused)').choices(STATED_VALUE_TYPES))
    .option('--detach', 'only queue the work (a running server or `langcell-atlas worker` processes it)')
    .action(async (path: string, options: { name: string; format?: ExpressionFormat; layer: MatrixChoice; labelColumn?: string; labelMap?: string; genesAsRows?: boolean; cellsAsRows?: boolean; species: string; values?: StatedValueType; detach?: boolean }) => {
      if (options.genesAsRows && options.cellsAsRows) throw new AtlasError('INVALID_INPUT', 'Give --genes-as-rows or --cells-as-rows, not both.');
      // Validation reads the whole file (a large or hostile one for minutes): Ctrl-C ends it too.
      const validating = interruption();
      await withAtlas(config, async (atlas) => {
        const job = await atlas.ingestReference({
          path,
          name: options.name,
          layer: options.layer,
          species: options.species,
          ...(options.format ? { format: options.format } : {}),
          ...(options.labelColumn ? { labelColumn: options.labelColumn } : {}),
          ...(options.labelMap ? { labelMapPath: options.labelMap } : {}),
          ...(options.genesAsRows ? { genesAsRows: true } : options.cellsAsRows ? { genesAsRows: false } : {}),
          ...(options.values ? { valueType: options.values } : {}),
        }, validating.signal).finally(() => validating.release());
        const dataset = await atlas.dataset(job.datasetName);
        if (dataset) log(`dataset "${dataset.name}": values read as ${dataset.valueKind}`);
        if (job.state === 'SUCCEEDED') {
          log(`dataset "${job.datasetName}" already holds this file (job ${job.id}, ${job.processedCells} cells); nothing to do`);
          return;
        }
        const resuming = job.state === 'RUNNING' || job.processedCells > 0;
        log(`${resuming ? 'resuming' : 'started'} ingestion job ${job.id}: ${job.processedCells}/${job.totalCells} cells stored`);
        if (options.detach) return;
        // The map is the server's (or a worker's) business: this process exits when the job ends.
        await atlas.startWorker({ layouts: false });
        const progress = startProgress(`ingest ${options.name}`, job.totalCells, process.stderr, job.processedCells);
        const interrupt = interruption();
        // Rates are of this run: cells stored before a resume do not count as done in no time.
        const resumedAt = job.processedCells;
        const started = Date.now();
        try {
          let last = job;
          for await (const current of atlas.watchIngestion(job.id, interrupt.signal)) {
            last = current;
            progress.update(current.processedCells, current.totalCells);
          }
          progress.stop();
          if (last.state === 'FAILED' || last.state === 'CANCELLED') throw new AtlasError(last.errorCode ?? 'INTERNAL', last.errorMessage ?? `job ${last.state}`);
          if (last.state !== 'SUCCEEDED') {
            log(`interrupted: ${last.processedCells}/${last.totalCells} cells stored; run the same command again to resume`);
            return;
          }
          const seconds = (Date.now() - started) / 1000;
          const timings = Object.entries(last.timings)
            .map(([stage, s]) => `${stage} ${s.toFixed(1)}s`)
            .join(', ');
          log(`done: ${last.processedCells - resumedAt} cells in ${seconds.toFixed(1)} s (${((last.processedCells - resumedAt) / Math.max(seconds, 1e-3)).toFixed(1)} cells/s; ${timings})`);
        } finally {
          interrupt.release();
        }
      });
    });

  program
    .command('worker')
    .description("take ingestion chunks and the explorer's layout jobs from the queue until interrupted (run several, on several machines, against one DATABASE_URL)")
    .action(async () => {
      const runtime = await openRuntime(config, log);
      const worker = new IngestWorker(runtime);
      await worker.start();
      const stopLayouts = await keepLayoutCurrent({ db: runtime.db, modelId: runtime.model.id, embeddingDim: runtime.model.embeddingDim, log }, runtime.queue, layoutPolicy(config));
      log('worker: waiting for ingestion chunks and layout jobs (Ctrl-C to stop)');
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await stopLayouts();
      await runtime.close();
      await worker.close();
    });

  const datasets = program.command('datasets').description('reference datasets');
  datasets
    .command('list')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withAtlas(config, async (atlas) => {
        const list = await atlas.datasets();
        if (options.json) {
          process.stdout.write(JSON.stringify(list, null, 2) + '\n');
          return;
        }
        const rows: (string | number)[][] = [['id', 'name', 'state', 'cells', 'genes matched', 'values', 'label column', 'format', 'source']];
        for (const d of list) {
          rows.push([d.id, d.name, d.state, `${d.cellCount}/${d.totalCells}`, `${d.genesMatched}/${d.genesTotal}`, d.valueKind, d.labelColumn ?? '', d.format, d.sourcePath]);
        }
        process.stdout.write(table(rows));
      });
    });
  datasets
    .command('delete <name>')
    .description('delete a dataset, its cells and jobs (a running server drops them from results at once)')
    .action(async (name: string) => {
      await withAtlas(config, async (atlas) => {
        const dataset = await atlas.dataset(name);
        if (!dataset) throw new AtlasError('NOT_FOUND', `No dataset named "${name}".`);
        await atlas.deleteDataset(dataset.id);
        log(`deleted dataset "${name}" (${dataset.cellCount} cells)`);
      });
    });

  const labels = program.command('labels').description('cell-type labels: the candidates annotation chooses among');
  labels
    .command('list')
    .description('the candidate labels, with their ontology ids and synonyms')
    .option('--search <text>', 'only labels whose name, ontology id or a synonym contains this text')
    .option('--json', 'print JSON')
    .action(async (options: { search?: string; json?: boolean }) => {
      await withAtlas(config, async (atlas) => {
        const list = await atlas.labels(options.search);
        if (options.json) {
          process.stdout.write(JSON.stringify(list.map(({ promptText: _prompt, ...label }) => label), null, 2) + '\n');
          return;
        }
        const rows: (string | number)[][] = [['id', 'name', 'ontology id', 'synonyms']];
        for (const label of list) rows.push([label.id, label.name, label.ontologyId ?? '', label.synonyms.join('; ')]);
        process.stdout.write(table(rows));
      });
    });
  labels
    .command('import <file>')
    .description('import labels from a Cell Ontology OBO file or a TSV (id, label, definition, synonyms, parents); their ontology graph too')
    .option('--terms-only', 'import only the ontology graph (harmonisation, roll-up, coarse classes), not candidate labels')
    .action(async (file: string, options: { termsOnly?: boolean }) => {
      await withAtlas(config, async (atlas) => {
        const result = await atlas.importLabels(file, { termsOnly: options.termsOnly ?? false });
        log(`labels: ${result.created} created, ${result.updated} updated (${result.total} in ${file}); ${result.terms} ontology terms stored; text embeddings are computed when first used`);
      });
    });

  datasets
    .command('mappings <name>')
    .description("how a dataset's own label strings map onto the catalogue's labels (harmonisation)")
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      await withAtlas(config, async (atlas) => {
        const dataset = await atlas.dataset(name);
        if (!dataset) throw new AtlasError('NOT_FOUND', `No dataset named "${name}".`);
        const entries = await atlas.labelMappings(dataset.id);
        if (options.json) {
          process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
          return;
        }
        const labels = new Map((await atlas.labels()).map((label) => [label.id, label]));
        const target = (labelId: number | null) => {
          const label = labelId === null ? undefined : labels.get(labelId);
          return labelId === null ? '(unmapped)' : label ? `${label.name}${label.ontologyId ? ` (${label.ontologyId})` : ''}` : String(labelId);
        };
        // "term" is what the dataset's label was read as (e.g. a mapping file's finer CL id); "maps to"
        // is the catalogue label it counts for, that term itself or its nearest ancestor in the catalogue.
        const rows: (string | number)[][] = [['dataset label', 'cells', 'term', 'maps to', 'how', 'score']];
        for (const e of entries) rows.push([e.sourceLabel, e.cells, e.ontologyId ?? '', target(e.labelId), e.method, e.score?.toFixed(3) ?? '']);
        process.stdout.write(table(rows));
      });
    });
  datasets
    .command('map <name> <sourceLabel> [label]')
    .description("map one of a dataset's label strings onto a catalogue label by name (leave out the label to mark it unmapped)")
    .action(async (name: string, sourceLabel: string, label: string | undefined) => {
      await withAtlas(config, async (atlas) => {
        const dataset = await atlas.dataset(name);
        if (!dataset) throw new AtlasError('NOT_FOUND', `No dataset named "${name}".`);
        await atlas.setLabelMapping(dataset.id, sourceLabel, label ?? null);
        log(`"${sourceLabel}" of ${name} now maps to ${label ?? '(unmapped)'}`);
      });
    });

  program
    .command('adapt')
    .description('teach the atlas: fit a few-shot adapter on labelled reference cells (a labelled dataset), or list adapters')
    .option('--name <name>', 'adapter name (used by --adapter and annotateCell(adapter:))')
    .option('--dataset <name>', 'labelled reference dataset whose harmonised labels are the truth')
    .option('--shots <n>', 'training cells per label (default: all but the validation cells)', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--kind <kind>', 'cache (Tip-Adapter), linear (probe from the label texts) or auto').choices(['cache', 'linear', 'auto']).default('auto'))
    .option('--seed <n>', 'seed of the shuffle that picks the shots', (v) => Number.parseInt(v, 10), 2024)
    .option('--list', 'list the adapters instead')
    .action(async (options: { name?: string; dataset?: string; shots?: number; kind: 'cache' | 'linear' | 'auto'; seed: number; list?: boolean }) => {
      await withAtlas(config, async (atlas) => {
        if (options.list) {
          const rows: (string | number)[][] = [['id', 'name', 'kind', 'labels', 'blend', 'validation accuracy', 'created']];
          for (const a of await atlas.adapters()) rows.push([a.id, a.name, a.kind, a.labels.length, a.blend, String(a.validation['chosen'] ? (a.validation[String(a.validation['chosen'])] as { accuracy?: number } | undefined)?.accuracy?.toFixed(3) : ''), a.createdAt.toISOString()]);
          process.stdout.write(table(rows));
          return;
        }
        if (!options.name || !options.dataset) throw new AtlasError('INVALID_INPUT', 'Give --name and --dataset (or --list).');
        const adapter = await atlas.adapt({ name: options.name, dataset: options.dataset, kind: options.kind, seed: options.seed, ...(options.shots ? { shots: options.shots } : {}) });
        log(
          `adapter "${adapter.name}" (${adapter.kind}, blend ${adapter.blend}: its probabilities weigh ${adapter.blend} against zero-shot's ${Number((1 - adapter.blend).toFixed(2))}, ` +
            `chosen on held-out cells) over ${adapter.labels.length} labels; use it with --adapter ${adapter.name}`,
        );
      });
    });

  program
    .command('calibrate')
    .description("fit the decision again on the atlas's labelled reference cells and print its held-out figures")
    .option('--adapter <name>', 'fit it for this adapter')
    .action(async (options: { adapter?: string }) => {
      await withAtlas(config, async (atlas) => {
        const fit = await atlas.calibrate(options.adapter);
        if (!fit.combiner || !fit.validation) {
          log('no labelled reference cells to fit on: answers stay LangCell\'s own, marked uncalibrated (novelty profile stored)');
          return;
        }
        const rows: (string | number)[][] = [['source', 'accuracy', 'ECE']];
        for (const [source, figures] of Object.entries(fit.validation.sources)) rows.push([source, figures.accuracy.toFixed(3), figures.ece.toFixed(3)]);
        process.stdout.write(`fitted on ${fit.validation.labelled} labelled reference cells; figures of ${fit.validation.folds}-fold cross-validation (each cell predicted by a fit on the others)\n`);
        process.stdout.write(table(rows));
        process.stdout.write('ECE (expected calibration error): how far, on average, the confidence is from the share of answers that are right; 0 is perfect.\n');
        const byDataset = fit.validation.byDataset ?? [];
        if (byDataset.length > 1) {
          process.stdout.write(`the combined decision on each reference:\n${table([['dataset', 'cells', 'accuracy', 'ECE'], ...byDataset.map((d) => [d.dataset, d.cells, d.accuracy.toFixed(3), d.ece?.toFixed(3) ?? ''])])}`);
        }
        const weights = (w: Readonly<Record<string, number | undefined>>) => Object.entries(w).map(([source, weight]) => `${source} ${weight!.toFixed(2)}`).join(', ');
        process.stdout.write(`sources and weights with CTM: ${weights(fit.combiner.withCtm)}; without: ${weights(fit.combiner.withoutCtm)}\n`);
        const map = fit.confidenceMaps?.withCtm.pooled;
        if (map) {
          process.stdout.write(
            `confidence = σ(${map.slope.toFixed(3)} · logit(P(winner)) ${map.intercept < 0 ? '−' : '+'} ${Math.abs(map.intercept).toFixed(3)}), fitted on the held-out answers (Platt scaling): ` +
              `an answer given confidence 0.8 was right about 80% of the time on held-out reference cells (the combined figures above are after it)` +
              `${fit.confidenceMaps!.withCtm.byDataset.length > 0 ? '; each reference with 50 or more validation cells has its own, used for the cells whose genes are most like its own' : ''}\n`,
          );
        }
      });
    });

  program
    .command('index')
    .description('the HNSW index')
    .command('rebuild')
    .description('rebuild the index file from the database (stop the server first, or it overwrites the file on exit)')
    .action(async () => {
      const runtime = await openRuntime(config, log);
      try {
        const index = await openVectorIndex(runtime.db, indexOptions(config, runtime.model, { persist: true, follow: false, rebuild: true, log }));
        await index.close();
        log(`index rebuilt: ${index.count()} cells`);
      } finally {
        await runtime.close();
      }
    });

  program
    .command('search <text>')
    .description('reference cells that match a description (same answer as the searchCells query)')
    .option('-k <n>', 'number of cells', (v) => Number.parseInt(v, 10), 10)
    .option('--rerank', 'rescore the hits with cell-text matching')
    .option('--json', 'print JSON')
    .action(async (text: string, options: { k: number; rerank?: boolean; json?: boolean }) => {
      await withAtlas(config, async (atlas) => {
        const hits = await atlas.searchCells(text, { k: options.k, rerank: options.rerank ?? false });
        if (options.json) process.stdout.write(JSON.stringify(hits, null, 2) + '\n');
        else printHits(hits);
      });
    });

  program
    .command('annotate-cell')
    .description('label of a stored cell, with candidates and nearest reference cells (same answer as annotateCell)')
    .requiredOption('--cell-id <id>', 'stored cell id', (v) => Number.parseInt(v, 10))
    .option('-k <n>', 'reference neighbours', (v) => Number.parseInt(v, 10), 25)
    .option('--top-m <m>', 'candidates reranked by CTM', (v) => Number.parseInt(v, 10), 3)
    .option('--no-rerank', 'zero-shot only')
    .option('--adapter <name>', 'a few-shot adapter (see `adapt --list`)')
    .option('--json', 'print JSON')
    .action(async (options: { cellId: number; k: number; topM: number; rerank: boolean; adapter?: string; json?: boolean }) => {
      await withAtlas(config, async (atlas) => {
        const annotation = await atlas.annotateCell(
          { cellId: options.cellId },
          { k: options.k, rerank: options.rerank, topM: options.topM, ...(options.adapter ? { adapter: options.adapter } : {}) },
        );
        if (options.json) process.stdout.write(JSON.stringify(annotation, null, 2) + '\n');
        else printAnnotation(annotation);
      });
    });
}
