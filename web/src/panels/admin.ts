/**
 * The Admin tab (after entering a token): references with their state and live ingestion
 * progress, adding one by upload, deleting one; the label catalogue with search, create, edit and
 * Cell Ontology import. The token stays in this tab's session only.
 */
import { getToken, gql, setToken, upload } from '../api/client';
import { CreateLabel, Datasets, DeleteDataset, ImportLabels, IngestReference, IngestionJob, Labels, UpdateLabel } from '../api/operations';
import type { DatasetsQuery, LabelsQuery } from '../gql/graphql';
import { fill, h, percent } from '../dom';
import type { App } from '../main';
import { inputErrors, problemBox } from './problem';

type DatasetRow = DatasetsQuery['datasets'][number];
type LabelRow = LabelsQuery['labels'][number];

/** A file name → a dataset name the API accepts (letters, digits, - and _). */
export function datasetNameFor(fileName: string): string {
  const base = fileName.replace(/\.(h5ad|h5|csv|tsv|txt)(\.gz)?$/i, '');
  return base.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'reference';
}

function progressBar(share: number, label: string): HTMLElement {
  return h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(share * 100), 'aria-label': label }, h('span', { style: `width:${percent(share)}` }), h('em', {}, label));
}

export function adminPanel(root: HTMLElement, app: App): void {
  const token = h('input', { type: 'password', id: 'admin-token', autocomplete: 'off', 'aria-label': 'Admin token', placeholder: 'admin token' });
  const tokenState = h('span', { class: 'muted', id: 'token-state' });
  const datasetsBox = h('div', { id: 'datasets' });
  const ingestBox = h('div', { id: 'ingest-status', 'aria-live': 'polite' });
  const labelsBox = h('div', { id: 'labels' });
  const file = h('input', { type: 'file', id: 'ingest-file', accept: '.h5ad,.h5,.csv,.tsv,.gz,.txt', 'aria-label': 'Reference file' });
  const name = h('input', { type: 'text', id: 'ingest-name', placeholder: 'dataset name', 'aria-label': 'Dataset name', required: true });
  const labelColumn = h('input', { type: 'text', id: 'ingest-label-column', placeholder: 'cell-type column (detected if empty)', 'aria-label': 'Cell-type column' });
  const ingestForm = h(
    'form',
    { class: 'stack', id: 'ingest-form' },
    h('label', { class: 'field' }, h('span', {}, 'Reference file (.h5ad, 10x .h5, .csv/.tsv)'), file),
    h('label', { class: 'field' }, h('span', {}, 'Name'), name),
    h('label', { class: 'field' }, h('span', {}, 'Cell-type column'), labelColumn),
    h('button', { type: 'submit', class: 'primary' }, 'Upload and ingest'),
  );
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen && !name.value) name.value = datasetNameFor(chosen.name);
  });

  fill(
    root,
    h('form', { class: 'row', id: 'token-form', onsubmit: (e: Event) => (e.preventDefault(), setToken(token.value.trim() || null), renderTokenState(), void refresh()) }, token, h('button', { type: 'submit' }, 'Use token'), tokenState),
    h('p', { class: 'hint' }, 'Reading the atlas needs no token (unless the server sets a read token); adding or deleting references and editing labels needs an admin token (LANGCELL_ADMIN_TOKENS).'),
    h('h2', {}, 'References'),
    datasetsBox,
    h('h3', {}, 'Add a reference'),
    ingestForm,
    ingestBox,
    h('h2', {}, 'Labels'),
    labelsBox,
  );

  function renderTokenState(): void {
    tokenState.textContent = getToken() ? 'token set for this tab' : 'no token';
  }
  renderTokenState();

  let polling: number | undefined;
  async function refresh(): Promise<void> {
    window.clearTimeout(polling);
    try {
      const { datasets } = await gql(Datasets);
      renderDatasets(datasets);
      if (datasets.some((d) => d.state === 'INGESTING')) polling = window.setTimeout(() => void refresh(), 2000);
    } catch (error) {
      fill(datasetsBox, problemBox(error));
    }
  }

  function renderDatasets(datasets: readonly DatasetRow[]): void {
    if (datasets.length === 0) {
      fill(datasetsBox, h('p', { class: 'hint' }, 'No references yet: add one below.'));
      return;
    }
    fill(
      datasetsBox,
      h(
        'table',
        { class: 'datasets' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Cells'), h('th', {}, ''))),
        h(
          'tbody',
          {},
          datasets.map((d) =>
            h(
              'tr',
              { 'data-dataset': d.name },
              h('td', {}, d.name, h('div', { class: 'muted' }, `${d.format}${d.labelColumn ? ` · labels from "${d.labelColumn}"` : ' · no label column'}`)),
              h('td', {}, d.state === 'INGESTING' ? progressBar(d.totalCells ? d.cellCount / d.totalCells : 0, `${d.cellCount}/${d.totalCells}`) : d.state.toLowerCase()),
              h('td', { class: 'num' }, d.cellCount.toLocaleString()),
              h('td', {}, h('button', { class: 'danger', 'aria-label': `Delete ${d.name}`, onclick: () => void remove(d) }, 'Delete')),
            ),
          ),
        ),
      ),
    );
  }

  async function remove(d: DatasetRow): Promise<void> {
    if (!window.confirm(`Delete the reference "${d.name}" and its ${d.cellCount.toLocaleString()} cells? Queries stop using them at once; this cannot be undone.`)) return;
    try {
      const { deleteDataset } = await gql(DeleteDataset, { id: d.id });
      if (deleteDataset.errors.length > 0) fill(ingestBox, inputErrors(deleteDataset.errors));
      else fill(ingestBox, h('p', { class: 'ok' }, `Deleted ${d.name}. The map drops its cells at its next update.`));
    } catch (error) {
      fill(ingestBox, problemBox(error));
    }
    await refresh();
    // The current map's colours mark the deleted cells as gone at once (the next version drops them).
    await app.colourBy(app.column()?.by ?? 'label').catch(() => undefined);
  }

  ingestForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) {
      fill(ingestBox, h('p', { class: 'problem' }, 'Choose a file first.'));
      return;
    }
    try {
      fill(ingestBox, progressBar(0, 'uploading'));
      const uploadId = await upload(chosen, 'reference', (share) => fill(ingestBox, progressBar(share, `uploading ${percent(share)}`)));
      const { ingestReference } = await gql(IngestReference, { input: { uploadId, name: name.value.trim() || datasetNameFor(chosen.name), ...(labelColumn.value.trim() ? { labelColumn: labelColumn.value.trim() } : {}) } });
      if (ingestReference.errors.length > 0 || !ingestReference.job) {
        fill(ingestBox, inputErrors(ingestReference.errors));
        return;
      }
      await followJob(ingestReference.job.id);
    } catch (error) {
      fill(ingestBox, problemBox(error));
    }
  });

  async function followJob(jobId: string): Promise<void> {
    for (;;) {
      const { ingestionJob: job } = await gql(IngestionJob, { id: jobId });
      if (!job) return;
      const eta = job.etaSeconds ? ` · about ${Math.ceil(job.etaSeconds)} s left` : '';
      fill(ingestBox, progressBar(job.progress, `${job.datasetName}: ${job.processedCells}/${job.totalCells} cells${eta}`));
      if (job.state === 'SUCCEEDED') {
        fill(ingestBox, h('p', { class: 'ok', id: 'ingest-done' }, `${job.datasetName} is ready: ${job.totalCells.toLocaleString()} cells. The map adds them at its next update (a few seconds).`));
        await refresh();
        return;
      }
      if (job.state === 'FAILED' || job.state === 'CANCELLED') {
        fill(ingestBox, h('div', { class: 'problem', role: 'alert' }, h('strong', {}, `Ingestion of ${job.datasetName} ${job.state.toLowerCase()}`), h('p', {}, job.errorMessage ?? '')));
        await refresh();
        return;
      }
      await refresh();
      await new Promise((resolve) => window.setTimeout(resolve, 1000));
    }
  }

  // Labels: search, edit a definition, add one, import an ontology file.
  const labelSearch = h('input', { type: 'search', placeholder: 'search labels', 'aria-label': 'Search labels' });
  const labelList = h('div');
  const labelProblem = h('div', { 'aria-live': 'polite' });
  const newName = h('input', { type: 'text', placeholder: 'new label name', 'aria-label': 'New label name' });
  const newDefinition = h('input', { type: 'text', placeholder: 'definition (the model reads it)', 'aria-label': 'New label definition' });
  const obo = h('input', { type: 'file', accept: '.obo,.tsv,.txt', 'aria-label': 'Cell Ontology file' });
  fill(
    labelsBox,
    labelSearch,
    labelList,
    h('form', { class: 'row', onsubmit: (e: Event) => (e.preventDefault(), void createLabel()) }, newName, newDefinition, h('button', { type: 'submit' }, 'Add')),
    h('div', { class: 'row' }, h('label', { class: 'field' }, h('span', {}, 'Import Cell Ontology (.obo or TSV)'), obo), h('button', { type: 'button', onclick: () => void importLabels() }, 'Import')),
    labelProblem,
  );

  async function loadLabels(): Promise<void> {
    try {
      const { labels } = await gql(Labels, { search: labelSearch.value.trim() || null });
      renderLabels(labels);
    } catch (error) {
      fill(labelList, problemBox(error));
    }
  }

  function renderLabels(labels: readonly LabelRow[]): void {
    fill(
      labelList,
      h(
        'ul',
        { class: 'labels' },
        labels.slice(0, 100).map((label) => {
          const definition = h('textarea', { rows: 2, 'aria-label': `Definition of ${label.name}` });
          definition.value = label.description ?? '';
          return h(
            'li',
            {},
            h('strong', {}, label.name),
            label.ontologyId ? h('span', { class: 'muted' }, ` ${label.ontologyId}`) : null,
            definition,
            h('button', { type: 'button', onclick: () => void saveLabel(label.id, definition.value) }, 'Save definition'),
          );
        }),
      ),
    );
  }

  async function saveLabel(id: string, description: string): Promise<void> {
    try {
      const { updateLabel } = await gql(UpdateLabel, { id, patch: { description } });
      fill(labelProblem, updateLabel.errors.length > 0 ? inputErrors(updateLabel.errors) : h('p', { class: 'ok' }, `Saved ${updateLabel.label?.name}.`));
    } catch (error) {
      fill(labelProblem, problemBox(error));
    }
  }

  async function createLabel(): Promise<void> {
    try {
      const { createLabel: created } = await gql(CreateLabel, { input: { name: newName.value.trim(), description: newDefinition.value.trim() || null } });
      fill(labelProblem, created.errors.length > 0 ? inputErrors(created.errors) : h('p', { class: 'ok' }, `Added ${created.label?.name}.`));
      await loadLabels();
    } catch (error) {
      fill(labelProblem, problemBox(error));
    }
  }

  async function importLabels(): Promise<void> {
    const chosen = obo.files?.[0];
    if (!chosen) return void fill(labelProblem, h('p', { class: 'problem' }, 'Choose an .obo or TSV file first.'));
    try {
      const uploadId = await upload(chosen, 'reference', (share) => fill(labelProblem, progressBar(share, 'uploading')));
      const { importLabels: result } = await gql(ImportLabels, { uploadId });
      fill(labelProblem, result.errors.length > 0 || !result.result ? inputErrors(result.errors) : h('p', { class: 'ok' }, `Imported ${result.result.total} labels: ${result.result.created} new, ${result.result.updated} updated.`));
      await loadLabels();
    } catch (error) {
      fill(labelProblem, problemBox(error));
    }
  }

  let searchTimer: number | undefined;
  labelSearch.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => void loadLabels(), 250);
  });
  void refresh();
  void loadLabels();
}
