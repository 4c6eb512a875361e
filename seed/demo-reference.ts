// The demo atlas's held-out cells and label texts as `langcell-atlas fidelity` measures int8 graphs
// on them (src/cli/fidelity-command.ts); passed to the CLI by bin/langcell-atlas.js.
import type { DemoReference } from '../src/cli/fidelity-command.ts';
import { demoChunk, demoRows, generateDemoAtlas } from './atlas.ts';
import { CELL_TYPE_LABELS } from './labels.ts';

export function demoReference(): DemoReference {
  const atlas = generateDemoAtlas();
  return {
    geneIds: atlas.genes.map((g) => g.ensemblId),
    heldOut(limit) {
      const rows = atlas.cells.filter((c) => c.split === 'test').map((c) => c.index).slice(0, limit);
      return { chunk: demoChunk(demoRows(atlas, rows)), labels: rows.map((r) => atlas.cells[r]!.label) };
    },
    labels: CELL_TYPE_LABELS.map((l) => ({ name: l.name, prompt: l.prompt })),
  };
}
