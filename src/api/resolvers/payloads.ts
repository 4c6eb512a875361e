/** Admin mutations report what the atlas refused (an `AtlasError`) as payload errors, not as GraphQL errors. */
import { isAtlasError } from '../../errors.ts';
import type { Checked, InputProblem } from '../inputs.ts';

/**
 * Runs an atlas call for a mutation payload: an AtlasError becomes an input error. `hiddenDirs`
 * maps server folders (uploads, the ingest root) to what a client may see instead, so messages
 * naming a file do not show where the server keeps it.
 */
export async function attempt<T>(field: string, work: () => Promise<T>, hiddenDirs: HiddenDirs = []): Promise<Checked<T>> {
  try {
    return { value: await work() };
  } catch (error) {
    if (!isAtlasError(error)) throw error;
    const reported = typeof error.details['field'] === 'string' ? error.details['field'] : field;
    return { errors: [{ field: reported, code: error.code, message: hideServerDirs(error.message, hiddenDirs) }] };
  }
}

type HiddenDirs = ReadonlyArray<readonly [dir: string | undefined, shownAs: string]>;

/** `message` with each server folder replaced by what a client may see instead. */
export function hideServerDirs(message: string, hiddenDirs: HiddenDirs): string {
  let shown = message;
  for (const [dir, shownAs] of hiddenDirs) if (dir) shown = shown.split(`${dir}/`).join(`${shownAs}/`).split(dir).join(shownAs);
  return shown;
}

/** What clients see instead of the upload folder and the ingest root in messages. */
export function serverDirs(ctx: { readonly uploads: { readonly dir: string }; readonly ingestRoot: string | undefined }): HiddenDirs {
  return [
    [ctx.uploads.dir, 'upload'],
    [ctx.ingestRoot, 'LANGCELL_INGEST_ROOT'],
  ];
}

export function isProblem(value: unknown): value is InputProblem {
  return typeof value === 'object' && value !== null && 'code' in value && 'field' in value;
}
