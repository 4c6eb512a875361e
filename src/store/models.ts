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
  const others = await db.pool.query<{ model_id: string; embedding_dim: number; cells: string }>(
    `SELECT d.model_id, m.embedding_dim, count(c.id)::text AS cells
       FROM dataset d JOIN model_bundle m ON m.id = d.model_id LEFT JOIN cell c ON c.dataset_id = d.id
      WHERE d.model_id <> $1 GROUP BY d.model_id, m.embedding_dim`,
    [manifest.id],
  );
  const conflict = others.rows.find((row) => Number(row.cells) > 0);
  if (conflict) {
    throw new AtlasError(
      'MODEL_MISMATCH',
      `The database holds ${conflict.cells} cells embedded by model ${conflict.model_id} (dimension ${conflict.embedding_dim}), ` +
        `but the configured bundle is ${manifest.id} (dimension ${manifest.embeddingDim}). Start with LANGCELL_BUNDLE pointing at ` +
        `${conflict.model_id}, or use another database (DATABASE_URL / LANGCELL_DATA_DIR) and ingest the references again.`,
      { stored: conflict.model_id, configured: manifest.id },
    );
  }
  await db.pool.query(
    `INSERT INTO model_bundle (id, name, embedding_dim, cell_hidden, vocabulary_size) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [manifest.id, manifest.name, manifest.embeddingDim, manifest.cell.hiddenSize, vocabularySize],
  );
}
