import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app-config';
import { assertSafeJson } from './json-guard';

/**
 * The public routes that take a JSON body (no token needed to send one). They get PUBLIC_BODY_LIMIT instead of
 * `backend.body_limit`: a login or refresh body is a few hundred bytes, and anyone on the network may send them.
 * The webhook, public too, reads its body as text under its own `backend.webhook_body_limit`. A security test checks
 * that every public operation of the OpenAPI document with a request body is listed here.
 */
export const PUBLIC_JSON_ROUTES: readonly string[] = ['/api/auth/login', '/api/auth/refresh'];

/**
 * The body limit of the public JSON routes. Every JSON body goes through class-transformer and class-validator,
 * whose cost grows faster than the number of keys (a 200 KB body of small keys took half a second of CPU): with the
 * 1 MB default, four unauthenticated clients were enough to slow every other request down to 1.5 s. The largest
 * valid login body (a 50-character username, a 200-character password, every character \u-escaped) is under 2 KB.
 */
export const PUBLIC_BODY_LIMIT = 4 * 1024;

/**
 * Runs on the raw bytes before JSON.parse: too deep or prototype keys are refused (400) before anything walks the
 * body. RFC 8259 JSON is UTF-8; other charsets (which body-parser would decode after this) are refused with 415, so
 * the byte scan always reads what the parser will.
 */
function verifyJson(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding && !/^utf-?8$/i.test(encoding))
    throw Object.assign(new Error(`unsupported charset "${encoding}"`), { status: 415, type: 'charset.unsupported' });
  assertSafeJson(body);
}

/**
 * The JSON body parsers: the small limit on the public routes, `backend.body_limit` everywhere else, both with the
 * pre-parse scan. `onPublicBodyRefused` hears of every body refused on a public route (too large, malformed, too
 * deep, a forbidden key) and may reject instead (e.g. 429 when the caller is over its rate limit).
 */
export function useJsonBodyParsers(
  app: NestExpressApplication,
  config: AppConfig,
  onPublicBodyRefused: (req: Request, path: string) => Promise<void>,
): void {
  app.use([...PUBLIC_JSON_ROUTES], json({ limit: PUBLIC_BODY_LIMIT, verify: verifyJson }));
  for (const path of PUBLIC_JSON_ROUTES)
    app.use(path, (err: unknown, req: Request, _res: Response, next: NextFunction) => {
      if (!isBodyParserError(err)) return next(err);
      onPublicBodyRefused(req, path).then(
        () => next(err),
        (instead) => next(instead),
      );
    });
  // Skips a body already read above (body-parser marks it), so each request is parsed once.
  app.use(json({ limit: config.backend.body_limit, verify: verifyJson }));
}

/** An error of body-parser (http-errors with a `type` such as entity.too.large), or one thrown by verifyJson. */
function isBodyParserError(err: unknown): boolean {
  const e = err as { type?: unknown; status?: unknown } | null;
  return typeof e?.type === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 500;
}
