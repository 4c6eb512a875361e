/**
 * GraphQL arguments parsed at the edge: query arguments throw their first problem as a coded
 * GraphQLError (with the limit where one applies), mutation inputs report every problem at once,
 * and what passes reaches the atlas as its domain types. The HTTP-level suites (api-limits,
 * api-errors, api-uploads) check the same codes through the server.
 */
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  annotateCellArguments,
  checkAtlasId,
  checkIngestInput,
  checkLabelInput,
  checkLabelPatch,
  searchCellsArguments,
  similarCellsArguments,
  toAtlasId,
} from '../../src/api/inputs.ts';
import type { ApiLimits } from '../../src/api/limits.ts';

const limits: ApiLimits = { maxK: 50, maxTopM: 5, maxTextLength: 100, maxGenes: 3 };

/** The error `work` throws, as a client sees it. */
function refusal(work: () => unknown): { message: string; extensions: Record<string, unknown> } {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { message, extensions } = error as GraphQLError;
    return { message, extensions: { ...extensions } };
  }
  throw new Error('expected a refusal');
}

const counts = (genes: string[], values: number[]) => ({ genes, values, valueType: 'COUNTS' as const });

describe('query arguments', () => {
  it('reach the atlas as domain inputs: ids as numbers, enums as the atlas names them, absent filters left out', () => {
    expect(
      searchCellsArguments({ text: 'NK cells', k: 5, rerank: true, filter: { datasetIds: ['7'], metadata: { donor: 'D1', batch: 2, fresh: true } } }, limits),
    ).toEqual({ text: 'NK cells', options: { k: 5, rerank: true, filter: { datasetIds: [7], metadata: { donor: 'D1', batch: 2, fresh: true } } } });
    expect(annotateCellArguments({ input: { expression: counts(['CD3E'], [2]) }, k: 5, rerank: false, topM: 3, candidates: null, filter: null }, limits)).toEqual({
      input: { expression: { genes: ['CD3E'], values: [2], valueType: 'counts' } },
      options: { k: 5, rerank: false, topM: 3 },
    });
    expect(similarCellsArguments({ input: { cellId: '12' }, k: 1 }, limits)).toEqual({ input: { cellId: 12 }, options: { k: 1, filter: undefined } });
  });

  it('a value above a limit is refused with its code and the limit', () => {
    expect(refusal(() => searchCellsArguments({ text: 'x', k: 51, rerank: false }, limits))).toEqual({
      message: 'k is at most 50 on this server; got 51.',
      extensions: { code: 'K_TOO_LARGE', limit: 50 },
    });
    expect(refusal(() => annotateCellArguments({ input: { cellId: '1' }, k: 5, rerank: false, topM: 6 }, limits)).extensions).toEqual({ code: 'TOP_M_TOO_LARGE', limit: 5 });
    expect(refusal(() => searchCellsArguments({ text: 'a'.repeat(101), k: 5, rerank: false }, limits)).extensions).toEqual({ code: 'TEXT_TOO_LONG', limit: 100 });
    expect(refusal(() => similarCellsArguments({ input: { expression: counts(['A', 'B', 'C', 'D'], [1, 1, 1, 1]) }, k: 5 }, limits))).toEqual({
      message: 'input.expression has 4 genes; at most 3 on this server (leave out genes with value 0).',
      extensions: { code: 'TOO_MANY_GENES', limit: 3 },
    });
  });

  it('names the field where the problem is, with indexes and keys', () => {
    expect(refusal(() => searchCellsArguments({ text: 'x', k: 5, rerank: false, filter: { datasetIds: ['1', 'x'] } }, limits))).toEqual({
      message: 'filter.datasetIds[1] must be a numeric id such as "42"; got "x".',
      extensions: { code: 'INVALID_ID' },
    });
    expect(refusal(() => similarCellsArguments({ input: { expression: counts(['A', ' '], [1, 2]) }, k: 5 }, limits)).message).toBe('input.expression.genes[1] is empty.');
    expect(refusal(() => searchCellsArguments({ text: 'x', k: 5, rerank: false, filter: { metadata: { donor: { id: 1 } } } }, limits))).toEqual({
      message: 'filter.metadata.donor must be a string, number or boolean; got object.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(refusal(() => toAtlasId('abc', 'jobId'))).toEqual({ message: 'jobId must be a numeric id such as "42"; got "abc".', extensions: { code: 'INVALID_ID' } });
  });

  it('reports the first problem in argument order, "both" before a problem inside one of them', () => {
    // cellId is not an id, but giving both is what to fix first.
    const both = refusal(() => annotateCellArguments({ input: { cellId: 'x', expression: counts([], []) }, k: 0, rerank: false, topM: 3 }, limits));
    expect(both).toEqual({
      message: 'input needs exactly one of cellId (a stored cell) and expression (a new cell); got both.',
      extensions: { code: 'EXACTLY_ONE_REQUIRED' },
    });
    // The input comes before candidates and k; within an expression, a length mismatch before a blank gene.
    expect(refusal(() => annotateCellArguments({ input: { expression: counts(['A', ' '], [1]) }, candidates: [], k: 0, rerank: false, topM: 3 }, limits))).toEqual({
      message: 'input.expression has 2 genes but 1 values; give one value per gene, in the same order.',
      extensions: { code: 'EXPRESSION_LENGTH_MISMATCH' },
    });
    expect(refusal(() => annotateCellArguments({ input: { cellId: '1' }, candidates: [], k: 0, rerank: false, topM: 3 }, limits)).message).toBe(
      'candidates is empty; list label names to choose from, or leave it out to use every label.',
    );
    expect(refusal(() => searchCellsArguments({ text: ' ', k: 0, rerank: false }, limits)).message).toMatch(/^text is empty; describe the cells to find/);
  });
});

describe('mutation inputs', () => {
  it('report every problem at once, each on its field', () => {
    expect(checkIngestInput({ name: ' ', species: 'x'.repeat(201) })).toEqual({
      errors: [
        { field: 'input', code: 'EXACTLY_ONE_REQUIRED', message: 'input needs exactly one of uploadId (from POST /uploads) and path (a file on the server); got neither.' },
        { field: 'input.name', code: 'REQUIRED', message: 'input.name is empty.' },
        { field: 'input.species', code: 'TOO_LONG', message: 'input.species is at most 200 characters; got 201.' },
      ],
    });
    expect(checkLabelPatch({ name: null, description: '' })).toEqual({
      errors: [
        { field: 'patch.name', code: 'REQUIRED', message: 'patch.name cannot be null; leave it out to keep the name.' },
        { field: 'patch.description', code: 'REQUIRED', message: 'patch.description is empty.' },
      ],
    });
    expect(checkAtlasId('4x', 'id')).toEqual({ field: 'id', code: 'INVALID_ID', message: 'id must be a numeric id such as "42"; got "4x".' });
  });

  it('reach the atlas as domain inputs: trimmed names, enums as the atlas names them, left-out patch fields unchanged', () => {
    expect(checkIngestInput({ path: 'atlases/pbmc', name: ' pbmc ', format: 'TENX_MTX', genesAsRows: null, species: ' human ' })).toEqual({
      value: { source: { path: 'atlases/pbmc' }, name: 'pbmc', format: '10x-mtx', layer: 'auto', species: 'human' },
    });
    expect(checkLabelInput({ name: ' NK cell ', ontologyId: ' CL:0000623 ' })).toEqual({
      value: { name: 'NK cell', ontologyId: 'CL:0000623', description: null, synonyms: [], parents: [] },
    });
    // null clears, left out keeps.
    expect(checkLabelPatch({ ontologyId: null, synonyms: null })).toEqual({ value: { ontologyId: null, synonyms: [] } });
    expect(checkAtlasId('42', 'id')).toBe(42);
  });
});
