/**
 * The layering in README.md (Architecture) checked against the imports: every module of src/
 * imports only from its own folder or from a lower layer, nothing in src/ imports seed/, and only
 * src/store/ holds SQL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Lowest first. A module may import its own unit or any unit with a smaller rank. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'config.ts', 'process-liveness.ts'],
  ['model'],
  ['store'],
  ['index', 'ingest'],
  ['runtime.ts'],
  ['atlas'],
  ['api'],
  ['cli'],
];

function unitOf(file: string): string {
  return relative(SRC, file).split('/')[0]!;
}

function rankOf(unit: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(unit));
  if (rank < 0) throw new Error(`${unit} is in no layer: add it to LAYERS and to the README's architecture`);
  return rank;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\('([^']+)'\)/g;

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!).filter((target) => target.startsWith('.'));
}

const files = sourceFiles(SRC);

describe('architecture', () => {
  it('finds the modules it checks', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.map(unitOf)).toEqual(expect.arrayContaining(['model', 'store', 'index', 'ingest', 'atlas', 'api', 'cli', 'runtime.ts']));
  });

  it('no module imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const file of files) {
      const unit = unitOf(file);
      for (const target of relativeImports(file)) {
        const resolved = resolve(dirname(file), target);
        if (!resolved.startsWith(SRC + '/')) continue;
        const targetUnit = unitOf(resolved);
        if (targetUnit !== unit && rankOf(targetUnit) > rankOf(unit)) upward.push(`${relative(SRC, file)} → ${relative(SRC, resolved)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('nothing in src/ imports seed/ (serve gets the demo seed as a hook from bin/)', () => {
    const seedImports = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => resolve(dirname(file), target).startsWith(resolve(SRC, '../seed') + '/'))
        .map((target) => `${relative(SRC, file)} → ${target}`),
    );
    expect(seedImports).toEqual([]);
  });

  it('only src/store/ contains SQL', () => {
    // LISTEN/NOTIFY count only as a statement's first word in a string (prose mentions them).
    const SQL = /\b(SELECT\s+[\w*(]|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|pg_notify)|['"`]\s*(LISTEN|NOTIFY|UNLISTEN)\s/;
    const QUERY_CALL = /\.(query|\$queryRaw|\$executeRaw|\$queryRawUnsafe|\$executeRawUnsafe)\s*[<(`]/;
    const outside = files
      .filter((file) => unitOf(file) !== 'store')
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return SQL.test(text) || QUERY_CALL.test(text);
      })
      .map((file) => relative(SRC, file));
    expect(outside).toEqual([]);
  });
});
