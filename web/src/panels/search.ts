/**
 * The Search tab: a description in words → the best-matching cells, outlined on the map and
 * listed (similarity, CTM probability when reranked, label, dataset); a heat mode colours the map
 * by similarity to the text. Filters restrict the search as the API's CellFilter does.
 */
import { gql, layoutHeat } from '../api/client';
import { heatScale, pointOf } from '../api/layout-data';
import { Datasets, Labels, SearchCells } from '../api/operations';
import { fill, fixed, h } from '../dom';
import type { App } from '../main';
import { problemBox } from './problem';

export function searchPanel(root: HTMLElement, app: App): void {
  const text = h('input', { type: 'search', id: 'search-text', placeholder: 'e.g. cytotoxic lymphocytes expressing GZMB', 'aria-label': 'Describe the cells', required: true, maxlength: 2000 });
  const k = h('input', { type: 'number', id: 'search-k', min: 1, max: 200, value: 100, 'aria-label': 'How many cells' });
  const rerank = h('input', { type: 'checkbox', id: 'search-rerank' });
  const heat = h('input', { type: 'checkbox', id: 'search-heat' });
  const dataset = h('select', { id: 'search-dataset', 'aria-label': 'Only this dataset' }, h('option', { value: '' }, 'all datasets'));
  const label = h('select', { id: 'search-label', 'aria-label': 'Only cells with this label' }, h('option', { value: '' }, 'all labels'));
  const results = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack' },
    h('label', { class: 'field' }, h('span', {}, 'Describe the cells you are looking for'), text),
    h('div', { class: 'row' }, h('label', { class: 'field small' }, h('span', {}, 'Cells'), k), h('label', { class: 'check' }, rerank, ' Rerank with CTM (slower, sharper)')),
    h('div', { class: 'row' }, dataset, label),
    h('label', { class: 'check' }, heat, ' Heat mode: colour the map by similarity to the text'),
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
  );
  fill(root, form, results);
  fill(results, h('p', { class: 'hint' }, 'Type what the cells are or express — a cell type, a state, marker genes — and press Search. Matches are outlined on the map.'));

  const loadFilters = async () => {
    try {
      const [{ datasets }, { labels }] = await Promise.all([gql(Datasets), gql(Labels, {})]);
      fill(dataset, h('option', { value: '' }, 'all datasets'), datasets.filter((d) => d.state === 'READY').map((d) => h('option', { value: d.id }, d.name)));
      fill(label, h('option', { value: '' }, 'all labels'), labels.map((l) => h('option', { value: l.name }, l.name)));
    } catch {
      // The filters are optional; the search itself reports problems.
    }
  };
  void loadFilters();

  heat.addEventListener('change', () => {
    if (!heat.checked) void app.map.clearHeat().then(() => app.mapChanged());
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    fill(results, h('p', { class: 'hint' }, 'Searching…'));
    try {
      const filter = dataset.value || label.value ? { ...(dataset.value ? { datasetIds: [dataset.value] } : {}), ...(label.value ? { labels: [label.value] } : {}) } : null;
      const { searchCells } = await gql(SearchCells, { text: text.value.trim(), k: Math.min(200, Math.max(1, Number(k.value) || 100)), rerank: rerank.checked, filter });
      const points = app.points();
      const hits = searchCells.map((hit) => ({ ...hit, index: points ? pointOf(points.cellIds, Number(hit.cell.id)) : -1 }));
      const onMap = hits.filter((hit) => hit.index >= 0).map((hit) => hit.index);
      app.map.highlight(onMap);
      const version = app.status()?.current?.version;
      let heatNote: HTMLElement | null = null;
      if (heat.checked && version !== undefined) {
        const values = await layoutHeat(version, text.value.trim());
        await app.map.showHeat(heatScale(values), { text: text.value.trim(), floor: values.floor, ceiling: values.ceiling });
        app.mapChanged();
        heatNote = h(
          'p',
          { class: 'hint', id: 'heat-note' },
          `Heat: dark purple = least similar, yellow = most similar (cosine ${fixed(values.floor, 3)} to ${fixed(values.ceiling, 3)})` +
            (values.scored < (points?.cellIds.length ?? 0) ? `; only the ${values.scored.toLocaleString()} most similar cells are scored, the rest are drawn darkest.` : '.'),
        );
      }
      const labels = new Map<string, number>();
      for (const hit of hits) labels.set(hit.cell.label ?? '(no label)', (labels.get(hit.cell.label ?? '(no label)') ?? 0) + 1);
      fill(
        results,
        h('p', { id: 'search-summary' }, `${hits.length} cells found, ${onMap.length} outlined on the map. Labels: `, [...labels].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} (${n})`).join(', ')),
        heatNote,
        h('button', { type: 'button', onclick: () => void app.map.zoomTo(onMap) }, 'Zoom to them'),
        h(
          'table',
          { class: 'hits' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Cell'), h('th', { class: 'num', title: 'Cosine similarity of the cell to the text' }, 'Similarity'), rerank.checked ? h('th', { class: 'num', title: "LangCell's cell–text matching probability" }, 'CTM') : null, h('th', {}, 'Label'), h('th', {}, 'Dataset'))),
          h(
            'tbody',
            {},
            hits.map((hit) =>
              h(
                'tr',
                {},
                h('td', {}, h('button', { class: 'link', onclick: () => app.openCell(Number(hit.cell.id)) }, hit.cell.externalId)),
                h('td', { class: 'num' }, fixed(hit.similarity)),
                rerank.checked ? h('td', { class: 'num' }, fixed(hit.ctmProbability)) : null,
                h('td', {}, hit.cell.label ?? '—'),
                h('td', {}, hit.cell.datasetName),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      fill(results, problemBox(error));
    }
  });
}
