/**
 * LangCell's label text form (LangCell-annotation-fewshot/fewshot.py):
 * "cell type: " + name + ". " + definition + "; ", the definition part omitted when there is none.
 * The text tokenizer lower-cases, so case does not matter.
 */
export function labelPrompt(name: string, definition?: string | null): string {
  const base = `cell type: ${name.trim()}. `;
  const text = definition?.trim();
  return text ? `${base}${text}; ` : base;
}
