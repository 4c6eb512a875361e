import { join } from 'node:path';
import { z } from 'zod';

/** A comma-separated list of secrets; blanks around commas are ignored. */
function tokenList() {
  return z
    .string()
    .default('')
    .transform((value) => value.split(',').map((token) => token.trim()).filter((token) => token.length > 0))
    .pipe(z.array(z.string().min(16, 'each token must be at least 16 characters')));
}

/**
 * The service's configuration: environment variables parsed once with zod. Every problem is
 * reported at once (see `loadConfig`), never one at a time.
 */
export const configSchema = z.object({
  LANGCELL_BUNDLE: z.string().min(1).optional().describe('Model bundle directory (default: the demo bundle in seed/bundle)'),
  LANGCELL_EXECUTION_PROVIDER: z.enum(['cpu', 'webgpu', 'cuda', 'auto']).default('cpu').describe('Where the ONNX graphs run'),
  LANGCELL_PRECISION: z
    .enum(['fp32', 'int8'])
    .default('fp32')
    .describe("Which graphs run: fp32, or the bundle's int8 twins (refused unless their fidelity to fp32 is recorded; int8 embeddings are a different model id)"),
  LANGCELL_CPU_THREADS: z.coerce.number().int().min(0).max(256).default(0).describe('Intra-op threads for the CPU provider; 0 = one per core'),
  LANGCELL_TOKEN_BUDGET: z.coerce.number().int().min(256).default(2_048).describe('Encoder batch size × padded length limit (2048 measured fastest on CPU: bench/results/encoder-*)'),
  // --- atlas store, index and ingestion ---
  DATABASE_URL: z.string().url().optional().describe('PostgreSQL URL; when unset an embedded PostgreSQL runs with its data under LANGCELL_DATA_DIR'),
  LANGCELL_DATA_DIR: z.string().min(1).default('./.langcell').describe('Embedded database, HNSW index file and uploads live here'),
  LANGCELL_EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329).describe('Port of the embedded PostgreSQL (127.0.0.1 only)'),
  LANGCELL_HNSW_M: z.coerce.number().int().min(4).max(128).optional().describe('HNSW graph degree M (default: tuned, see src/index)'),
  LANGCELL_HNSW_EF_CONSTRUCTION: z.coerce.number().int().min(8).max(2048).optional().describe('HNSW efConstruction (default: tuned)'),
  LANGCELL_HNSW_EF_SEARCH: z.coerce.number().int().min(8).max(4096).optional().describe('HNSW ef at query time (default: tuned); never below k'),
  LANGCELL_INDEX_CHECKPOINT_S: z.coerce.number().int().min(0).default(60).describe('A serving process saves a changed index in the background at most this often (0 = only at shutdown); a crash then costs at most this much re-indexing'),
  LANGCELL_INGEST_CHUNK_CELLS: z.coerce.number().int().min(16).max(100_000).default(1024).describe('Cells per ingestion chunk: the unit of work, commit and resume'),
  LANGCELL_INGEST_WORKER: z.enum(['on', 'off']).default('on').describe('Whether `serve` also takes ingestion chunks (off: run `langcell-atlas worker` processes instead)'),
  LANGCELL_SHARE_SOURCES: z
    .enum(['on', 'off'])
    .default('off')
    .describe('on: each ingestion copies its source file into PostgreSQL (large objects) so workers on other machines can read it; needed when `langcell-atlas worker` runs where the uploads are not'),
  LANGCELL_CHUNK_TIMEOUT_S: z.coerce.number().int().min(10).default(1800).describe('A chunk not stored within this time is handed to another worker'),
  LANGCELL_ABSTAIN_BELOW: z.coerce.number().min(0).max(1).default(0.5).describe("Annotation answers UNASSIGNED below this confidence: annotateCell, annotation jobs and the CLI's annotate/evaluate"),
  LANGCELL_MAX_RERANK: z.coerce.number().int().min(1).max(1000).default(50).describe('At most this many search hits are rescored by CTM'),
  LANGCELL_TEXT_CACHE_SIZE: z.coerce.number().int().min(0).default(512).describe('Text-query embeddings kept in an LRU cache'),
  LANGCELL_LAYOUT_SAMPLE_CELLS: z.coerce.number().int().min(100).max(200_000).default(10_000).describe("Cells the explorer's map (UMAP) is fitted on; the others are placed by their nearest sampled cells"),
  LANGCELL_LAYOUT_REFIT_FRACTION: z.coerce
    .number()
    .min(0)
    .max(10)
    .default(0.2)
    .describe('The map is refitted when cells added + removed exceed this share of it; below, new cells are placed on the current map'),
  // --- GraphQL service (src/api) ---
  PORT: z.coerce.number().int().min(0).max(65535).default(4000).describe('HTTP port of the GraphQL service'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface the service listens on; 0.0.0.0 for every interface (containers, servers)'),
  LANGCELL_ADMIN_TOKENS: tokenList().describe(
    'Comma-separated admin tokens (each at least 16 characters) for mutations and uploads; none = the admin API is closed',
  ),
  LANGCELL_READ_TOKEN: z.string().min(16, 'must be at least 16 characters').optional().describe('When set, every query and subscription needs this token (or an admin token)'),
  LANGCELL_UPLOAD_DIR: z.string().min(1).optional().describe('Where POST /uploads stores files (default: uploads/ under LANGCELL_DATA_DIR)'),
  LANGCELL_UPLOAD_TTL_HOURS: z.coerce
    .number()
    .min(0)
    .default(24)
    .describe('Uploads are deleted this long after they arrive, unless an unfinished ingestion reads them'),
  LANGCELL_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(10 * 1024 ** 3).describe('Largest upload in bytes (10 GiB)'),
  LANGCELL_INGEST_ROOT: z.string().min(1).optional().describe('Folder whose files ingestReference and importLabels may read by path; unset = server paths refused, uploads only'),
  LANGCELL_MAX_K: z.coerce.number().int().min(1).max(10_000).default(200).describe('Largest k a query may ask for'),
  LANGCELL_MAX_TOP_M: z.coerce.number().int().min(1).max(10_000).default(50).describe('Largest topM (labels scored by CTM per annotated cell)'),
  LANGCELL_MAX_TEXT_LENGTH: z.coerce.number().int().min(1).default(2000).describe('Longest searchCells text, in characters'),
  LANGCELL_MAX_GENES: z.coerce.number().int().min(1).default(60_000).describe('Most genes in one expression input'),
  LANGCELL_MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(8).describe('Deepest GraphQL selection (introspection excluded)'),
  LANGCELL_MAX_QUERY_COST: z.coerce.number().int().min(1).default(1000).describe("Highest GraphQL query cost (graphql-armor's model; a full annotateCell selection costs about 110)"),
  LANGCELL_MAX_ALIASES: z.coerce.number().int().min(0).default(10).describe('Most aliases in one GraphQL operation'),
  LANGCELL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(20).describe('Most directives in one GraphQL operation'),
  LANGCELL_MAX_TOKENS: z.coerce.number().int().min(1).default(2000).describe('Most lexical tokens in one GraphQL document (send large inputs as variables)'),
  LANGCELL_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 ** 2).describe('Largest GraphQL request body in bytes (4 MiB)'),
  LANGCELL_REQUEST_TIMEOUT_S: z.coerce.number().int().min(1).default(30).describe('A request body (other than an admin upload) must arrive within this time, else 408 and the connection is closed'),
  LANGCELL_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(0).default(200).describe('Most open subscriptions in total; more are refused with TOO_MANY_SUBSCRIPTIONS'),
  LANGCELL_MAX_SUBSCRIPTIONS_PER_CLIENT: z.coerce.number().int().min(0).default(8).describe('Most open subscriptions per client address'),
  LANGCELL_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
    .describe('Comma-separated origins (e.g. https://atlas.example.org) whose pages may call the API from a browser; none = same-origin only'),
  LANGCELL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
});

