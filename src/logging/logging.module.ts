import {
  DynamicModule,
  Global,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationShutdown,
  RequestMethod,
} from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { AppConfig } from '../config/app-config';
import { AccessLog, accessLineRequest, admittedLevel } from './access-log';
import { LogLevelService } from './log-level.service';
import { HTTP_LOGGER, ROOT_LOGGER } from './logging.tokens';
import { NestPinoLogger } from './nest-logger';
import { RejectedLogThrottle } from './rejected-log-throttle';
import { RootLogger } from './root-logger';

/** The access line's level for pino-http (see admittedLevel), keyed by the route's pattern, never the raw path. */
export function throttledAccessLogLevel(throttle: RejectedLogThrottle) {
  return (req: IncomingMessage, res: ServerResponse, err?: Error): ReturnType<typeof admittedLevel> => {
    const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
    const route = (req as IncomingMessage & { route?: { path?: unknown } }).route?.path;
    return admittedLevel(
      throttle,
      { url, statusCode: res.statusCode, method: req.method, route: typeof route === 'string' ? route : '(no route)' },
      err,
    );
  };
}

/** Writes the last summaries of suppressed access lines when the application stops (before the log is closed). */
class RejectedLogFlush implements OnApplicationShutdown {
  constructor(private readonly throttle: RejectedLogThrottle) {}
  onApplicationShutdown(): void {
    this.throttle.flush(true);
  }
}

/**
 * Logging for the HTTP application, over the one root logger: pino-http gives each request a child logger bound to
 * its request id only (`requestId` on every line) and writes the access line at completion (method, redacted URL,
 * status, time); NestPinoLogger is Nest's logger (`app.useLogger`), writing to the request's child logger inside a
 * request. Each application has its own instances (nothing is kept at module level).
 */
@Global()
@Module({})
export class LoggingModule implements NestModule {
  constructor(
    @Inject(HTTP_LOGGER) private readonly http: HttpLogger,
    private readonly nestLogger: NestPinoLogger,
    private readonly appConfig: ApplicationConfig,
  ) {}

  static forRoot(root: RootLogger, logging: AppConfig['logging']): DynamicModule {
    const throttle = new RejectedLogThrottle(logging.rejected_log_limit, logging.rejected_log_window, (s) =>
      // on the root logger itself, not a child: a child keeps the level it was made with, not the runtime one
      root.logger.warn(
        { context: 'AccessLog', route: s.key, suppressed: s.suppressed, windowSeconds: s.windowMs / 1000 },
        `${s.suppressed} access-log lines of refused requests (${s.key}) suppressed in ${s.windowMs / 1000} s`,
      ),
    );
    const http = pinoHttp({
      logger: root.logger,
      genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      customLogLevel: throttledAccessLogLevel(throttle),
      serializers: {
        req: accessLineRequest,
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    });
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        { provide: HTTP_LOGGER, useValue: http },
        { provide: NestPinoLogger, useValue: new NestPinoLogger(root.logger) },
        LogLevelService,
        { provide: RejectedLogFlush, useValue: new RejectedLogFlush(throttle) },
        { provide: AccessLog, useValue: new AccessLog(root.logger, throttle) },
      ],
      exports: [ROOT_LOGGER, NestPinoLogger, LogLevelService, AccessLog],
    };
  }

  /**
   * Every route, and the paths excluded from the global prefix (`/metrics`), which a prefixed wildcard misses.
   */
  configure(consumer: MiddlewareConsumer): void {
    const excluded = this.appConfig.getGlobalPrefixOptions().exclude ?? [];
    const bind = (req: IncomingMessage & { log: HttpLogger['logger'] }, _res: ServerResponse, next: () => void) =>
      this.nestLogger.runWith(req.log, next);
    consumer
      .apply(this.http, bind)
      .forRoutes(
        { path: '{/*splat}', method: RequestMethod.ALL },
        ...excluded.map(({ path, requestMethod }) => ({ path, method: requestMethod })),
      );
  }
}
