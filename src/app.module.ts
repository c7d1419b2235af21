import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { AlertModule } from './alert/alert.module';
import { BOOT_ENV } from './auth/admin-bootstrap.service';
import { ApiTokenModule } from './auth/api-token.module';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { INSTANCE_ID, makeInstanceId } from './common/instance-id';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { buildDataSourceOptions, detectMysqlFlavor } from './data-source';
import { RawSql } from './database/raw-sql';
import { SqliteCheckpoints } from './database/sqlite-checkpointer';
import { EventsModule } from './live-events/events.module';
import { FileModule } from './file/file.module';
import { MediaBullModule } from './file/media-bull.module';
import { LoggingModule } from './logging/logging.module';
import { RootLogger } from './logging/root-logger';
import { MetricsCoreModule } from './metrics/metrics.module';
import { MetricsScrapeModule } from './metrics-scrape/metrics-scrape.module';
import { PluginModule } from './plugin/plugin.module';
import { bullRoot } from './redis/bullmq';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './redis/redis.module';
import { MessageModule } from './message-log/message.module';
import { CallbackBullModule } from './queue/callback-bull.module';
import { OneBotModule } from './onebot/onebot.module';
import { OutboundBullModule } from './outbound-webhooks/outbound-bull.module';
import { OutboundWebhookModule } from './outbound-webhooks/outbound-webhook.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { QueueModule } from './queue/queue.module';
import { RelationsModule } from './relations/relations.module';
import { RobotModule } from './robot/robot.module';
import { WebhookEndpointModule } from './webhook/webhook-endpoint.module';
import { WebhookModule } from './webhook/webhook.module';
import { SystemModule } from './system/system.module';
import { DirectoryModule } from './directory/directory.module';
import { ConversationsModule } from './conversations/conversations.module';
import { CONFIG_SOURCE } from './system/system.tokens';

export interface AppModuleOptions {
  config: AppConfig;
  rootLogger: RootLogger;
  /** The config file that was read (null on embedded defaults). */
  configSource: string | null;
  /** Environment for first-start bootstrap (OPENGEWE_ADMIN_*); process.env in production. */
  env: NodeJS.ProcessEnv;
}

@Module({})
export class AppModule {
  static forRoot(o: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ConfigModule.forRoot(o.config),
        LoggingModule.forRoot(o.rootLogger, o.config.logging),
        TypeOrmModule.forRootAsync({
          useFactory: async () => ({
            ...buildDataSourceOptions(o.config, await detectMysqlFlavor(o.config)),
            // Pending migrations are applied before anything else touches the database.
            migrationsRun: true,
            migrationsTransactionMode: 'each' as const,
            retryAttempts: 3,
            retryDelay: 2000,
          }),
        }),
        RedisModule,
        // BullMQ only in advanced mode: simple mode registers none of it and opens no Redis connection for queues
        ...(o.config.queue.queue_type === 'advanced'
          ? [
              bullRoot(),
              CallbackBullModule.register(o.config),
              MediaBullModule.register(o.config),
              OutboundBullModule.register(o.config),
            ]
          : []),
        RateLimitModule,
        MetricsCoreModule,
        AuditModule.forRoot({ api: o.config.backend.enable_admin }),
        ApiTokenModule.forRoot({ api: o.config.backend.enable_admin }),
        AuthModule,
        EventsModule,
        SystemModule,
        WebhookEndpointModule,
        RobotModule,
        DirectoryModule,
        PluginModule,
        QueueModule,
        OneBotModule,
        PipelineModule,
        MessageModule,
        FileModule,
        MetricsScrapeModule,
        AlertModule,
        RelationsModule,
        OutboundWebhookModule,
        ConversationsModule,
        WebhookModule.forRoot({ receive: o.config.backend.role !== 'worker' }),
        ...(o.config.backend.enable_admin ? [AdminModule] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: CONFIG_SOURCE, useValue: o.configSource },
        { provide: BOOT_ENV, useValue: o.env },
        { provide: INSTANCE_ID, useValue: makeInstanceId() },
        { provide: RawSql, inject: [DataSource], useFactory: (ds: DataSource) => new RawSql(ds) },
        SqliteCheckpoints,
      ],
      exports: [CONFIG_SOURCE, BOOT_ENV, INSTANCE_ID, RawSql],
    };
  }
}
