/**
 * Cell-type labels and their text embeddings. Typed CRUD goes through Prisma; raw SQL is kept for
 * the three things Prisma cannot say well: a case-insensitive substring match inside the `synonyms`
 * array (with `%`/`_` taken literally), an update of many rows with different values in one
 * statement, and a multi-row upsert of embeddings (see each function for why).
 */
import { createHash } from 'node:crypto';
import { AtlasError } from '../errors.ts';
import type { LabelInput, LabelRecord } from './records.ts';
import { labelPrompt } from '../model/prompt.ts';
import { decodeEmbedding, encodeEmbedding } from './codec.ts';
import type { Database } from './database.ts';
import { Prisma, type Label } from './generated/client.ts';

/** What a label row holds besides its id and timestamps. */
interface LabelData {
  name: string;
  ontologyId: string | null;
  description: string | null;
  synonyms: string[];
  parents: string[];
  promptText: string;
}

/** An import of a whole ontology touches thousands of rows; Prisma's default is 5 s. */
const IMPORT_TRANSACTION = { maxWait: 10_000, timeout: 120_000 } as const;

/** A name no real label carries, held for an instant by a row being renamed (see upsertLabels). */
const parkedName = (id: number) => `\u0001parked ${id}`;

function toRecord(row: Label): LabelRecord {
  return {
    id: row.id,
    name: row.name,
    ontologyId: row.ontologyId,
    description: row.description,
    synonyms: row.synonyms,
    parents: row.parents,
    promptText: row.promptText,
  };
}

export function promptSha256(prompt: string): string {
  return createHash('sha256').update(prompt).digest('hex');
}

function trimmedOrNull(value: string | null | undefined): string | null {
  const text = value?.trim();
  return text ? text : null;
}

function labelData(input: LabelInput): LabelData {
  const name = input.name.trim();
  if (!name) throw new AtlasError('INVALID_INPUT', 'A label needs a non-empty name.', { field: 'name' });
  const description = trimmedOrNull(input.description);
  return {
    name,
    ontologyId: trimmedOrNull(input.ontologyId),
    description,
    synonyms: [...(input.synonyms ?? [])],
    parents: [...(input.parents ?? [])],
    promptText: labelPrompt(name, description),
  };
}

function isPrismaError(error: unknown, code: string): error is Prisma.PrismaClientKnownRequestError {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === code;
}

interface UniqueViolationMeta {
  target?: unknown;
  driverAdapterError?: { cause?: { kind?: string; constraint?: { index?: string; fields?: string[] } } };
}

/** P2002 from typed queries; raw ones report P2010 with the driver adapter's error kind. */
function isUniqueViolation(error: unknown): error is Prisma.PrismaClientKnownRequestError {
  if (isPrismaError(error, 'P2002')) return true;
  return isPrismaError(error, 'P2010') && (error.meta as UniqueViolationMeta | undefined)?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}

/** The field a unique violation is about; Prisma reports it as `target` or, through the pg adapter, as the index name. */
function violatedField(error: Prisma.PrismaClientKnownRequestError): 'name' | 'ontologyId' {
  const meta = error.meta as UniqueViolationMeta | undefined;
  const constraint = meta?.driverAdapterError?.cause?.constraint;
  const where = [JSON.stringify(meta?.target ?? ''), constraint?.index ?? '', ...(constraint?.fields ?? [])].join(' ');
  return /ontology_?id/i.test(where) ? 'ontologyId' : 'name';
}

