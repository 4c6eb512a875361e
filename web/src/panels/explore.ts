/**
 * The Map tab: what the colours mean (a legend with counts; click a category to outline its
 * cells), what to colour by, and the lasso selection's label composition with a list of its cells.
 */
import type { App } from '../main';
import { composition } from '../api/layout-data';
import { fill, h, percent } from '../dom';
import { problemBox } from './problem';

const COLUMN_NAMES: Record<string, string> = { label: 'Cell type (label)', dataset: 'Dataset' };

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
    fill(
      selection,
      h('p', {}, `${indices.length.toLocaleString()} cells selected, by ${columnName(column.by).toLowerCase()}:`),
      h(
        'table',
        { class: 'composition' },
        h('tbody', {}, parts.slice(0, 15).map((part) => h('tr', {}, h('td', {}, part.name), h('td', { class: 'num' }, part.cells.toLocaleString()), h('td', { class: 'bar-cell' }, h('span', { class: 'bar', style: `width:${percent(part.share)}` }), percent(part.share))))),
      ),
      parts.length > 15 ? h('p', { class: 'hint' }, `and ${parts.length - 15} more`) : null,
      h('h3', {}, 'Cells (first 50)'),
      h(
        'ul',
        { class: 'cell-list' },
        indices.slice(0, 50).map((i) => h('li', {}, h('button', { class: 'link', onclick: () => app.openCell(points.cellIds[i]!) }, `cell ${points.cellIds[i]}`), ` ${column.categories[column.codes[i]!]?.name ?? ''}`)),
      ),
    );
  }

  app.onMapChange(renderLegend);
  return { showSelection };
}
