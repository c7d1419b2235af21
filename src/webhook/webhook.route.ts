import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { toErrorBody } from '../common/all-exceptions.filter';
import { DomainError } from '../common/domain-error';
import { requestIdOf } from '../common/request-id';
import { AccessLog } from '../logging/access-log';
import { clientIp } from '../rate-limit/rate-limit.guard';
import { WebhookAnswer, WebhookService } from './webhook.service';

/** The path Gewe posts callbacks to (the robot's callbackUrl). */
export const WEBHOOK_PATH = '/api/webhook';

/** What the lean route takes of the Express application: the prototypes it gives requests and responses. */
export interface ExpressPrototypes {
  request: object;
  response: object;
}

export interface WebhookRouteOptions {
  /** backend.webhook_body_limit, in bytes: a larger body is answered 413 */
  limit: number;
  /** The headers every other route's middleware sets on a response (helmet, CORS without an Origin), as pairs. */
  headers: readonly (readonly [string, string])[];
  accessLog: AccessLog;
  /** The application's Express instance: a request taken here gets its request and response prototypes. */
  express: ExpressPrototypes;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Puts `route` in front of the HTTP server's request listener (the Express application): a request it does not take
 * goes on to Express untouched. Ahead of Express itself, so a callback skips its router too.
 */
export function mountAhead(
  server: {
    listeners(e: 'request'): unknown[];
    removeAllListeners(e: 'request'): void;
    on(e: 'request', l: unknown): void;
  },
  route: (req: Request & { id?: string }, res: Response, next: NextFunction) => void,
): void {
  const listeners = server.listeners('request') as ((req: unknown, res: unknown) => void)[];
  if (listeners.length !== 1)
    throw new Error(`expected one request listener on the HTTP server, found ${listeners.length}`);
  const [application] = listeners;
  server.removeAllListeners('request');
  server.on('request', (req: Request & { id?: string }, res: Response) => route(req, res, () => application(req, res)));
}

/**
 * The lean route of `POST /api/webhook`, mounted ahead of the whole HTTP stack: it does only what a callback needs —
 * take or make the request id, read the body as text under `webhook_body_limit`, hand it to WebhookService (key,
 * bigint-safe parse, robot, store), answer — with the same error body, headers, request id and access line as the
 * rest of the API, without the API's middleware chain and Nest pipeline (console fall-through, pino-http's child
 * loggers, helmet and CORS run per request, the guards and interceptors, an ETag per answer).
 *
 * What the lean route does not take passes on, untouched, to the full pipeline and the Nest controller, which answer
 * it as before: another method (405), another spelling of the path (`/API/webhook`, a trailing slash), a request with
 * an `Origin` (CORS), a compressed body or a charset other than UTF-8 (body-parser decodes those).
 */
export function webhookRoute(webhook: WebhookService, o: WebhookRouteOptions) {
  const logger = new Logger('ExceptionFilter');
  const fixed = o.headers.flat();

  const answer = (
    req: Request & { id?: string },
    res: Response,
    started: number,
    status: number,
    body: object,
    extra: readonly string[] = [],
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, [
      ...fixed,
      'X-Request-Id',
      req.id,
      'Content-Type',
      JSON_TYPE,
      'Content-Length',
      String(Buffer.byteLength(text)),
      ...extra,
    ]);
    res.end(text);
    o.accessLog.write(req, status, WEBHOOK_PATH, started);
  };

  const fail = (req: Request & { id?: string }, res: Response, started: number, err: unknown) => {
    const body = toErrorBody(err, req.id);
    if (body.statusCode >= 500) logger.error({ err, requestId: req.id }, 'Unhandled error');
    const extra = err instanceof DomainError ? Object.entries(err.headers).flat() : [];
    answer(req, res, started, body.statusCode, body, extra);
  };

  return (req: Request & { id?: string }, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' || !isWebhookUrl(req.url) || !plain(req)) return next();
    // what Express's app.handle does first, so req.query and req.ip are Express's own (trust proxy included)
    Object.setPrototypeOf(req, o.express.request);
    Object.setPrototypeOf(res, o.express.response);
    req.res = res;
    res.req = req;
    const started = Date.now();
    req.id = requestIdOf(req.headers['x-request-id']);
    const key = req.query.key;
    readText(req, o.limit).then(
      (body) =>
        webhook
          .accept(body, typeof key === 'string' ? key : undefined, req.id, clientIp(req))
          .then((a: WebhookAnswer) => answer(req, res, started, 200, a))
          .catch((err: unknown) => fail(req, res, started, err)),
      (err: unknown) => {
        if (err instanceof Aborted) return;
        fail(req, res, started, err);
      },
    );
  };
}

function isWebhookUrl(url: string): boolean {
  return url.startsWith(WEBHOOK_PATH) && (url.length === WEBHOOK_PATH.length || url[WEBHOOK_PATH.length] === '?');
}

/** No Origin (so no CORS answer to give), no Content-Encoding, UTF-8 or no charset: what Gewe sends. */
function plain(req: Request): boolean {
  const h = req.headers;
  if (h.origin !== undefined) return false;
  const encoding = h['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = h['content-type'];
  if (type === undefined) return true;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** The caller went away before its body arrived: nobody to answer. */
class Aborted extends Error {}

/** body-parser's error for a body over the limit, which toErrorBody maps to 413 PAYLOAD_TOO_LARGE. */
function tooLarge(): Error {
  return Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });
}

/**
 * The body as UTF-8 text (a leading BOM dropped, as body-parser does). Over `limit` (declared or counted), the rest
 * is read off and discarded before the 413, so the connection stays usable.
 */
function readText(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let over = Number.isFinite(declared) && declared > limit;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.once('end', () => {
      if (over) return reject(tooLarge());
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)).toString('utf8');
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    req.once('aborted', () => reject(new Aborted()));
    req.once('error', () => reject(new Aborted()));
  });
}
