import { DynamicModule, Global, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { LogLevelService } from './log-level.service';
import { ROOT_LOGGER } from './logging.tokens';
import { redactUrl, RootLogger } from './root-logger';

/**
 * The access line's level: errors and refusals stand out; a successful webhook call is `debug` — at hundreds of
 * callbacks a second its line was ~8 % of the webhook’s CPU, and the message log already records each callback
 * with its request id.
 */
export function accessLogLevel(
  req: IncomingMessage,
  res: ServerResponse,
  err?: Error,
): 'error' | 'warn' | 'info' | 'debug' {
  if (err || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
  return url === '/api/webhook' || url.startsWith('/api/webhook?') ? 'debug' : 'info';
}

/**
 * nestjs-pino over the one root logger. Each request gets a child logger bound to its request id only
 * (`requestId` on every line); the access line at completion has method, redacted URL, status and time.
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(root: RootLogger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: root.logger,
            genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
            quietReqLogger: true,
            customAttributeKeys: { reqId: 'requestId' },
            customLogLevel: accessLogLevel,
            serializers: {
              req: (req: { id?: string; method?: string; url?: string; remoteAddress?: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
                remoteAddress: req.remoteAddress,
              }),
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: root }, LogLevelService],
      exports: [ROOT_LOGGER, LogLevelService],
    };
  }
}
