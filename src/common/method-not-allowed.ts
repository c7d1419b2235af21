import { HttpStatus } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { METHODS } from 'node:http';
import { DomainError } from './domain-error';

/** What this middleware reads of an Express router layer (router 2.x): a route's methods and its path matchers. */
interface RouterLayer {
  route?: { methods?: Record<string, boolean> };
  matchers?: ((path: string) => unknown)[];
}

interface KnownRoute {
  matches(path: string): boolean;
  methods: readonly string[];
}

/**
 * 405 Method Not Allowed, with an `Allow` header, for a method a known path does not take (DELETE /api/auth/login,
 * GET /api/webhook), instead of the 404 that said the path does not exist. Known paths are the routes on the Express
 * router, read on the first request (by then Nest has registered every route) and matched with the router's own
 * matchers, so case and trailing-slash rules are the router's. Paths no route matches pass on: the console's
 * fallback and the 404 still answer them. Registered before the body parsers, so a refused request is not parsed.
 */
export function methodNotAllowed(app: NestExpressApplication) {
  let routes: KnownRoute[] | null = null;
  return (req: Request, _res: Response, next: NextFunction): void => {
    // OPTIONS is answered by CORS before this runs; never refuse it here
    if (req.method === 'OPTIONS') return next();
    const known = routes ?? readRoutes(app);
    if (known.length) routes = known;
    const method = req.method.toUpperCase();
    const allowed = new Set<string>();
    for (const r of known) {
      if (!r.matches(req.path)) continue;
      if (r.methods.includes(method)) return next();
      for (const m of r.methods) allowed.add(m);
    }
    if (allowed.size === 0) return next();
    // Express answers HEAD with the GET handler
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.has(method)) return next();
    const allow = [...allowed].sort().join(', ');
    next(
      new DomainError(
        'METHOD_NOT_ALLOWED',
        `This path does not take ${method}; it takes ${allow}`,
        HttpStatus.METHOD_NOT_ALLOWED,
        { Allow: allow },
        { method, allow },
      ),
    );
  };
}

function readRoutes(app: NestExpressApplication): KnownRoute[] {
  const router = (app.getHttpAdapter().getInstance() as { router?: { stack?: RouterLayer[] } }).router;
  const out: KnownRoute[] = [];
  for (const layer of router?.stack ?? []) {
    const methods = Object.keys(layer.route?.methods ?? {}).map((m) => m.toUpperCase());
    const matchers = layer.matchers;
    // A route for every method is Nest's module middleware (MiddlewareConsumer.forRoutes registers it with
    // router.all on /api{/*splat}), not a handler: it would make every path "known" with every method.
    if (!methods.length || !matchers?.length || METHODS.every((m) => methods.includes(m))) continue;
    out.push({
      methods,
      matches: (path) =>
        matchers.some((m) => {
          try {
            return Boolean(m(path));
          } catch {
            return false; // a malformed %-escape: the router answers it
          }
        }),
    });
  }
  return out;
}
