import { Injectable, Logger } from '@nestjs/common';
import { notFound } from '../common/domain-error';
import { RobotEntity } from '../robot/robot.entity';
import { RobotService, RobotView } from '../robot/robot.service';
import { withKey } from '../robot/callback-url';
import { WebhookClock } from './webhook-clock';
import { WebhookEndpointResponseDto } from './webhook-endpoint.dto';
import { WebhookEndpointStore } from './webhook-endpoint.store';

/** A robot's webhook endpoint through the API: its figures, and rotating its key. */
@Injectable()
export class WebhookEndpointService {
  private readonly logger = new Logger(WebhookEndpointService.name);

  constructor(
    private readonly robots: RobotService,
    private readonly store: WebhookEndpointStore,
    private readonly clock: WebhookClock,
  ) {}

  async get(robotId: number, view: RobotView): Promise<WebhookEndpointResponseDto> {
    return this.describe(await this.robots.entity(robotId), view);
  }

  /**
   * A new random key; the previous one keeps working for backend.webhook_key_grace. Robots sharing the URL (the same
   * token) get the new key too. Gewe must then be given the new URL (POST /api/robots/{robot_id}/callback for
   * self-hosted Gewechat; the GeWeAPI console for the paid service).
   */
  async rotate(robotId: number, actor: string): Promise<WebhookEndpointResponseDto> {
    const robot = await this.robots.entity(robotId);
    await this.store.keysOf([robot]); // a robot from before the endpoints gets its endpoint first
    if ((await this.store.rotate(robotId)) === null) throw endpointGone(robotId);
    this.logger.log({ actor, robotId }, 'Webhook key rotated');
    return this.describe(robot, { callbackKey: true });
  }

  private async describe(robot: RobotEntity, view: RobotView): Promise<WebhookEndpointResponseDto> {
    const key = (await this.store.keysOf([robot])).get(robot.id) ?? null;
    const f = await this.store.figures(robot.id);
    if (!f) throw endpointGone(robot.id);
    const shown = view.callbackKey && key !== null;
    const base = this.robots.webhookBase();
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return {
      robotId: robot.id,
      callbackUrl: shown ? withKey(base, key) : base,
      callbackKeyHidden: !shown,
      createdAt: f.createdAt.toISOString(),
      rotatedAt: iso(f.rotatedAt),
      previousKeyValidUntil:
        f.previousKeyUntil && f.previousKeyUntil.getTime() > this.clock.now() ? f.previousKeyUntil.toISOString() : null,
      lastCallbackAt: iso(f.lastCallbackAt),
      accepted: f.accepted,
      duplicates: f.duplicates,
      probes: f.probes,
      rejected: f.rejected,
      rejectedByReason: f.rejectedByReason,
      lastRejectedAt: iso(f.lastRejectedAt),
      lastRejection: f.lastRejection,
    };
  }
}

/** The robot was deleted while this ran. */
const endpointGone = (robotId: number) =>
  notFound('ROBOT_NOT_FOUND', `Robot ${robotId} does not exist`, { id: robotId });
