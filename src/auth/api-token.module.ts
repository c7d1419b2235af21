import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokenController } from './api-token.controller';
import { ApiTokenEntity } from './api-token.entity';
import { ApiTokenService } from './api-token.service';
import { RobotIdLookup } from './robot-id-lookup';

/**
 * Scoped API tokens: the service the global guard authenticates `ogw_…` bearers with, and (with
 * `backend.enable_admin`) the admin API that manages them.
 */
@Module({})
export class ApiTokenModule {
  static forRoot(options: { api: boolean }): DynamicModule {
    return {
      module: ApiTokenModule,
      global: true,
      imports: [TypeOrmModule.forFeature([ApiTokenEntity])],
      controllers: options.api ? [ApiTokenController] : [],
      providers: [ApiTokenService, RobotIdLookup],
      exports: [ApiTokenService],
    };
  }
}
