import { AtlasError } from '../errors.ts';
import type { ModelBundle as Bundle } from '../model/bundle.ts';
import { MAX_STORABLE_TOKEN_ID } from './codec.ts';
import type { Database } from './database.ts';

/**
 * Registers the bundle in use and refuses to serve with a bundle whose embeddings could not be
 * compared with those stored: stored cells made by another model live in another space.
 */
export async function registerModel(db: Database, bundle: Bundle): Promise<void> {
  const { manifest } = bundle;
  const vocabularySize = bundle.geneVocab.size;
  if (vocabularySize - 1 > MAX_STORABLE_TOKEN_ID) {
    throw new AtlasError('BUNDLE_MANIFEST_INVALID', `${bundle.dir}: vocabulary of ${vocabularySize} tokens does not fit the store's uint16 token ids.`);
  }
  const others = await db.prisma.dataset.findMany({
    where: { modelId: { not: manifest.id } },
    select: { modelId: true, model: { select: { embeddingDim: true } }, _count: { select: { cells: true } } },
    orderBy: { id: 'asc' },
  });
  const cellsByModel = new Map<string, { cells: number; embeddingDim: number }>();
  for (const dataset of others) {
    const entry = cellsByModel.get(dataset.modelId) ?? { cells: 0, embeddingDim: dataset.model.embeddingDim };
    entry.cells += dataset._count.cells;
    cellsByModel.set(dataset.modelId, entry);
  }
  const conflict = [...cellsByModel].find(([, entry]) => entry.cells > 0);
  if (conflict) {
    const [storedId, { cells, embeddingDim }] = conflict;
    throw new AtlasError(
      'MODEL_MISMATCH',
      `The database holds ${cells} cells embedded by model ${storedId} (dimension ${embeddingDim}), ` +
        `but the configured bundle is ${manifest.id} (dimension ${manifest.embeddingDim}). Start with LANGCELL_BUNDLE pointing at ` +
        `${storedId}, or use another database (DATABASE_URL / LANGCELL_DATA_DIR) and ingest the references again.`,
      { stored: storedId, configured: manifest.id },
    );
  }
  // createMany + skipDuplicates is INSERT … ON CONFLICT DO NOTHING: two processes starting at once both succeed.
  await db.prisma.modelBundle.createMany({
    data: [{ id: manifest.id, name: manifest.name, embeddingDim: manifest.embeddingDim, cellHidden: manifest.cell.hiddenSize, vocabularySize }],
    skipDuplicates: true,
  });
}
