/**
 * The "Annotate a file" tab: drop an h5ad / 10x .h5 / CSV file → upload with progress → an
 * annotation job with live progress → results (sortable table, filter by status), label
 * composition, confidence histogram, confusion matrix when the file has a truth column, CSV
 * download; the file's cells are placed on the map by their reference neighbours.
 *
 * Operations of the annotation-jobs API (annotateFile, annotationJob, annotationResults), typed
 * by codegen from schema.graphql like every other.
 */
import { confusionHeatmap, countBars, histogram } from '../charts';
import { gql, upload } from '../api/client';
import { ApiError } from '../api/errors';
import { placeByNeighbours, pointOf } from '../api/layout-data';
import { fill, fixed, h, percent } from '../dom';
import { graphql } from '../gql';
import type { AnnotationJobQuery, AnnotationResultsQuery } from '../gql/graphql';
import type { App } from '../main';
import { inputErrors, problemBox } from './problem';

export type AnnotationJob = NonNullable<AnnotationJobQuery['annotationJob']>;
export type AnnotationResultRow = AnnotationResultsQuery['annotationResults']['rows'][number];

const AnnotateFile = graphql(`
  mutation AnnotateFile($input: AnnotateFileInput!) {
    annotateFile(input: $input) {
      job { ...AnnotationJobFields }
      errors { field code message }
    }
  }
`);

const CancelAnnotation = graphql(`
  mutation CancelAnnotation($id: ID!) {
    cancelAnnotation(id: $id) {
      job { ...AnnotationJobFields }
      errors { field code message }
    }
  }
`);

const AnnotationJobQuery = graphql(`
  query AnnotationJob($id: ID!) {
    annotationJob(id: $id) { ...AnnotationJobFields }
  }
`);

export const AnnotationJobFields = graphql(`
  fragment AnnotationJobFields on AnnotationJob {
    id state fileName processedCells totalCells progress truthColumn errorMessage resultsCsvUrl
    labelCounts { label cells }
    evaluation {
      cellsInReference
      novelty { novelCells knownCells novelUnassigned knownUnassigned }
      unmappedTruth { label cells }
      truthMapping { truth cells label method score }
      fine { cells accuracy macroF1 assignedAccuracy abstentionRate ece confusion { truth predicted counts } }
    }
  }
`);

const AnnotationResults = graphql(`
  query AnnotationResults($jobId: ID!, $offset: Int, $limit: Int) {
    annotationResults(jobId: $jobId, offset: $offset, limit: $limit) {
      total
      rows { row externalId label bestLabel status reason confidence truth neighborCellIds }
    }
  }
`);

const REASONS: Record<string, string> = {
  LOW_CONFIDENCE: 'low confidence',
  CONFLICT: 'sources disagree',
  NOVEL: 'unlike any reference cell',
  TOO_FEW_GENES: 'too few genes the model knows',
};

/** Rows sorted by a column; text columns alphabetically, numbers descending first. */
/** How each truth label was read: a loose text match (EMBEDDING) is marked for the reader to check. */
function truthMappingTable(mapping: readonly { truth: string; cells: number; label?: string | null; method: string; score?: number | null }[]): HTMLElement {
  return h(
    'details',
    { class: 'truth-mapping' },
    h('summary', {}, `How the ${mapping.length} truth labels were read`),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'truth label'), h('th', { class: 'num' }, 'cells'), h('th', {}, 'scored as'), h('th', {}, 'how'))),
      h(
        'tbody',
        {},
        mapping.map((m) =>
          h(
            'tr',
            { class: m.method === 'EMBEDDING' ? 'loose' : '' },
            h('td', {}, m.truth || '(empty)'),
            h('td', { class: 'num' }, m.cells.toLocaleString()),
            h('td', {}, m.label ?? '(not scored)'),
            h('td', {}, m.method === 'EMBEDDING' ? `text match (similarity ${fixed(m.score, 3)}): check it` : m.method.toLowerCase().replace('_', ' ')),
          ),
        ),
      ),
    ),
  );
}

export function sortRows(rows: readonly AnnotationResultRow[], key: keyof AnnotationResultRow, ascending: boolean): AnnotationResultRow[] {
  const sign = ascending ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x ?? '').localeCompare(String(y ?? ''));
  });
}

