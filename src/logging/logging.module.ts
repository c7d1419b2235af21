import { DynamicModule, Global, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { LogLevelService } from './log-level.service';
import { ROOT_LOGGER } from './logging.tokens';
import { redactUrl, RootLogger } from './root-logger';

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
            customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
              err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
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
