import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { RejectedLogThrottle } from './rejected-log-throttle';
import { redactUrl } from './root-logger';

/** The header the admin console sends with each of its API calls (`X-OpenGewe-Client: console`). */
export const CLIENT_HEADER = 'x-opengewe-client';

/**
 * The access line's level: errors and refusals stand out; a successful webhook call is `debug` — at hundreds of
 * callbacks a second its line was ~8 % of the webhook’s CPU, and the message log already records each callback
 * with its request id.
 */
export function accessLogLevel(url: string, statusCode: number, err?: Error): 'error' | 'warn' | 'info' | 'debug' {
  if (err || statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  return url === '/api/webhook' || url.startsWith('/api/webhook?') ? 'debug' : 'info';
}

/**
 * accessLogLevel, with the lines of refused requests (4xx) throttled per status, method and route pattern (see
 * RejectedLogThrottle): past `logging.rejected_log_limit` in a window they are counted into one summary line.
 */
export function admittedLevel(
  throttle: RejectedLogThrottle,
  line: { url: string; statusCode: number; method: string | undefined; route: string },
  err?: Error,
): ReturnType<typeof accessLogLevel> | 'silent' {
  const level = accessLogLevel(line.url, line.statusCode, err);
  if (level !== 'warn') return level;
  return throttle.admit(`${line.statusCode} ${line.method ?? '?'} ${line.route}`) ? level : 'silent';
}

/** The `req` of an access line: what pino-http's serializer writes for every other route. */
export function accessLineRequest(req: {
  id?: string;
  method?: string;
  url?: string;
  remoteAddress?: string;
  headers?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    id: req.id,
    method: req.method,
    url: redactUrl(req.url),
    remoteAddress: req.remoteAddress,
    // the admin console marks its own calls, so the live log can leave them out (a display filter only)
    ...(req.headers?.[CLIENT_HEADER] === 'console' ? { client: 'console' } : {}),
  };
}

/**
 * The access line of a route answered outside the Nest pipeline (the lean webhook route): the same line pino-http
 * writes for every other route (`requestId`, `req`, `res.statusCode`, `responseTime`, "request completed"), at the
 * same level (accessLogLevel) and through the same throttle of refused requests — but only built when its level is
 * on, and without a child logger per request.
 */
export class AccessLog {
  constructor(
    private readonly logger: Logger,
    private readonly throttle: RejectedLogThrottle,
  ) {}

  write(
    req: IncomingMessage & { id?: string; originalUrl?: string },
    statusCode: number,
    route: string,
    startedAt: number,
  ): void {
    const url = req.originalUrl ?? req.url ?? '';
    const level = admittedLevel(this.throttle, { url, statusCode, method: req.method, route });
    if (level === 'silent' || !this.logger.isLevelEnabled(level)) return;
    const line = {
      requestId: req.id,
      req: accessLineRequest({
        id: req.id,
        method: req.method,
        url: req.originalUrl ?? req.url,
        remoteAddress: req.socket.remoteAddress,
        headers: req.headers,
      }),
      res: { statusCode },
      responseTime: Date.now() - startedAt,
    };
    if (statusCode >= 500)
      this.logger[level]({ ...line, err: new Error(`failed with status code ${statusCode}`) }, 'request errored');
    else this.logger[level](line, 'request completed');
  }
}