export function annotatePanel(root: HTMLElement, app: App): void {
  const drop = h('div', { class: 'dropzone', id: 'annotate-drop', tabindex: 0, role: 'button', 'aria-label': 'Choose or drop a file to annotate' }, 'Drop an .h5ad, 10x .h5 or CSV file here, or press to choose one');
  const input = h('input', { type: 'file', id: 'annotate-file', accept: '.h5ad,.h5,.csv,.tsv,.gz', hidden: true });
  const truth = h('input', { type: 'text', id: 'annotate-truth', placeholder: 'column with known labels (optional)', 'aria-label': 'Truth column' });
  const truthMap = h('input', { type: 'file', id: 'annotate-truth-map', accept: '.tsv,.csv,.txt', 'aria-label': 'Truth mapping file' });
  const status = h('div', { id: 'annotate-status', 'aria-live': 'polite' });
  const results = h('div', { id: 'annotate-results' });
  fill(
    root,
    h('p', { class: 'hint' }, 'Annotate your own cells against the atlas: each cell gets a label or an honest "unassigned", with the reason. Give a truth column to see how well it did.'),
    drop,
    input,
    h('label', { class: 'field' }, h('span', {}, 'Truth column'), truth),
    h(
      'label',
      { class: 'field' },
      h('span', {}, 'How to read its labels (optional): a TSV/CSV with columns dataset_label and cl_id (or label_name), e.g. dataset_label_to_cl.tsv'),
      truthMap,
    ),
    status,
    results,
  );
  drop.addEventListener('click', () => input.click());
  drop.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      input.click();
    }
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void run(file);
  });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void run(file);
  });

  const bar = (share: number, label: string) => h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': Math.round(share * 100), 'aria-label': label }, h('span', { style: `width:${percent(share)}` }), h('em', {}, label));

  async function run(file: File): Promise<void> {
    fill(results);
    try {
      fill(status, bar(0, `uploading ${file.name}`));
      const uploadId = await upload(file, 'annotation', (share) => fill(status, bar(share, `uploading ${file.name}: ${percent(share)}`)));
      const mapping = truthMap.files?.[0];
      const { annotateFile } = await gql(AnnotateFile, {
        input: { uploadId, ...(truth.value.trim() ? { truthColumn: truth.value.trim() } : {}), ...(mapping ? { truthMapFile: await mapping.text() } : {}) },
      });
      if (!annotateFile.job) return void fill(status, inputErrors(annotateFile.errors));
      let job = annotateFile.job;
      const jobId = job.id;
      // A file dropped by mistake can be stopped: the job ends CANCELLED at its next slice.
      const cancel = h('button', { id: 'annotate-cancel', type: 'button', onclick: () => void gql(CancelAnnotation, { id: jobId }).catch((error: unknown) => fill(status, problemBox(error))) }, 'Cancel');
      while (job.state === 'QUEUED' || job.state === 'RUNNING') {
        fill(status, bar(job.progress, `annotating ${job.fileName}: ${job.processedCells.toLocaleString()}/${job.totalCells.toLocaleString()} cells`), cancel);
        await new Promise((resolve) => window.setTimeout(resolve, 1000));
        job = (await gql(AnnotationJobQuery, { id: job.id })).annotationJob ?? job;
      }
      if (job.state === 'CANCELLED') {
        return void fill(status, h('p', { class: 'hint', id: 'annotate-cancelled' }, `Annotation of ${job.fileName} cancelled after ${job.processedCells.toLocaleString()} of ${job.totalCells.toLocaleString()} cells.`));
      }
      if (job.state !== 'SUCCEEDED') {
        return void fill(status, h('div', { class: 'problem', role: 'alert' }, h('strong', {}, `The annotation ${job.state.toLowerCase()}`), h('p', {}, job.errorMessage ?? '')));
      }
      fill(status, h('p', { class: 'ok', id: 'annotate-done' }, `${job.totalCells.toLocaleString()} cells of ${job.fileName} annotated. They are drawn in black on the map, each at the mean position of its nearest reference cells.`));
      await showResults(job);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'GRAPHQL_VALIDATION_FAILED') {
        fill(status, h('div', { class: 'problem' }, h('strong', {}, 'This server cannot annotate files yet'), h('p', {}, 'Its API has no annotateFile operation; update the service. Single cells can still be annotated from the map (click a cell).')));
      } else fill(status, problemBox(error));
    }
  }

  async function showResults(job: AnnotationJob): Promise<void> {
    const rows: AnnotationResultRow[] = [];
    // Up to 5,000 rows for the table, histogram and map; the CSV has them all.
    for (let offset = 0; offset < Math.min(job.totalCells, 5000); offset += 500) {
      const page = await gql(AnnotationResults, { jobId: job.id, offset, limit: 500 });
      rows.push(...page.annotationResults.rows);
      if (page.annotationResults.rows.length < 500) break;
    }
    const points = app.points();
    if (points) {
      const placed = rows.map((row) => placeByNeighbours(points, row.neighborCellIds)).filter((p): p is [number, number] => p !== null);
      await app.map.setQueryCells(placed.map(([x, y]) => ({ x, y })));
      app.mapChanged();
    }
    const filter = h('select', { id: 'annotate-filter', 'aria-label': 'Show cells' }, h('option', { value: '' }, 'all cells'), h('option', { value: 'ASSIGNED' }, 'assigned'), h('option', { value: 'UNASSIGNED' }, 'unassigned'));
    const table = h('div', { class: 'results-table' });
    let sortKey: keyof AnnotationResultRow = 'row';
    let ascending = true;
    const header = (key: keyof AnnotationResultRow, text: string) =>
      h('th', { 'aria-sort': sortKey === key ? (ascending ? 'ascending' : 'descending') : 'none' }, h('button', { class: 'link', onclick: () => ((ascending = sortKey === key ? !ascending : key === 'row'), (sortKey = key), renderTable()) }, text));
    // A file's cell is not in the atlas: what the map can show of it is the reference cells it was judged by.
    const showNeighbours = async (row: AnnotationResultRow) => {
      const points = app.points();
      if (!points) return;
      const indices = row.neighborCellIds.map((id) => pointOf(points.cellIds, Number(id))).filter((i) => i >= 0);
      app.map.highlight(indices);
      await app.map.zoomTo(indices);
    };
    const renderTable = () => {
      const shown = sortRows(rows.filter((row) => !filter.value || row.status === filter.value), sortKey, ascending).slice(0, 300);
      fill(
        table,
        h(
          'table',
          { class: 'hits' },
          h('thead', {}, h('tr', {}, header('externalId', 'Cell'), header('label', 'Label'), header('status', 'Status'), header('confidence', 'Conf.'), job.truthColumn ? header('truth', 'Truth') : null)),
          h(
            'tbody',
            {},
            shown.map((row) =>
              h(
                'tr',
                { class: 'clickable', title: 'Outline its nearest reference cells on the map', onclick: () => void showNeighbours(row) },
                h('td', {}, row.externalId),
                h('td', {}, row.label ?? h('span', { class: 'muted' }, `(best guess: ${row.bestLabel})`)),
                h('td', {}, row.status === 'ASSIGNED' ? 'assigned' : `unassigned — ${REASONS[row.reason ?? ''] ?? 'abstained'}`),
                h('td', { class: 'num' }, fixed(row.confidence, 2)),
                job.truthColumn ? h('td', {}, row.truth ?? '—') : null,
              ),
            ),
          ),
        ),
      );
    };
    filter.addEventListener('change', renderTable);
    renderTable();
    const fine = job.evaluation?.fine;
    fill(
      results,
      h('a', { href: job.resultsCsvUrl, download: '', class: 'button' }, 'Download all results (CSV)'),
      h('h3', {}, 'Labels given'),
      h('div', { class: 'chart' }, countBars(job.labelCounts.map((c) => ({ name: c.label, cells: c.cells })), 'cells')),
      h('h3', {}, 'Confidence'),
      h('div', { class: 'chart' }, histogram(rows.map((row) => row.confidence), 'confidence →')),
      fine
        ? [
            h('h3', {}, `Against "${job.truthColumn}"`),
            job.evaluation && job.evaluation.cellsInReference > 0
              ? h(
                  'p',
                  { class: 'problem', id: 'cells-in-reference' },
                  `${job.evaluation.cellsInReference} of these cells are in the reference themselves (each one's nearest reference cell has its barcode): the figures below are optimistic. Evaluate on cells the reference does not hold.`,
                )
              : null,
            // Nothing to score is said in words, never as "accuracy 0.0%" over no cells.
            ...(fine.cells === 0
              ? [h('p', { class: 'hint', id: 'annotate-metrics' }, "No cell's truth is a label among the candidates: there is no accuracy to report. How each truth label was read is below.")]
              : [
                  h('p', { id: 'annotate-metrics' }, `accuracy ${percent(fine.accuracy, 1)} · macro F1 ${fixed(fine.macroF1, 3)} · accuracy of assigned cells ${percent(fine.assignedAccuracy, 1)} · abstained on ${percent(fine.abstentionRate, 1)}`),
                  h('div', { class: 'chart', id: 'confusion-matrix' }, confusionHeatmap(fine.confusion)),
                ]),
            job.evaluation?.novelty
              ? h(
                  'p',
                  { id: 'annotate-novelty' },
                  `Cells of types the atlas has no label for: ${job.evaluation.novelty.novelCells.toLocaleString()}; ${percent(job.evaluation.novelty.novelUnassigned, 1)} of them left unassigned` +
                    (job.evaluation.novelty.knownCells > 0 ? ` (against ${percent(job.evaluation.novelty.knownUnassigned, 1)} of the others).` : '.'),
                )
              : null,
            job.evaluation && job.evaluation.unmappedTruth.length > 0 ? h('p', { class: 'hint' }, `Truth labels with no catalogue label (not scored): ${job.evaluation.unmappedTruth.map((u) => `${u.label} (${u.cells})`).join(', ')}`) : null,
            job.evaluation ? truthMappingTable(job.evaluation.truthMapping) : null,
          ]
        : null,
      h('h3', {}, 'Cells'),
      filter,
      table,
    );
  }
}
