import { DynamicModule, Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { RobotModule } from '../robot/robot.module';
import { WebhookEndpointBackfill } from './webhook-endpoint.backfill';
import { WebhookEndpointController } from './webhook-endpoint.controller';
import { WebhookEndpointService } from './webhook-endpoint.service';
import { WebhookController } from './webhook.controller';
import { WebhookKeyIndex } from './webhook-key-index';
import { WebhookService } from './webhook.service';

/**
 * The webhook domain: robots' endpoints (figures, key rotation) in every role; the callback endpoint itself only
 * where callbacks are accepted (`receive`: every role but worker). The endpoints' table and store are in
 * WebhookEndpointModule (global).
 */
@Module({})
export class WebhookModule {
  static forRoot(o: { receive: boolean }): DynamicModule {
    return {
      module: WebhookModule,
      imports: [RobotModule, ...(o.receive ? [QueueModule] : [])],
      controllers: [WebhookEndpointController, ...(o.receive ? [WebhookController] : [])],
      providers: [
        WebhookEndpointService,
        WebhookEndpointBackfill,
        ...(o.receive ? [WebhookService, WebhookKeyIndex] : []),
      ],
    };
  }
}
