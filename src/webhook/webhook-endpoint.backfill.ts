import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RobotService } from '../robot/robot.service';
import { WebhookEndpointStore } from './webhook-endpoint.store';

/**
 * At boot, every robot without a webhook endpoint (robots from before endpoints existed) gets one with the key its
 * callback URL had, HMAC(backend.secret_key, token): a migration cannot compute HMACs in SQL, and the URLs registered
 * with Gewe must keep working. Idempotent and safe with several instances (a row already there is kept). Should it
 * fail, the same happens lazily when a robot's key is first needed (shown, registered, or looked up by the webhook).
 */
@Injectable()
export class WebhookEndpointBackfill implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookEndpointBackfill.name);

  constructor(
    private readonly robots: RobotService,
    private readonly endpoints: WebhookEndpointStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const added = await this.endpoints.ensureLegacy(await this.robots.keyedRobots());
      if (added) this.logger.log({ robots: added }, 'Webhook endpoints created for existing robots, with their keys');
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'Webhook endpoints not created at boot; created when needed');
    }
  }
}
