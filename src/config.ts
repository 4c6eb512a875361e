import { z } from 'zod';

/**
 * The service's configuration: environment variables parsed once with zod. Every problem is
 * reported at once (see `loadConfig`), never one at a time.
 */
export const configSchema = z.object({
  LANGCELL_BUNDLE: z.string().min(1).optional().describe('Model bundle directory (default: the demo bundle in seed/bundle)'),
  LANGCELL_EXECUTION_PROVIDER: z.enum(['cpu', 'webgpu', 'cuda', 'auto']).default('cpu').describe('Where the ONNX graphs run'),
  LANGCELL_CPU_THREADS: z.coerce.number().int().min(0).max(256).default(0).describe('Intra-op threads for the CPU provider; 0 = one per core'),
  LANGCELL_TOKEN_BUDGET: z.coerce.number().int().min(256).default(16_384).describe('Encoder batch size × padded length limit'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`));
  }
  return result.data;
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
