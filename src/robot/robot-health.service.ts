import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { backoffDelay } from '../common/backoff';
import { INSTANCE_ID } from '../common/instance-id';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { GeweClientManager } from '../gewe/client-manager';
import { stateReason } from '../gewe/gewe.errors';
import { RobotEntity } from './robot.entity';
import { RobotService } from './robot.service';
import { ROBOT_REASONS } from './robot-reason';
import { RobotStateStore, RobotStatus } from '../coordination/robot-state.store';

const MAX_BACKOFF_MS = 300_000;
/** The statuses health checks look after; any other status (a logout, a new login) ends their involvement. */
const WATCHED: RobotStatus[] = ['online', 'reconnecting'];
const healthLock = (robotId: number) => `health:${robotId}`;

/**
 * Keeps online robots online: every `health_check_interval` asks Gewe (checkOnline) about each robot whose status is
 * online or reconnecting, and when Gewe says offline, reconnects with exponential backoff; when that fails the robot
 * goes offline (a new QR login is needed) and is no longer polled. With several instances the `health:<id>` lock
 * makes one instance check a robot.
 */
@Injectable()
export class RobotHealthService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RobotHealthService.name);
  /** The rounds of checks, one at a time. */
  private task?: PeriodicTask;
  private destroyed = false;
  /**
   * Robots being reconnected here, with the timer of the next attempt: one-shot timers of a backoff sequence that
   * ends (online, or offline after `reconnect_attempts`), not a loop; cleared at shutdown like the task.
   */
  private readonly reconnecting = new Map<number, NodeJS.Timeout | null>();
  private readonly attemptsInFlight = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly robots: RobotService,
    private readonly clients: GeweClientManager,
    private readonly store: RobotStateStore,
  ) {}

  onApplicationBootstrap(): void {
    this.task = new PeriodicTask({
      name: 'Robot health check round',
      intervalMs: this.config.gewe.health_check_interval,
      logger: this.logger,
      run: () => this.checkAll(),
    }).start();
  }

  /** Stops the timers and waits for a round in flight, so nothing runs against a closed database or logger. */
  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    for (const t of this.reconnecting.values()) if (t) clearTimeout(t);
    this.reconnecting.clear();
    await Promise.allSettled([this.task?.stop(), ...this.attemptsInFlight]);
  }

  /** One round of checks (run by the task: rounds never overlap). */
  private async checkAll(): Promise<void> {
    try {
      const robots = await this.robots.findByStatus(WATCHED);
      await Promise.all(robots.map((r) => this.check(r)));
    } catch (err) {
      if (!this.destroyed) this.logger.error({ err }, 'Health check round failed');
    }
  }

  async check(robot: RobotEntity): Promise<void> {
    if (this.reconnecting.has(robot.id) || !robot.appId) return;
    const ttl = this.config.gewe.health_check_interval * 2 + this.config.gewe.request_timeout;
    if (!(await this.store.acquire(healthLock(robot.id), this.instanceId, ttl))) return;
    let online: boolean;
    try {
      online = await this.clients.forRobot(robot).login.checkOnline();
    } catch (err) {
      // Gewe itself is unwell: say so, but do not conclude anything about the account.
      await this.store.update(robot.id, { reason: `Health check failed: ${stateReason(err)}` });
      return;
    }
    if (online) {
      await this.robots.transition(robot.id, WATCHED, {
        status: 'online',
        reason: null,
        lastSeenAt: new Date().toISOString(),
        reconnectAttempts: 0,
      });
      return;
    }
    this.reconnect(robot.id, ROBOT_REASONS.GEWE_REPORTS_OFFLINE);
  }

  /**
   * Starts reconnecting a robot (also called when an Offline callback arrives). At most one reconnection per robot
   * runs in this process.
   */
  reconnect(robotId: number, reason: string): void {
    if (this.reconnecting.has(robotId) || this.destroyed) return;
    this.reconnecting.set(robotId, null);
    this.track(this.attempt(robotId, 1, reason));
  }

  private track(p: Promise<void>): void {
    this.attemptsInFlight.add(p);
    void p.finally(() => this.attemptsInFlight.delete(p));
  }

  private async attempt(robotId: number, n: number, reason: string): Promise<void> {
    if (this.destroyed) return;
    const max = this.config.gewe.reconnect_attempts;
    try {
      const robot = await this.robots.entity(robotId);
      if (n > max) {
        await this.robots.transition(robotId, WATCHED, {
          status: 'offline',
          reason: `${reason}; reconnection failed ${max} time(s): log in again with a QR code`,
          reconnectAttempts: max,
        });
        this.logger.warn({ robotId, attempts: max }, 'Robot went offline: reconnection gave up');
        this.reconnecting.delete(robotId);
        return;
      }
      // Stop if the robot left online/reconnecting meanwhile (logged out, a new login started…).
      if (!(await this.robots.transition(robotId, WATCHED, { status: 'reconnecting', reason, reconnectAttempts: n }))) {
        this.reconnecting.delete(robotId);
        return;
      }
      const client = this.clients.forRobot(robot);
      try {
        await client.login.reconnection();
        if (await client.login.checkOnline()) {
          await this.robots.transition(robotId, WATCHED, {
            status: 'online',
            reason: null,
            lastSeenAt: new Date().toISOString(),
            reconnectAttempts: 0,
          });
          this.logger.log({ robotId, attempt: n }, 'Robot reconnected');
          this.reconnecting.delete(robotId);
          return;
        }
      } catch (err) {
        if (!this.destroyed)
          this.logger.warn({ robotId, attempt: n, error: (err as Error).message }, 'Reconnection attempt failed');
      }
      const delay = backoffDelay(n, { baseMs: this.config.gewe.reconnect_backoff, maxMs: MAX_BACKOFF_MS });
      if (this.destroyed) return;
      const t = setTimeout(() => this.track(this.attempt(robotId, n + 1, reason)), delay);
      t.unref();
      this.reconnecting.set(robotId, t);
    } catch (err) {
      // the robot was deleted, or the database is away: stop here; the next health round starts over
      this.logger.warn({ robotId, error: (err as Error).message }, 'Reconnection stopped');
      this.reconnecting.delete(robotId);
    }
  }
}
