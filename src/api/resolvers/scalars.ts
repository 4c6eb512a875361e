/** The custom scalars: DateTime (ISO 8601 strings) and JSONObject (cell metadata, filters). */
import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';

/**
 * graphql-tools copies every own property of a scalar resolver onto the schema's scalar, an
 * undefined `description` included; dropping it keeps the description written in schema.graphql.
 */
function keepSchemaDescription<T extends GraphQLScalarType>(scalar: T): T {
  delete (scalar as { description?: unknown }).description;
  return scalar;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

const DATE_HINT = 'DateTime must be an ISO 8601 string, e.g. "2025-01-31T09:30:00Z".';

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) throw new GraphQLError(DATE_HINT);
  return date;
}

export const DateTime = keepSchemaDescription(
  new GraphQLScalarType<Date, string>({
    name: 'DateTime',
    serialize(value) {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
      throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
    },
    parseValue: parseDate,
    parseLiteral(ast) {
      if (ast.kind !== Kind.STRING) throw new GraphQLError(DATE_HINT, { nodes: ast });
      return parseDate(ast.value);
    },
  }),
);

export const JSONObject = keepSchemaDescription(
  new GraphQLScalarType<Record<string, unknown>, Readonly<Record<string, unknown>>>({
    name: 'JSONObject',
    serialize(value) {
      if (isPlainObject(value)) return value;
      throw new GraphQLError('JSONObject cannot represent a non-object value.');
    },
    parseValue(value) {
      if (isPlainObject(value)) return value;
      throw new GraphQLError('Expected a JSON object, e.g. {"donor": "D1"}.');
    },
    parseLiteral(ast, variables) {
      if (ast.kind !== Kind.OBJECT) throw new GraphQLError('Expected a JSON object, e.g. {donor: "D1"}.', { nodes: ast });
      return valueFromASTUntyped(ast, variables) as Record<string, unknown>;
    },
  }),
);
