import { DynamicModule, Global, Module } from '@nestjs/common';
import { configureOutboundPolicy } from '../net/outbound-url-policy';
import { APP_CONFIG, AppConfig } from './app-config';

/** Provides the one frozen AppConfig loaded at boot (main.ts, or a test) to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    // the URL validators are static decorators: they read the outbound policy from its module, set here
    configureOutboundPolicy({ allowLinkLocal: config.backend.allow_link_local_targets });
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}
