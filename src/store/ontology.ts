/** The ontology graph (terms with names, synonyms and asserted parents), kept apart from the catalogue of candidate labels. */
import type { Database } from './database.ts';

export interface OntologyTermRecord {
  readonly id: string;
  readonly name: string;
  readonly synonyms: readonly string[];
  readonly parents: readonly string[];
}

/** Inserts or replaces terms by id, in one statement per 5,000 terms. */
export async function upsertOntologyTerms(db: Database, terms: readonly OntologyTermRecord[]): Promise<number> {
  for (let start = 0; start < terms.length; start += 5_000) {
    const page = terms.slice(start, start + 5_000).map((t) => ({ id: t.id, name: t.name, synonyms: t.synonyms, parents: t.parents }));
    await db.pool.query(
      `INSERT INTO ontology_term (id, name, synonyms, parents)
       SELECT id, name, synonyms, parents FROM jsonb_to_recordset($1::jsonb) AS t(id text, name text, synonyms text[], parents text[])
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, synonyms = excluded.synonyms, parents = excluded.parents`,
      [JSON.stringify(page)],
    );
  }
  return terms.length;
}

export async function listOntologyTerms(db: Database): Promise<OntologyTermRecord[]> {
  return db.prisma.ontologyTerm.findMany({ orderBy: { id: 'asc' } });
}

/** Changes whenever a term is added, removed or edited (for caches). */
export async function ontologyVersion(db: Database): Promise<string> {
  const { rows } = await db.pool.query<{ version: string }>(`SELECT count(*) || ':' || coalesce(md5(string_agg(id || name || array_to_string(parents, ','), '|' ORDER BY id)), '') AS version FROM ontology_term`);
  return rows[0]!.version;
}
