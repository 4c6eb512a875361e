/**
 * Limits on the GraphQL operation itself (graphql-armor): depth, cost, aliases, directives and
 * lexical tokens, each refusal with its own code. Argument limits (k, text length, genes) are in
 * inputs.ts; the body size limit is yoga's `maxRequestBodySize`.
 */
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.ts';
import type { ApiErrorCode } from './errors.ts';

export interface ApiLimits {
  readonly maxK: number;
  readonly maxTopM: number;
  readonly maxTextLength: number;
  readonly maxGenes: number;
}

export function apiLimits(config: Config): ApiLimits {
  return {
    maxK: config.LANGCELL_MAX_K,
    maxTopM: config.LANGCELL_MAX_TOP_M,
    maxTextLength: config.LANGCELL_MAX_TEXT_LENGTH,
    maxGenes: config.LANGCELL_MAX_GENES,
  };
}

/** Replaces armor's uncoded error ("Syntax Error: …") with one that carries `code`. */
function refuseWith(code: ApiErrorCode) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    const coded = new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code } });
    // Validation rules report; the token counter runs inside the parser, where throwing is the only way.
    if (context) context.reportError(coded);
    else throw coded;
  };
}

export function operationLimitPlugins(config: Config): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: {
      n: config.LANGCELL_MAX_QUERY_DEPTH,
      ignoreIntrospection: true,
      flattenFragments: true,
      propagateOnRejection: false,
      onReject: [refuseWith('QUERY_TOO_DEEP')],
    },
    costLimit: {
      maxCost: config.LANGCELL_MAX_QUERY_COST,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [refuseWith('QUERY_TOO_COMPLEX')],
    },
    maxAliases: { n: config.LANGCELL_MAX_ALIASES, propagateOnRejection: false, onReject: [refuseWith('TOO_MANY_ALIASES')] },
    maxDirectives: {
      n: config.LANGCELL_MAX_DIRECTIVES,
      propagateOnRejection: false,
      onReject: [refuseWith('TOO_MANY_DIRECTIVES')],
    },
    maxTokens: { n: config.LANGCELL_MAX_TOKENS, propagateOnRejection: false, onReject: [refuseWith('TOO_MANY_TOKENS')] },
    // The schema is public documentation (introspection is on): "did you mean …" helps people.
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().plugins as Plugin[];
}