/** Unique violations become INVALID_INPUT on the field, a missing row NOT_FOUND; anything else is rethrown. */
function storeError(error: unknown, data: Pick<LabelData, 'name' | 'ontologyId'>, id?: number): never {
  if (isUniqueViolation(error)) {
    const field = violatedField(error);
    const message =
      field === 'ontologyId'
        ? `Another label already has ontology id ${data.ontologyId}; edit that label or use another id.`
        : `A label named "${data.name}" already exists; choose another name or edit that label.`;
    throw new AtlasError('INVALID_INPUT', message, { field });
  }
  if (isPrismaError(error, 'P2025') && id !== undefined) throw new AtlasError('NOT_FOUND', `No label with id ${id}.`, { field: 'id' });
  throw error;
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Labels by name, ontology id or synonym (case-insensitive substring, `%` and `_` literal); all
 * when no search. The match is raw SQL: Prisma's list filters only test whole elements (`has`), and
 * its `contains` passes `%` and `_` through as wildcards.
 */
export async function listLabels(db: Database, search?: string): Promise<LabelRecord[]> {
  const text = search?.trim();
  if (!text) return (await db.prisma.label.findMany({ orderBy: { name: 'asc' } })).map(toRecord);
  const pattern = likePattern(text);
  const matches = await db.prisma.$queryRaw<{ id: number }[]>`
    SELECT id FROM label
     WHERE name ILIKE ${pattern} ESCAPE '\\' OR ontology_id ILIKE ${pattern} ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM unnest(synonyms) AS s WHERE s ILIKE ${pattern} ESCAPE '\\')`;
  if (matches.length === 0) return [];
  const rows = await db.prisma.label.findMany({ where: { id: { in: matches.map((m) => m.id) } }, orderBy: { name: 'asc' } });
  return rows.map(toRecord);
}

/**
 * Changes whenever a label is created, edited or deleted (count, newest id and newest edit), so a
 * process can keep labels in memory and re-read them only when another process changed them.
 */
export async function labelsVersion(db: Database): Promise<string> {
  const { rows } = await db.pool.query<{ version: string }>(
    `SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(extract(epoch FROM max(updated_at))::text, '') AS version FROM label`,
  );
  return rows[0]!.version;
}

export async function createLabel(db: Database, input: LabelInput): Promise<LabelRecord> {
  const data = labelData(input);
  try {
    return toRecord(await db.prisma.label.create({ data }));
  } catch (error) {
    storeError(error, data);
  }
}

/** Changes the given fields; `null` clears an optional one, `undefined` keeps it. The prompt follows name and description. */
export async function updateLabel(db: Database, id: number, patch: Partial<LabelInput>): Promise<LabelRecord> {
  const current = await db.prisma.label.findUnique({ where: { id } });
  if (!current) throw new AtlasError('NOT_FOUND', `No label with id ${id}.`, { field: 'id' });
  const data = labelData({
    name: patch.name ?? current.name,
    ontologyId: patch.ontologyId !== undefined ? patch.ontologyId : current.ontologyId,
    description: patch.description !== undefined ? patch.description : current.description,
    synonyms: patch.synonyms ?? current.synonyms,
    parents: patch.parents ?? current.parents,
  });
  try {
    return toRecord(await db.prisma.label.update({ where: { id }, data }));
  } catch (error) {
    storeError(error, data, id);
  }
}

export async function deleteLabel(db: Database, id: number): Promise<LabelRecord> {
  try {
    return toRecord(await db.prisma.label.delete({ where: { id } }));
  } catch (error) {
    storeError(error, { name: '', ontologyId: null }, id);
  }
}

/** One row as the import plans it: an existing label (`id`) or a new one (`id` null). */
interface PlannedLabel {
  readonly id: number | null;
  readonly current: LabelData | null;
  next: LabelData | null;
}

const sameData = (a: LabelData, b: LabelData) =>
  a.name === b.name &&
  a.ontologyId === b.ontologyId &&
  a.description === b.description &&
  a.promptText === b.promptText &&
  a.synonyms.join('\u0000') === b.synonyms.join('\u0000') &&
  a.parents.join('\u0000') === b.parents.join('\u0000');

/** A label as one element of the JSON array that `jsonb_to_recordset` turns into rows (LABEL_RECORDSET). */
function rowOf(data: LabelData, id: number | null = null) {
  const { name, ontologyId, description, synonyms, parents, promptText } = data;
  return { id, name, ontology_id: ontologyId, description, synonyms, parents, prompt_text: promptText };
}

const LABEL_RECORDSET = Prisma.sql`u(id int, name text, ontology_id text, description text, synonyms text[], parents text[], prompt_text text)`;

/** Throws when two labels would end with the same name or ontology id. */
function refuseCollisions(planned: readonly PlannedLabel[]): void {
  for (const field of ['name', 'ontologyId'] as const) {
    const holders = new Map<string, PlannedLabel>();
    for (const label of planned) {
      const value = (label.next ?? label.current)![field];
      if (value === null) continue;
      const other = holders.get(value);
      if (other) {
        const kept = [other, label].find((l) => l.next === null && l.id !== null);
        throw new AtlasError(
          'INVALID_INPUT',
          kept
            ? `Cannot import label "${(label.next ?? other.next)!.name}": ${field === 'name' ? 'its name' : `ontology id ${value}`} belongs to label ${kept.id} ` +
                `("${kept.current!.name}", ${kept.current!.ontologyId ?? 'no ontology id'}), which the file does not list; rename or delete that label first.`
            : `Two labels in the import would share the ${field === 'name' ? 'name' : 'ontology id'} "${value}".`,
          { field },
        );
      }
      holders.set(value, label);
    }
  }
}

/**
 * Inserts or updates labels in one transaction, matching each to a stored label by ontology id
 * when it has one, else by name, so a term renamed in a new ontology release updates its row.
 * An import never removes a stored ontology id: a label given without one keeps it. Returns how
 * many labels were created and how many stored ones matched (changed or not).
 *
 * Batched for whole ontologies: one read of the candidates, then one UPDATE of the changed labels
 * and one INSERT of the new ones, each fed a JSON array (raw SQL). Prisma has no update of many
 * rows with different values (`upsert` per label is thousands of round trips), and its `createMany`
 * took 1.2 s warm, 3.5 s cold for the 2,644 terms of cl-basic.obo against 70–170 ms for this
 * INSERT. PostgreSQL checks a unique index row by row, so rows whose name or ontology id changes are
 * first parked under a placeholder; names may then move between labels (A → B while B → C).
 */
export async function upsertLabels(db: Database, labels: readonly LabelInput[]): Promise<{ created: number; updated: number }> {
  const inputs = labels.map(labelData);
  if (inputs.length === 0) return { created: 0, updated: 0 };
  return db.prisma.$transaction(async (tx) => {
    // Serializes label writers (two imports at once would both plan the same inserts); readers go on.
    await tx.$executeRaw`LOCK TABLE label IN SHARE ROW EXCLUSIVE MODE`;
    const ontologyIds = inputs.flatMap((l) => (l.ontologyId ? [l.ontologyId] : []));
    const stored = await tx.label.findMany({
      where: { OR: [{ name: { in: inputs.map((l) => l.name) } }, ...(ontologyIds.length > 0 ? [{ ontologyId: { in: ontologyIds } }] : [])] },
    });
    const planned: PlannedLabel[] = [];
    const byName = new Map<string, PlannedLabel>();
    const byOntologyId = new Map<string, PlannedLabel>();
    const index = (label: PlannedLabel, data: LabelData) => {
      byName.set(data.name, label);
      if (data.ontologyId) byOntologyId.set(data.ontologyId, label);
    };
    for (const row of stored) {
      const label: PlannedLabel = { id: row.id, current: row, next: null };
      planned.push(label);
      index(label, row);
    }
    let created = 0;
    const matched = new Set<PlannedLabel>();
    for (const input of inputs) {
      const label = (input.ontologyId ? byOntologyId.get(input.ontologyId) : undefined) ?? byName.get(input.name);
      if (!label) {
        const fresh: PlannedLabel = { id: null, current: null, next: input };
        planned.push(fresh);
        index(fresh, input);
        created += 1;
        continue;
      }
      const before = label.next ?? label.current!;
      const next = { ...input, ontologyId: input.ontologyId ?? before.ontologyId };
      if (byName.get(before.name) === label) byName.delete(before.name);
      if (before.ontologyId && byOntologyId.get(before.ontologyId) === label) byOntologyId.delete(before.ontologyId);
      label.next = next;
      index(label, next);
      if (label.id !== null) matched.add(label);
    }
    refuseCollisions(planned);

    const changed = planned.filter((l) => l.id !== null && l.next !== null && !sameData(l.current!, l.next));
    const rekeyed = changed.filter((l) => l.current!.name !== l.next!.name || l.current!.ontologyId !== l.next!.ontologyId);
    try {
      if (rekeyed.length > 0) {
        const parked = rekeyed.map((l) => ({ id: l.id, name: parkedName(l.id!) }));
        await tx.$executeRaw`
          UPDATE label SET name = p.name, ontology_id = NULL
            FROM jsonb_to_recordset(${JSON.stringify(parked)}::jsonb) AS p(id int, name text) WHERE label.id = p.id`;
      }
      if (changed.length > 0) {
        const rows = changed.map((l) => rowOf(l.next!, l.id!));
        await tx.$executeRaw`
          UPDATE label SET name = u.name, ontology_id = u.ontology_id, description = u.description, synonyms = u.synonyms,
                           parents = u.parents, prompt_text = u.prompt_text, updated_at = now()
            FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS ${LABEL_RECORDSET}
           WHERE label.id = u.id`;
      }
      const fresh = planned.filter((l) => l.id === null).map((l) => rowOf(l.next!));
      if (fresh.length > 0) {
        await tx.$executeRaw`
          INSERT INTO label (name, ontology_id, description, synonyms, parents, prompt_text)
          SELECT name, ontology_id, description, synonyms, parents, prompt_text
            FROM jsonb_to_recordset(${JSON.stringify(fresh)}::jsonb) AS ${LABEL_RECORDSET}`;
      }
    } catch (error) {
      // Not expected under the lock (the plan was checked above); still a refusal, not an internal error.
      if (isUniqueViolation(error)) {
        throw new AtlasError('INVALID_INPUT', 'The import collides with labels changed while it ran; run it again.', { field: violatedField(error) });
      }
      throw error;
    }
    return { created, updated: matched.size };
  }, IMPORT_TRANSACTION);
}

/** Stored text embeddings of labels under a model, only those whose prompt is unchanged. */
export async function getLabelEmbeddings(db: Database, modelId: string, labels: readonly LabelRecord[]): Promise<Map<number, Float32Array>> {
  if (labels.length === 0) return new Map();
  const rows = await db.prisma.labelEmbedding.findMany({
    where: { modelId, labelId: { in: labels.map((l) => l.id) } },
    select: { labelId: true, promptSha256: true, embedding: true },
  });
  const expected = new Map(labels.map((l) => [l.id, promptSha256(l.promptText)]));
  return new Map(rows.filter((row) => expected.get(row.labelId) === row.promptSha256).map((row) => [row.labelId, decodeEmbedding(row.embedding)]));
}

/**
 * Stores (or replaces) label embeddings under a model in one statement. Raw SQL on the pg pool:
 * Prisma's `createMany` cannot update on conflict and `upsert` is one round trip per label. Labels
 * deleted since they were read are skipped instead of failing the whole batch (an annotation
 * while an admin edits labels): the join with `FOR KEY SHARE` waits for a deletion in progress and
 * then leaves its row out, where an `EXISTS` test would see the row and the foreign key would fail.
 */
export async function saveLabelEmbeddings(db: Database, modelId: string, entries: readonly { label: LabelRecord; embedding: Float32Array }[]): Promise<void> {
  if (entries.length === 0) return;
  await db.pool.query(
    `INSERT INTO label_embedding (label_id, model_id, prompt_sha256, embedding)
     SELECT t.l, $1, t.s, t.e FROM unnest($2::int[], $3::text[], $4::bytea[]) AS t(l, s, e)
     JOIN label ON label.id = t.l
     FOR KEY SHARE OF label
     ON CONFLICT (label_id, model_id) DO UPDATE SET prompt_sha256 = EXCLUDED.prompt_sha256, embedding = EXCLUDED.embedding, created_at = now()`,
    [modelId, entries.map((e) => e.label.id), entries.map((e) => promptSha256(e.label.promptText)), entries.map((e) => encodeEmbedding(e.embedding))],
  );
}
