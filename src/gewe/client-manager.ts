import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { GeweClient } from './gewe-client';

/** What the manager needs to know of a robot to talk to Gewe for it. */
export interface RobotConnection {
  id: number;
  baseUrl: string;
  token: string | null;
  appId: string | null;
  isGewe: boolean;
}

/**
 * One GeweClient per robot, built on first use and cached. A change of base URL, token or flavour rebuilds it; a new
 * appId (set by the first login) is applied in place. Every call is logged at debug with its endpoint, duration and
 * outcome — never its body or the token.
 */
@Injectable()
export class GeweClientManager {
  private readonly logger = new Logger('GeweClient');
  private readonly clients = new Map<number, { client: GeweClient; fingerprint: string }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  forRobot(robot: RobotConnection): GeweClient {
    const fingerprint = `${robot.baseUrl}\n${robot.token ?? ''}\n${robot.isGewe}`;
    const cached = this.clients.get(robot.id);
    if (cached && cached.fingerprint === fingerprint) {
      if (cached.client.appId !== (robot.appId ?? '')) cached.client.setAppId(robot.appId ?? '');
      return cached.client;
    }
    const client = new GeweClient({
      baseUrl: robot.baseUrl,
      token: robot.token ?? '',
      appId: robot.appId,
      isGewe: robot.isGewe,
      timeoutMs: this.config.gewe.request_timeout,
      maxResponseBytes: this.config.gewe.max_response_size,
      onCall: (e) => {
        this.metrics?.geweCall(e.endpoint, e.durationMs, e.outcome);
        const line = {
          robotId: robot.id,
          endpoint: e.endpoint,
          ms: Math.round(e.durationMs),
          outcome: e.outcome,
          ret: e.ret,
        };
        if (e.outcome === 'ok') this.logger.debug(line, 'Gewe call');
        else this.logger.warn({ ...line, error: e.error }, 'Gewe call failed');
      },
    });
    this.clients.set(robot.id, { client, fingerprint });
    return client;
  }

  /** A client for a connection that is not (yet) a robot, e.g. to verify a token before creating one. */
  probe(connection: Omit<RobotConnection, 'id'>): GeweClient {
    return new GeweClient({
      baseUrl: connection.baseUrl,
      token: connection.token ?? '',
      appId: connection.appId,
      isGewe: connection.isGewe,
      timeoutMs: this.config.gewe.request_timeout,
      maxResponseBytes: this.config.gewe.max_response_size,
      onCall: (e) => this.metrics?.geweCall(e.endpoint, e.durationMs, e.outcome),
    });
  }

  forget(robotId: number): void {
    this.clients.delete(robotId);
  }
}
