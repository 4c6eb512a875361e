/** The service's pino logger. Authorization headers and tokens are redacted should any reach a log call. */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { YogaLogger } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { isGraphQLError } from './errors.ts';

export function createLogger(config: Pick<Config, 'LANGCELL_LOG_LEVEL'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.LANGCELL_LOG_LEVEL,
    base: { service: 'langcell-atlas' },
    redact: {
      paths: ['authorization', 'token', '*.authorization', '*.token', 'headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * yoga's own messages (debug traces, stream errors) go to the same log. yoga also reports every
 * error it masks or maps: GraphQL errors are logged at debug here, because the service logs the
 * unexpected ones itself with their request id (server.ts) and the rest are the client's.
 */
export function yogaLogger(log: Logger): YogaLogger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
    const error = args.find((arg): arg is Error => arg instanceof Error);
    const at = isGraphQLError(error) ? 'debug' : level;
    const message = args
      .filter((arg) => !(arg instanceof Error))
      .map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg)))
      .join(' ');
    if (error) log[at]({ err: error, source: 'yoga' }, message || error.message);
    else log[at]({ source: 'yoga' }, message);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
