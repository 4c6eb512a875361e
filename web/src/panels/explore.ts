/**
 * The Map tab: what the colours mean (a legend with counts; click a category to outline its
 * cells), what to colour by, and the lasso selection's label composition with a list of its cells.
 */
import type { App } from '../main';
import { gql } from '../api/client';
import { composition } from '../api/layout-data';
import { CellsById } from '../api/operations';
import { fill, h, percent } from '../dom';
import { problemBox } from './problem';

const COLUMN_NAMES: Record<string, string> = { label: 'Cell type (harmonised)', sourceLabel: 'Label as each reference writes it', dataset: 'Dataset' };
/** Cells of a selection listed by name (one `cells` query). */
const LISTED_CELLS = 50;

function columnName(by: string): string {
  return COLUMN_NAMES[by] ?? `Metadata: ${by.replace(/^metadata\./, '')}`;
}

export function explorePanel(root: HTMLElement, app: App): { showSelection(indices: number[]): void } {
  const select = h('select', { id: 'colour-by', 'aria-label': 'Colour cells by' });
  const legend = h('ul', { class: 'legend', 'aria-label': 'Legend' });
  const selection = h('div', { class: 'selection', 'aria-live': 'polite' });
  const problem = h('div');
  fill(
    root,
    h('label', { class: 'field' }, h('span', {}, 'Colour cells by'), select),
    problem,
    legend,
    h('h2', {}, 'Selection'),
    selection,
  );
  fill(selection, h('p', { class: 'hint' }, 'Hold Shift and drag on the map to lasso cells; their cell types appear here.'));

  select.addEventListener('change', async () => {
    problem.replaceChildren();
    try {
      await app.colourBy(select.value);
    } catch (error) {
      problem.replaceChildren(problemBox(error));
    }
  });

  const renderLegend = () => {
    const column = app.column();
    const status = app.status();
    if (!column || !status) return;
    fill(select, status.colorBy.map((by) => h('option', { value: by, selected: by === column.by }, columnName(by))));
    const colours = app.colours();
    fill(
      legend,
      column.categories.map((category, code) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              class: 'legend-item',
              title: `Outline the ${category.cells.toLocaleString()} cells of ${category.name}`,
              onclick: () => {
                const indices: number[] = [];
                column.codes.forEach((c, i) => c === code && indices.push(i));
                app.map.highlight(indices);
                showSelection(indices);
              },
            },
            h('span', { class: 'swatch', style: `background:${colours[code]}` }),
            h('span', { class: 'legend-name' }, category.name),
            h('span', { class: 'legend-count' }, category.cells.toLocaleString()),
          ),
        ),
      ),
    );
  };

  function showSelection(indices: number[]): void {
    const column = app.column();
    const points = app.points();
    if (!column || !points || indices.length === 0) {
      fill(selection, h('p', { class: 'hint' }, 'No cells selected.'));
      return;
    }
    const parts = composition(column, indices);
    const list = h('ul', { class: 'cell-list', 'aria-label': 'Selected cells' });
    fill(
      selection,
      h('p', {}, `${indices.length.toLocaleString()} cells selected, by ${columnName(column.by).toLowerCase()}:`),
      h(
        'table',
        { class: 'composition' },
        h('tbody', {}, parts.slice(0, 15).map((part) => h('tr', {}, h('td', {}, part.name), h('td', { class: 'num' }, part.cells.toLocaleString()), h('td', { class: 'bar-cell' }, h('span', { class: 'bar', style: `width:calc((100% - 3.5em) * ${part.share.toFixed(4)})` }), percent(part.share))))),
      ),
      parts.length > 15 ? h('p', { class: 'hint' }, `and ${parts.length - 15} more`) : null,
      h('h3', {}, `Cells (first ${Math.min(LISTED_CELLS, indices.length)})`),
      list,
    );
    void nameCells(list, indices.slice(0, LISTED_CELLS).map((i) => points.cellIds[i]!));
  }

  /** Lists the cells by their barcode (the id in their file), dataset and label, fetched in one query. */
  async function nameCells(list: HTMLElement, cellIds: number[]): Promise<void> {
    fill(list, h('li', { class: 'hint' }, 'Loading the cells…'));
    try {
      const { cells } = await gql(CellsById, { ids: cellIds.map(String) });
      if (!list.isConnected) return;
      fill(
        list,
        cells.map((cell) =>
          h('li', {}, h('button', { class: 'link', onclick: () => app.openCell(Number(cell.id)) }, cell.externalId), ` ${cell.datasetName} · ${cell.label ?? '(no label)'}`),
        ),
      );
    } catch (error) {
      fill(list, h('li', {}, problemBox(error)));
    }
  }

  app.onMapChange(renderLegend);
  return { showSelection };
}
