import { createHash } from 'node:crypto';
import { AtlasError } from '../errors.ts';
import type { LabelInput, LabelRecord } from '../atlas/types.ts';
import { labelPrompt } from '../model/prompt.ts';
import { decodeEmbedding, encodeEmbedding } from './codec.ts';
import type { Database } from './database.ts';

interface LabelRow {
  id: number;
  name: string;
  ontology_id: string | null;
  description: string | null;
  synonyms: string[] | null;
  parents: string[] | null;
  prompt_text: string;
}

function toRecord(row: LabelRow): LabelRecord {
  return {
    id: row.id,
    name: row.name,
    ontologyId: row.ontology_id,
    description: row.description,
    synonyms: row.synonyms ?? [],
    parents: row.parents ?? [],
    promptText: row.prompt_text,
  };
}

export function promptSha256(prompt: string): string {
  return createHash('sha256').update(prompt).digest('hex');
}

/** Labels by name, ontology id or synonym (case-insensitive substring); all when no search. */
export async function listLabels(db: Database, search?: string): Promise<LabelRecord[]> {
  const pattern = search?.trim() ? `%${search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const result = await db.pool.query<LabelRow>(
    `SELECT * FROM label
      WHERE $1::text IS NULL OR name ILIKE $1 OR ontology_id ILIKE $1 OR EXISTS (SELECT 1 FROM unnest(synonyms) s WHERE s ILIKE $1)
      ORDER BY name`,
    [pattern],
  );
  return result.rows.map(toRecord);
}

export async function getLabelsByName(db: Database, names: readonly string[]): Promise<LabelRecord[]> {
  const result = await db.pool.query<LabelRow>('SELECT * FROM label WHERE name = ANY($1::text[]) ORDER BY name', [names]);
  return result.rows.map(toRecord);
}

function uniqueViolation(error: unknown, input: LabelInput): never {
  if (error instanceof Error && 'code' in error && (error as { code: string }).code === '23505') {
    throw new AtlasError('INVALID_INPUT', `A label named "${input.name}" or with ontology id ${input.ontologyId ?? '(none)'} already exists.`, {
      field: 'name',
    });
  }
  throw error;
}

function validated(input: LabelInput): LabelInput {
  const name = input.name.trim();
  if (!name) throw new AtlasError('INVALID_INPUT', 'A label needs a non-empty name.', { field: 'name' });
  return { ...input, name };
}

export async function createLabel(db: Database, input: LabelInput): Promise<LabelRecord> {
  const label = validated(input);
  try {
    const result = await db.pool.query<LabelRow>(
      `INSERT INTO label (name, ontology_id, description, synonyms, parents, prompt_text) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [label.name, label.ontologyId ?? null, label.description ?? null, label.synonyms ?? [], label.parents ?? [], labelPrompt(label.name, label.description)],
    );
    return toRecord(result.rows[0]!);
  } catch (error) {
    uniqueViolation(error, label);
  }
}

export async function updateLabel(db: Database, id: number, patch: Partial<LabelInput>): Promise<LabelRecord> {
  const current = await db.pool.query<LabelRow>('SELECT * FROM label WHERE id = $1', [id]);
  if (!current.rows[0]) throw new AtlasError('NOT_FOUND', `No label with id ${id}.`, { field: 'id' });
  const row = current.rows[0];
  const next = validated({
    name: patch.name ?? row.name,
    ontologyId: patch.ontologyId !== undefined ? patch.ontologyId : row.ontology_id,
    description: patch.description !== undefined ? patch.description : row.description,
    synonyms: patch.synonyms ?? row.synonyms ?? [],
    parents: patch.parents ?? row.parents ?? [],
  });
  try {
    const result = await db.pool.query<LabelRow>(
      `UPDATE label SET name = $2, ontology_id = $3, description = $4, synonyms = $5, parents = $6, prompt_text = $7, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, next.name, next.ontologyId ?? null, next.description ?? null, next.synonyms, next.parents, labelPrompt(next.name, next.description)],
    );
    return toRecord(result.rows[0]!);
  } catch (error) {
    uniqueViolation(error, next);
  }
}

export async function deleteLabel(db: Database, id: number): Promise<LabelRecord> {
  const result = await db.pool.query<LabelRow>('DELETE FROM label WHERE id = $1 RETURNING *', [id]);
  if (!result.rows[0]) throw new AtlasError('NOT_FOUND', `No label with id ${id}.`, { field: 'id' });
  return toRecord(result.rows[0]);
}

/**
 * Inserts or updates labels keyed by ontology id when given, else by name, in one transaction.
 * Returns how many were created and updated.
 */
export async function upsertLabels(db: Database, labels: readonly LabelInput[]): Promise<{ created: number; updated: number }> {
  return db.transaction(async (client) => {
    let created = 0;
    let updated = 0;
    for (const raw of labels) {
      const label = validated(raw);
      const existing = await client.query<{ id: number }>(
        'SELECT id FROM label WHERE ($1::text IS NOT NULL AND ontology_id = $1) OR name = $2 ORDER BY (ontology_id = $1) DESC NULLS LAST LIMIT 1',
        [label.ontologyId ?? null, label.name],
      );
      const values = [label.name, label.ontologyId ?? null, label.description ?? null, label.synonyms ?? [], label.parents ?? [], labelPrompt(label.name, label.description)];
      if (existing.rows[0]) {
        await client.query(
          `UPDATE label SET name = $2, ontology_id = $3, description = $4, synonyms = $5, parents = $6, prompt_text = $7, updated_at = now() WHERE id = $1`,
          [existing.rows[0].id, ...values],
        );
        updated += 1;
      } else {
        await client.query(`INSERT INTO label (name, ontology_id, description, synonyms, parents, prompt_text) VALUES ($1, $2, $3, $4, $5, $6)`, values);
        created += 1;
      }
    }
    return { created, updated };
  });
}

/** Stored text embeddings of labels under a model, only those whose prompt is unchanged. */
export async function getLabelEmbeddings(db: Database, modelId: string, labels: readonly LabelRecord[]): Promise<Map<number, Float32Array>> {
  if (labels.length === 0) return new Map();
  const result = await db.pool.query<{ label_id: number; prompt_sha256: string; embedding: Buffer }>(
    'SELECT label_id, prompt_sha256, embedding FROM label_embedding WHERE model_id = $1 AND label_id = ANY($2::int[])',
    [modelId, labels.map((l) => l.id)],
  );
  const expected = new Map(labels.map((l) => [l.id, promptSha256(l.promptText)]));
  return new Map(
    result.rows.filter((row) => expected.get(row.label_id) === row.prompt_sha256).map((row) => [row.label_id, decodeEmbedding(row.embedding)]),
  );
}

export async function saveLabelEmbeddings(db: Database, modelId: string, entries: readonly { label: LabelRecord; embedding: Float32Array }[]): Promise<void> {
  if (entries.length === 0) return;
  await db.pool.query(
    `INSERT INTO label_embedding (label_id, model_id, prompt_sha256, embedding)
     SELECT l, $1, s, e FROM unnest($2::int[], $3::text[], $4::bytea[]) AS t(l, s, e)
     WHERE EXISTS (SELECT 1 FROM label WHERE id = l)
     ON CONFLICT (label_id, model_id) DO UPDATE SET prompt_sha256 = EXCLUDED.prompt_sha256, embedding = EXCLUDED.embedding, created_at = now()`,
    [modelId, entries.map((e) => e.label.id), entries.map((e) => promptSha256(e.label.promptText)), entries.map((e) => encodeEmbedding(e.embedding))],
  );
}
