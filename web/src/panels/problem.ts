import { explain } from '../api/errors';
import { h } from '../dom';

/** An error box with what happened and what to do. */
export function problemBox(error: unknown): HTMLElement {
  const problem = explain(error);
  return h('div', { class: 'problem', role: 'alert' }, h('strong', {}, problem.title), h('p', {}, problem.detail));
}

/** Input errors of a mutation payload (field, code, message), one line each. */
export function inputErrors(errors: readonly { field: string; message: string }[]): HTMLElement {
  return h('div', { class: 'problem', role: 'alert' }, h('strong', {}, 'Please check the form'), h('ul', {}, errors.map((e) => h('li', {}, `${e.field}: ${e.message}`))));
}
