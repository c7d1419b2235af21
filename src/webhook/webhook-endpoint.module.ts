import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallbackKeys } from '../robot/callback-keys';
import { WebhookClock } from './webhook-clock';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookEndpointStore } from './webhook-endpoint.store';

/**
 * The webhook_endpoints table and its store, in every role. Global, to provide the robot module's CallbackKeys port
 * without the robot module importing this one (the webhook depends on robots, not the other way round).
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity])],
  providers: [WebhookClock, WebhookEndpointStore, { provide: CallbackKeys, useExisting: WebhookEndpointStore }],
  exports: [WebhookClock, WebhookEndpointStore, CallbackKeys],
})
export class WebhookEndpointModule {}