/** The parsed configuration; defaults that depend on another variable are filled in (`parseConfig`). */
export type Config = Omit<z.infer<typeof configSchema>, 'LANGCELL_UPLOAD_DIR'> & { readonly LANGCELL_UPLOAD_DIR: string };

/** Variables whose values never appear in messages or logs. */
const SECRET_VARIABLES = new Set(['LANGCELL_ADMIN_TOKENS', 'LANGCELL_READ_TOKEN', 'DATABASE_URL']);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        const got = SECRET_VARIABLES.has(name) ? '[redacted]' : JSON.stringify(env[name]);
        return `${issue.path.join('.')}: ${issue.message} (got ${got})`;
      }),
    );
  }
  // Uploads live under the data dir unless placed elsewhere, as the README says.
  return { ...result.data, LANGCELL_UPLOAD_DIR: result.data.LANGCELL_UPLOAD_DIR ?? join(result.data.LANGCELL_DATA_DIR, 'uploads') };
}

/** For entry points: parse, or print every problem and exit 1. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * The configuration table for the README: every variable with its default and meaning, as
 * markdown. Generated from `configSchema`, so it cannot drift from what the service accepts.
 */
export function configTableMarkdown(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, { default?: unknown; description?: string }>;
  };
  const escape = (text: string) => text.replaceAll('|', '\\|');
  const rows = Object.entries(json.properties).map(([name, property]) => {
    const fallback = property.default === undefined || property.default === '' ? '—' : `\`${String(property.default)}\``;
    return `| \`${name}\` | ${fallback} | ${escape(property.description ?? '')} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n') + '\n';
}
