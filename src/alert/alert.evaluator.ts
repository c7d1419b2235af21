import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { INSTANCE_ID } from '../common/instance-id';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { EventBus } from '../live-events/event-bus';
import { MetricsService } from '../metrics/metrics.service';
import { PluginSettingsStore } from '../plugin/plugin-settings.store';
import { CallbackQueue } from '../queue/callback-queue';
import { RobotService } from '../robot/robot.service';
import { ROBOT_STATUSES, RobotStateStore } from '../coordination/robot-state.store';
import { RuntimeSettingsService } from '../settings/runtime-settings.service';
import { observe, planRound, RobotSnapshot, WorldSnapshot } from './alert-engine';
import { AlertNotifier } from './alert-notifier';
import { AlertRule } from '../config/alert-rules';
import { AlertSettings, readAlertSettings } from './alert-settings';
import { AlertService } from './alert.service';
import { GeweCallStats } from './gewe-call-stats';

/** The lock that makes one instance evaluate (held, and extended, by the instance that has it). */
const LOCK = 'alerts:evaluator';
const ROBOT_RULES: AlertRule[] = ['robot_offline', 'login_needs_scan', 'no_callback'];

/**
 * Evaluates the alert rules every `alerts.evaluate_interval`. Every instance shares its Gewe call counts; the one
 * holding the `alerts:evaluator` lock (Redis when it is on) reads the shared state — robots, plugins, queue, Gewe
 * calls — opens, fires and resolves incidents in the alerts table, and notifies what fired or resolved. The table
 * is the memory: a restart or a change of evaluator never notifies an incident twice.
 */
@Injectable()
export class AlertEvaluator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AlertEvaluator.name);
  /** One tick at a time: share this instance's counts, then evaluate if this instance holds the lock. */
  private task?: PeriodicTask;
  private destroyed = false;
  /** When this evaluator first saw each robot online (for no_callback). */
  private readonly onlineSince = new Map<number, Date>();
  /** The clock (replaceable in tests). */
  clock: () => Date = () => new Date();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly locks: RobotStateStore,
    private readonly alerts: AlertService,
    private readonly settings: RuntimeSettingsService,
    private readonly robots: RobotService,
    private readonly plugins: PluginSettingsStore,
    private readonly queue: CallbackQueue,
    private readonly stats: GeweCallStats,
    private readonly notifier: AlertNotifier,
    private readonly events: EventBus,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.alerts.enabled) return;
    this.task = new PeriodicTask({
      name: 'Alert evaluation',
      intervalMs: this.config.alerts.evaluate_interval,
      logger: this.logger,
      run: () => this.tick(),
    }).start();
  }

  /** No tick starts any more, one under way is waited for, then the evaluator's lock is let go. */
  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    await this.task?.stop();
    await this.locks.release(LOCK, this.instanceId).catch(() => undefined);
  }

  /** One tick (run by the task, never two at once). */
  private async tick(): Promise<void> {
    try {
      await this.stats
        .publish()
        .catch((err: Error) => this.logger.warn({ error: err.message }, 'Could not share the Gewe call counts'));
      const ttl = Math.max(this.config.alerts.evaluate_interval * 3, 30_000);
      if (await this.locks.acquire(LOCK, this.instanceId, ttl)) await this.evaluate();
    } catch (err) {
      if (!this.destroyed) this.logger.error({ err }, 'Alert evaluation failed');
    }
  }

  /** One evaluation, then the notifications it owes. */
  async evaluate(): Promise<void> {
    const now = this.clock();
    await this.settings.refresh();
    const s = readAlertSettings((n) => this.settings.get(n));
    const world = await this.snapshot(now, s);
    const { observations, skipped } = observe(now, world, s);
    const plan = planRound(now, observations, await this.alerts.open(), s.resolveAfterMs, skipped);
    const changed = await this.alerts.apply(plan, now);
    for (const a of changed) {
      this.logger.log(
        { rule: a.rule, subject: a.subject, state: a.state, summary: a.summary },
        a.state === 'firing' ? 'Alert firing' : 'Alert resolved',
      );
      this.events.publish('alert', {
        id: a.id,
        rule: a.rule,
        subject: a.subject,
        robotId: a.robotId,
        state: a.state,
        severity: a.severity,
        summary: a.summary,
        at: now.toISOString(),
      });
    }
    await this.notify(s, now);
  }

  /** Sends everything not notified yet in one batch per channel, then marks it notified (whatever the outcome). */
  private async notify(s: AlertSettings, now: Date): Promise<void> {
    const rows = await this.alerts.outstanding();
    if (!rows.length) return;
    const notices = this.alerts.notices(rows);
    // without a channel the incidents are only recorded; enabling one later does not replay the past
    const results = this.notifier.hasChannels(s) ? await this.notifier.deliver(notices, s) : [];
    for (const r of results) this.metrics.alertDelivered(r.channel, r.ok);
    await this.alerts.markNotified(rows, results, now);
  }

  /** What the rules need, read from the shared stores; a part that cannot be read is left out (its rules wait). */
  private async snapshot(now: Date, s: AlertSettings): Promise<WorldSnapshot> {
    const world: WorldSnapshot = {};
    const wants = (...rules: AlertRule[]) => rules.some((r) => s.rules.has(r));
    const attempt = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch (err) {
        this.logger.warn({ error: (err as Error).message }, `Alerts: could not read ${what}; its rules wait`);
        return undefined;
      }
    };
    if (wants(...ROBOT_RULES)) world.robots = await attempt('the robots', () => this.readRobots(now));
    if (wants('plugin_auto_disabled'))
      world.plugins = await attempt('the plugins', async () =>
        [...(await this.plugins.snapshot()).plugins.values()].map((p) => ({
          name: p.name,
          disabledReason: p.disabledReason,
        })),
      );
    if (wants('failed_jobs', 'queue_depth')) world.queue = await attempt('the queue', () => this.queue.depth());
    if (wants('gewe_error_rate'))
      world.gewe = await attempt('the Gewe call counts', () => this.stats.window(s.geweErrorRateWindowMs));
    return world;
  }

  private async readRobots(now: Date): Promise<RobotSnapshot[]> {
    const rows = await this.robots.findByStatus([...ROBOT_STATUSES]);
    const out: RobotSnapshot[] = [];
    for (const r of rows) {
      if (r.status === 'online') {
        if (!this.onlineSince.has(r.id)) this.onlineSince.set(r.id, now);
      } else this.onlineSince.delete(r.id);
      // the live state only matters for what the rules look at (the reason, the last callback)
      const live = ['online', 'offline', 'reconnecting'].includes(r.status) ? await this.locks.get(r.id) : null;
      out.push({
        id: r.id,
        name: r.name,
        status: r.status,
        wxid: r.wxid,
        reason: live?.reason ?? null,
        lastCallbackAt: live?.lastCallbackAt ? new Date(live.lastCallbackAt) : null,
        onlineSince: this.onlineSince.get(r.id) ?? null,
      });
    }
    const ids = new Set(rows.map((r) => r.id));
    for (const id of this.onlineSince.keys()) if (!ids.has(id)) this.onlineSince.delete(id);
    return out;
  }
}
