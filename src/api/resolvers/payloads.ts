/** Admin mutations report what the atlas refused (an `AtlasError`) as payload errors, not as GraphQL errors. */
import { isAtlasError } from '../../errors.ts';
import type { Checked, InputProblem } from '../inputs.ts';

/** Runs `work`; an `AtlasError` becomes an input error on `details.field` (or `field`), anything else is thrown. */
export async function attempt<T>(field: string, work: () => Promise<T>): Promise<Checked<T>> {
  try {
    return { value: await work() };
  } catch (error) {
    if (!isAtlasError(error)) throw error;
    const reported = typeof error.details['field'] === 'string' ? error.details['field'] : field;
    return { errors: [{ field: reported, code: error.code, message: error.message }] };
  }
}

export function isProblem(value: unknown): value is InputProblem {
  return typeof value === 'object' && value !== null && 'code' in value && 'field' in value;
}
