import type { LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Level, Logger } from 'pino';

/**
 * Nest's logger over the root pino logger: framework and service lines (`new Logger(Context)`) become pino lines with
 * `context`; inside a request they go to that request's child logger, so they carry its `requestId`.
 */
export class NestPinoLogger implements LoggerService {
  private readonly scope = new AsyncLocalStorage<Logger>();

  constructor(private readonly root: Logger) {}

  /** Runs `fn` with `logger` (a request's child logger) as the one every Nest log line until it ends goes to. */
  runWith<T>(logger: Logger, fn: () => T): T {
    return this.scope.run(logger, fn);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.call('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.call('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.call('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.call('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.call('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.call('fatal', message, params);
  }

  /**
   * Nest's contract: the last parameter is the context; `error(message, stack, context)` carries a stack trace;
   * an Error or an object as the message becomes `err` or the line's fields.
   */
  private call(level: Level, message: unknown, params: unknown[]): void {
    const logger = this.scope.getStore() ?? this.root;
    const fields: Record<string, unknown> = {};
    let rest: unknown[] = [];
    if (params.length > 0) {
      fields.context = params[params.length - 1];
      rest = params.slice(0, -1);
    }
    if (message instanceof Error) {
      fields.err = message;
      logger[level](fields, ...(rest as [string?]));
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(fields, message);
      logger[level](fields, ...(rest as [string?]));
    } else if (level === 'error' && typeof message === 'string' && isStack(rest)) {
      const err = new Error(message);
      err.stack = rest[0] as string;
      logger[level]({ ...fields, err });
    } else {
      logger[level](fields, message as string, ...rest);
    }
  }
}

/** `error(message, stack)` as Nest's exception handlers call it: a single string parameter that is a stack trace. */
function isStack(rest: unknown[]): boolean {
  return rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0]);
}
