import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { static as serveStatic, text, urlencoded } from 'express';
import type { NextFunction, Request, Response } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule, AppModuleOptions } from './app.module';
import { declarePipelineResponses } from './common/openapi-responses';
import { LoginRateLimiter } from './auth/login-rate-limiter';
import { useJsonBodyParsers } from './common/json-body';
import { methodNotAllowed } from './common/method-not-allowed';
import { PACKAGE } from './common/package-info';
import { requestIdOf } from './common/request-id';
import { applyServerTimeouts } from './common/server-timeouts';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { AccessLog } from './logging/access-log';
import { NestPinoLogger } from './logging/nest-logger';
import { clientIp, rateLimited } from './rate-limit/rate-limit.guard';
import { RateLimitStore, rateLimits } from './rate-limit/rate-limit.store';
import { ExpressPrototypes, mountAhead, webhookRoute } from './webhook/webhook.route';
import { WebhookService } from './webhook/webhook.service';

/** Takes a well-formed X-Request-Id from the caller or makes one, and echoes it on the response. */
export function requestIdMiddleware(req: Request & { id?: string }, res: Response, next: NextFunction): void {
  req.id = requestIdOf(req.headers['x-request-id']);
  res.setHeader('X-Request-Id', req.id);
  next();
}

export interface AppOptions extends AppModuleOptions {
  /** The admin console's build (default: web/dist of this package); null serves no console. */
  webDist?: string | null;
}

/** Where `npm run build --prefix web` writes the admin console. */
export const DEFAULT_WEB_DIST = join(PACKAGE.root, 'web', 'dist');

/**
 * The headers `middlewares` set on an answer to a request without an Origin, read once by running them over a
 * stand-in request and response (they must answer synchronously, as helmet and cors do with fixed options).
 */
export function headersSetBy(
  middlewares: ((req: never, res: never, next: (err?: unknown) => void) => void)[],
): [string, string][] {
  const headers = new Map<string, [string, string]>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), [name, String(value)]),
    getHeader: (name: string) => headers.get(name.toLowerCase())?.[1],
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  const req = { method: 'POST', url: '/', headers: {} };
  for (const m of middlewares) {
    let done = false;
    m(req as never, res as never, (err) => {
      if (err) throw err instanceof Error ? err : new Error('A header middleware failed');
      done = true;
    });
    if (!done) throw new Error('A header middleware did not answer synchronously');
  }
  return [...headers.values()];
}

/** Builds the whole HTTP application; used by main.ts and by the e2e tests, so both run the same stack. */
export async function createApp(options: AppOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  configureApp(app, options.config, options.webDist === undefined ? DEFAULT_WEB_DIST : options.webDist);
  return app;
}

export function configureApp(app: NestExpressApplication, config: AppConfig, webDist: string | null = null): void {
  app.useLogger(app.get(NestPinoLogger));
  app.flushLogs();
  app.disable('x-powered-by');
  applyServerTimeouts(app.getHttpServer(), config.backend);
  if (config.backend.trust_proxy) app.set('trust proxy', true);
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        // robot avatars come from WeChat's image hosts; QR codes are data: URIs; stored images are blob: URLs
        // (fetched with the access token, which an <img> cannot send)
        imgSrc: ["'self'", 'data:', 'blob:', 'https:', 'http:'],
        // the service is usually reached over plain http on a LAN: upgrading would break every asset
        upgradeInsecureRequests: null,
      },
    },
  });
  const origins = config.backend.cors_origins;
  const corsHeaders = cors({
    origin: origins.includes('*') ? '*' : [...origins],
    credentials: !origins.includes('*'),
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
  });
  // Callbacks first, on their lean route (webhook.route.ts) ahead of Express, with the headers the two middlewares
  // below give every answer; what it does not take goes on to Express and down the whole stack. Not where callbacks
  // are not accepted (role worker).
  if (config.backend.role !== 'worker')
    mountAhead(
      app.getHttpServer(),
      webhookRoute(app.get(WebhookService, { strict: false }), {
        limit: config.backend.webhook_body_limit,
        headers: headersSetBy([securityHeaders, corsHeaders]),
        accessLog: app.get(AccessLog),
        express: app.getHttpAdapter().getInstance() as ExpressPrototypes,
      }),
    );
  // The request id comes first, so even a body that fails to parse is answered with one.
  app.use(requestIdMiddleware);
  app.use(securityHeaders);
  app.use(corsHeaders);
  app.use(methodNotAllowed(app));
  // The webhook reads its body as text: JSON.parse would corrupt 64-bit NewMsgIds, so the service parses it itself.
  app.use('/api/webhook', text({ type: () => true, limit: config.backend.webhook_body_limit }));
  // A login or refresh body refused before it could be read (too large, malformed, too deep) counts against the
  // caller's IP, as the attempt would have
  const limiter = app.get(LoginRateLimiter);
  const store = app.get(RateLimitStore);
  const limits = rateLimits(config);
  // The OneBot HTTP API also takes form bodies (application/x-www-form-urlencoded), as the standard allows.
  app.use('/onebot', urlencoded({ extended: false, limit: config.backend.body_limit }));
  useJsonBodyParsers(app, config, async (req, path) => {
    if (req.method !== 'POST') return;
    if (path === '/api/auth/login') await limiter.countRefusedBody(clientIp(req));
    else if (path === '/api/auth/refresh') {
      const retryAfter = await store.hit(limits.refresh, clientIp(req));
      if (retryAfter > 0) throw rateLimited('refresh', retryAfter);
    }
  });
  // /metrics is where Prometheus looks by default: it stays outside /api (see MetricsController). The OneBot gateway
  // lives at /onebot/v11, where the frameworks' docs put it.
  app.setGlobalPrefix('api', {
    exclude: [
      { path: 'metrics', method: RequestMethod.GET },
      { path: 'onebot/{*path}', method: RequestMethod.ALL },
    ],
  });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  if (config.backend.enable_docs) {
    const path = config.backend.docs_url.replace(/^\/+/, '');
    SwaggerModule.setup(path, app, () => buildOpenApi(app), {
      jsonDocumentUrl: `${path}-json`,
      customSiteTitle: 'OpenGewe Backend API',
    });
  }
  if (webDist !== null) serveConsole(app, webDist, config.backend.enable_docs ? config.backend.docs_url : null);
}

