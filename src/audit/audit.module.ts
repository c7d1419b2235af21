import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLogEntity } from './audit-log.entity';
import { AuditWriter } from './audit-writer';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditTrail } from './audit.service';

/**
 * The audit log: the global interceptor that records @Audit routes, the AuditTrail other modules record to, and (with
 * `backend.enable_admin`) GET /api/admin/audit.
 */
@Module({})
export class AuditModule {
  static forRoot(options: { api: boolean }): DynamicModule {
    return {
      module: AuditModule,
      global: true,
      imports: [TypeOrmModule.forFeature([AuditLogEntity])],
      controllers: options.api ? [AuditController] : [],
      providers: [AuditWriter, AuditTrail, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
      exports: [AuditTrail],
    };
  }
}
