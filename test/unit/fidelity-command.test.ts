import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureInt8Fidelity } from '../../src/cli/fidelity-command.ts';
import { demoReference } from '../../seed/demo-reference.ts';
import { DEMO_BUNDLE_DIR, loadBundle, recordInt8Fidelity } from '../../src/model/bundle.ts';

/** `langcell-atlas fidelity` on a copy of the demo bundle whose fidelity record was removed. */
describe('measuring and recording int8 fidelity', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fidelity-'));
    await cp(DEMO_BUNDLE_DIR, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    delete manifest.int8.fidelity;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('measures both precisions on the same cells and makes the bundle servable at int8', async () => {
    await expect(loadBundle(dir, { precision: 'int8' })).rejects.toMatchObject({ code: 'BUNDLE_PRECISION_UNAVAILABLE' });
    const record = await measureInt8Fidelity(dir, { demo: demoReference(), demoCells: 40, pbmcCells: 1, ctmCells: 3, session: { provider: 'cpu', cpuThreads: 1 }, log: () => undefined });
    const stored = (await loadBundle(dir)).manifest;
    expect(record.fp32['ctm.onnx']).toBe(stored.files['ctm.onnx']!.sha256);
    expect(record.int8['ctm.int8.onnx']).toBe(stored.int8!.files['ctm.int8.onnx']!.sha256);
    expect(record.cellEmbeddingCosine.cells).toBe(40);
    // int8 is close to fp32 on the demo model, and not identical to it
    expect(record.cellEmbeddingCosine.min).toBeGreaterThan(0.99);
    expect(record.cellEmbeddingCosine.min).toBeLessThan(1 - 1e-9);
    expect(record.pMatchMaxAbsDiff).toMatchObject({ pairs: 3 * 12 });
    expect(record.pMatchMaxAbsDiff.value).toBeGreaterThan(0);
    expect(record.top1Agreement['demo-heldout']).toMatchObject({ cells: 40, labels: 12 });
    expect(record.textToCellPrecisionAt10.queries).toBe(12);
    expect(Object.keys(record.targets).sort()).toEqual(['text-to-cell-p@10', 'top1-demo-heldout']);
    await recordInt8Fidelity(dir, record);
    const bundle = await loadBundle(dir, { precision: 'int8' });
    expect(bundle.manifest.id).toBe(stored.int8!.id);
    expect(bundle.storedManifest.int8!.fidelity).toEqual(record);
  });
});
