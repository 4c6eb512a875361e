/**
 * What an ingestion is asked to do. Parsed with zod wherever it crosses a boundary: when the job is
 * created (from the API or the CLI) and again when a worker takes the job back from the database,
 * where it was stored as JSON.
 */
import { z } from 'zod';
import { STATED_VALUE_TYPES } from '../model/expression-values.ts';
import { EXPRESSION_FORMATS, MATRIX_CHOICES } from './readers/types.ts';

export const ingestRequestSchema = z.object({
  /** The source file (or 10x folder) as the workers will open it. */
  path: z.string().min(1),
  name: z.string().trim().min(1, 'A dataset needs a name.'),
  format: z.enum(EXPRESSION_FORMATS).optional(),
  layer: z.enum(MATRIX_CHOICES).optional(),
  labelColumn: z.string().min(1).optional(),
  /** A label mapping file (dataset label → label name or ontology id), read at validation. */
  labelMapPath: z.string().min(1).optional(),
  /** What the mapping file said, stored with the job (the file need not outlive the ingestion). */
  labelMap: z.record(z.string(), z.string()).optional(),
  genesAsRows: z.boolean().optional(),
  species: z.string().min(1).optional(),
  /** How the values were produced, when the caller states it; otherwise detected (and refused when ambiguous). */
  valueType: z.enum(STATED_VALUE_TYPES).optional(),
});

export type IngestRequest = Readonly<z.infer<typeof ingestRequestSchema>>;
