/**
 * Generated artefacts that are committed must match their sources: the resolver types in
 * src/api/generated/ against schema.graphql (regenerated in memory with codegen.ts), and the
 * configuration table rendered from the zod schema.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../../codegen.ts';
import { configTableMarkdown, parseConfig } from '../../src/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('generated resolver types', () => {
  it('src/api/generated matches schema.graphql (run `npm run codegen` when this fails)', async () => {
    const outputs = await generate({ ...codegenConfig, cwd: root, silent: true }, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const committed = await readFile(new URL(output.filename, `file://${root}`), 'utf8').catch(() => '(missing)');
      expect(committed, `${output.filename} is stale: run npm run codegen`).toBe(output.content);
    }
  });
});

describe('configuration table', () => {
  it('lists every service variable with its default and meaning', () => {
    const table = configTableMarkdown();
    expect(table.split('\n')[0]).toBe('| variable | default | meaning |');
    expect(table).toContain('| `PORT` | `4000` | HTTP port of the GraphQL service |');
    expect(table).toContain('| `LANGCELL_MAX_K` | `200` |');
    expect(table).toContain('| `LANGCELL_UPLOAD_DIR` | — | Where POST /uploads stores files (default: uploads/ under LANGCELL_DATA_DIR) |');
    // No default: shown as a dash, never as "undefined".
    expect(table).toMatch(/\| `LANGCELL_READ_TOKEN` \| — \| /);
    expect(table).not.toContain('undefined');
  });

  it('puts uploads under the data dir unless LANGCELL_UPLOAD_DIR says otherwise', () => {
    expect(parseConfig({ LANGCELL_DATA_DIR: '/srv/atlas' }).LANGCELL_UPLOAD_DIR).toBe('/srv/atlas/uploads');
    expect(parseConfig({}).LANGCELL_UPLOAD_DIR).toBe('.langcell/uploads');
    expect(parseConfig({ LANGCELL_DATA_DIR: '/srv/atlas', LANGCELL_UPLOAD_DIR: '/mnt/big' }).LANGCELL_UPLOAD_DIR).toBe('/mnt/big');
  });

  it('is the one in the README', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme, 'README.md configuration table is stale: paste configTableMarkdown()').toContain(configTableMarkdown().trim());
  });
});