/**
 * The admin console at `/`: its files from `dist`, and index.html for every other GET outside /api and the docs
 * (the console routes with the History API, so /robots reloaded must still load it). Hashed assets are cached for
 * good, index.html never. Without a build, `/` says how to make one.
 */
function serveConsole(app: NestExpressApplication, dist: string, docsUrl: string | null): void {
  const index = join(dist, 'index.html');
  const docs = docsUrl ? `/${docsUrl.replace(/^\/+|\/+$/g, '')}` : null;
  const files = serveStatic(dist, {
    index: false,
    setHeaders: (res, path) =>
      res.setHeader(
        'Cache-Control',
        /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ),
  });
  // /onebot is the OneBot gateway's (its HTTP API answers GET too): never the console's
  const isApi = (path: string) =>
    path === '/api' ||
    path.startsWith('/api/') ||
    path === '/metrics' ||
    path === '/onebot' ||
    path.startsWith('/onebot/');
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (isApi(req.path)) next();
    else void files(req, res, next);
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    const path = req.path;
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (isApi(path)) return next();
    if (docs && (path === docs || path.startsWith(`${docs}/`) || path.startsWith(`${docs}-json`))) return next();
    if (!existsSync(index)) {
      res
        .status(404)
        .type('text/plain; charset=utf-8')
        .send(
          'The admin console is not built.\n\nBuild it with `npm run build:web` (or `npm start`, which builds it when ' +
            'its sources changed), then reload. The API is under /api' +
            (docs ? `, its documentation at ${docs}` : '') +
            '.\n',
        );
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}

const TAGS: [string, string][] = [
  ['auth', 'Log in, refresh and revoke sessions, change your password'],
  ['admin', 'User management (admins only)'],
  ['system', 'Status, health, logs, log level and runtime settings'],
  ['robots', 'WeChat accounts on Gewe: create, QR login, status, profile'],
  ['webhook', 'Where Gewe delivers callbacks (authenticated by the key in the callback URL)'],
  ['messages', 'The message log and replays'],
  ['queue', 'Callback queue depth and failed jobs'],
  ['plugins', 'Plugins: state, config, per-robot switches'],
  ['files', 'Media downloaded from callbacks'],
  ['events', 'Live events for the admin console (Server-Sent Events)'],
  ['alerts', 'Alert history, rules, thresholds and channels'],
  ['directory', "A robot's contacts, groups and group members, and their sync from Gewe"],
  ['relations', "A robot's friend requests (accept, ignore) and actions on its groups"],
  ['outbound-webhooks', 'Subscriptions that push events to other systems, signed per Standard Webhooks (admins)'],
  ['conversations', "A robot's chats with unread counts, a chat's thread, the send state, the export of the log"],
];

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('OpenGewe Backend')
    .setDescription(
      'Run and manage WeChat bots on the Gewe HTTP API. Authenticate with POST /api/auth/login and send ' +
        '`Authorization: Bearer <accessToken>`, or send a scoped API token (`ogw_…`, made by an admin at ' +
        '/api/admin/tokens) the same way: it may call only the operations that name its scope (`x-token-scope`). ' +
        'Errors are `{ statusCode, error, message, requestId, code }`.',
    )
    .setVersion(PACKAGE.version)
    .addServer('/', 'This service')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An access token (JWT) from POST /api/auth/login, or an API token (ogw_…)',
    });
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const doc = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controllerKey: string, methodKey: string) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  doc.info.contact = { name: 'OpenGewe Backend', url: 'https://github.com/Wangnov/OpenGewe' };
  declarePipelineResponses(doc);
  // Every operation gets a description: its summary plus who may call it (@AdminOnly shows as x-admin-only).
  for (const item of Object.values(doc.paths))
    for (const op of Object.values(
      item as Record<
        string,
        {
          summary?: string;
          description?: string;
          responses?: object;
          security?: unknown[];
          'x-token-scope'?: string;
          'x-admin-only'?: boolean;
        }
      >,
    )) {
      if (!op || typeof op !== 'object' || !('responses' in op) || op.description) continue;
      const who = !op.security?.length
        ? 'Public (no token).'
        : op['x-admin-only']
          ? 'Needs an admin access token.'
          : 'Needs an access token.';
      const token = op.security?.length
        ? op['x-token-scope']
          ? ` API tokens need the scope ${op['x-token-scope']}.`
          : ' Not for API tokens.'
        : '';
      op.description = `${op.summary ?? ''}. ${who}${token}`.replace(/^\. /, '');
    }
  return doc;
}
