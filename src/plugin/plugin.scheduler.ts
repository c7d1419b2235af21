import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Cron } from 'croner';
import { INSTANCE_ID } from '../common/instance-id';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { EventBus } from '../live-events/event-bus';
import { MessengerFactory } from '../sending/messenger.factory';
import { RobotService } from '../robot/robot.service';
import { ROBOT_STATUSES, RobotStateStore } from '../coordination/robot-state.store';
import { robotInfo } from './plugin.dispatcher';
import { PluginKvStore } from './plugin-kv.store';
import { pluginLogger } from './plugin-logger';
import { PluginSettingsStore } from './plugin-settings.store';
import { describeError, PreparedJob } from './plugin.loader';
import { PluginRegistry } from './plugin.registry';
import type { JobContext } from './plugin.types';
import { PluginConfigResolver } from './plugin-config-resolver';
import { PluginTools } from './plugin-tools';

/** How long a run's lock is kept: any instance firing the same slot later than that would run it again. */
const LOCK_TTL_MS = 10 * 60_000;

interface ScheduledJob {
  key: string;
  spec: PreparedJob;
  stop(): void;
  inFlight: Promise<void> | null;
  /** The lock of the last run this instance took, released at the next run (stores keep expired locks). */
  lastLock: string | null;
}

/**
 * Runs the jobs of active plugins: cron expressions in [plugins].timezone (croner) or fixed intervals aligned on the
 * epoch, so every instance computes the same run times. Each run first takes the lock
 * `plugin-job:<plugin>:<job>:<slot>`: with several instances one of them runs it. A job's error is logged and the
 * schedule goes on. Jobs start and stop as plugins are enabled, disabled, reloaded; a plugin disabled on another
 * instance is noticed at its next run.
 */
@Injectable()
export class PluginScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PluginScheduler.name);
  private readonly jobs = new Map<string, ScheduledJob>();
  private syncing: Promise<void> = Promise.resolve();
  private destroyed = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly locks: RobotStateStore,
    private readonly registry: PluginRegistry,
    private readonly settings: PluginSettingsStore,
    private readonly kv: PluginKvStore,
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    private readonly resolver: PluginConfigResolver,
    private readonly tools: PluginTools,
    @Optional() private readonly events?: EventBus,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.registry.onChange((e) => (e === 'unloading' ? this.stopAll() : void this.sync())),
      this.settings.onChange(() => void this.sync()),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    for (const u of this.unsubscribe) u();
    const running = [...this.jobs.values()].flatMap((j) => (j.inFlight ? [j.inFlight] : []));
    this.stopAll();
    await Promise.race([
      Promise.allSettled(running),
      new Promise((r) => setTimeout(r, this.config.plugins.handler_timeout).unref()),
    ]);
  }

  /** The jobs scheduled on this instance, as `<plugin>:<job>`. */
  scheduled(): string[] {
    return [...this.jobs.keys()];
  }

  /** Starts the jobs of active plugins and stops the others. Calls are serialised. */
  sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.doSync())
      .catch((err: unknown) => {
        this.logger.error({ err }, 'Could not bring plugin jobs up to date');
      });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    if (this.destroyed) return;
    await this.registry.ready();
    const snapshot = await this.settings.snapshot();
    const wanted = new Map<string, PreparedJob>();
    for (const p of this.registry.list())
      if (p.loaded && snapshot.activeAnywhere(p.name)) for (const j of p.jobs) wanted.set(`${p.name}:${j.name}`, j);
    for (const [key, job] of this.jobs)
      if (wanted.get(key) !== job.spec) {
        job.stop();
        this.jobs.delete(key);
      }
    for (const [key, spec] of wanted) if (!this.jobs.has(key)) this.start(key, spec);
  }

  private stopAll(): void {
    for (const j of this.jobs.values()) j.stop();
    this.jobs.clear();
  }

  private start(key: string, spec: PreparedJob): void {
    const job: ScheduledJob = { key, spec, stop: () => undefined, inFlight: null, lastLock: null };
    if (spec.cron !== null) {
      const cron = new Cron(
        spec.cron,
        { timezone: this.config.plugins.timezone, mode: '5-or-6-parts', unref: true },
        (self: Cron) => this.fire(job, (self.currentRun() ?? new Date()).getTime()),
      );
      job.stop = () => cron.stop();
    } else {
      // Not a PeriodicTask: runs are aligned on epoch slots (the same on every instance, for the slot's lock), each
      // timer aims at the next slot, and fire() already skips a run while the previous one is in flight.
      const every = spec.intervalMs as number;
      let timer: NodeJS.Timeout | undefined;
      let last = 0;
      const arm = () => {
        const now = Date.now();
        // Node may run a timer a millisecond before Date.now() reaches its time: without `last`, the next slot
        // computed then is the same one, and it ran twice.
        const at = Math.max(Math.floor(now / every) + 1, last / every + 1) * every;
        timer = setTimeout(() => {
          last = at;
          arm();
          this.fire(job, at);
        }, at - now);
        timer.unref();
      };
      arm();
      job.stop = () => clearTimeout(timer);
    }
    this.jobs.set(key, job);
    this.logger.debug(
      { plugin: spec.plugin, job: spec.name, cron: spec.cron, intervalMs: spec.intervalMs },
      'Job scheduled',
    );
  }

  /** One run of a job for the time slot `slotMs`. */
  private fire(job: ScheduledJob, slotMs: number): void {
    const { plugin, name } = job.spec;
    if (job.inFlight) {
      this.logger.warn({ plugin, job: name }, 'Plugin job still running from its previous run; this run is skipped');
      return;
    }
    job.inFlight = this.runOnce(job, slotMs).finally(() => (job.inFlight = null));
  }

  private async runOnce(job: ScheduledJob, slotMs: number): Promise<void> {
    const slot = Math.floor(slotMs / 1000);
    const { plugin, name } = job.spec;
    const log = pluginLogger(plugin, { job: name });
    let running = false;
    try {
      const snapshot = await this.settings.snapshot();
      const p = this.registry.get(plugin);
      if (!p?.loaded || !snapshot.activeAnywhere(plugin) || this.jobs.get(job.key) !== job) return;
      const lock = `plugin-job:${plugin}:${name}:${slot}`;
      // acquire() renews a lock its owner already holds: a slot this instance ran must not count as won again
      if (job.lastLock === lock) return;
      if (!(await this.locks.acquire(lock, this.instanceId, LOCK_TTL_MS))) return;
      if (job.lastLock) await this.locks.release(job.lastLock, this.instanceId);
      job.lastLock = lock;

      const ctx: JobContext = {
        scheduledAt: new Date(slotMs),
        config: this.resolver.resolve(p, snapshot, null, null),
        log,
        store: this.kv.forPlugin(plugin),
        ai: this.tools.ai,
        records: this.tools.records(plugin),
        history: (robotId) => this.tools.history(robotId),
        plugin: (name) => this.tools.pluginApi(name, (n) => snapshot.activeAnywhere(n)),
        robots: async () => {
          const fresh = await this.settings.snapshot();
          const all = await this.robots.findByStatus([...ROBOT_STATUSES]);
          return all
            .filter((r) => fresh.enabledFor(plugin, r.id))
            .sort((a, b) => a.id - b.id)
            .map((r) => ({ robot: robotInfo(r), status: r.status, ...this.messengers.forRobot(r) }));
        },
        chat: async (robotId, chatId) => {
          const fresh = await this.settings.snapshot();
          return {
            enabled: fresh.enabledFor(plugin, robotId, chatId),
            config: this.resolver.resolve(p, fresh, robotId, chatId),
          };
        },
      };
      const started = Date.now();
      running = true;
      await job.spec.run(ctx);
      this.logger.debug({ plugin, job: name, ms: Date.now() - started }, 'Plugin job ran');
    } catch (err) {
      this.logger.error({ plugin, job: name, error: describeError(err) }, 'Plugin job failed');
      if (running)
        this.events?.publish('plugin.failure', {
          plugin,
          kind: 'job_error',
          handler: null,
          job: name,
          robotId: null,
          messageId: null,
          requestId: null,
          reason: describeError(err),
          gewe: false,
          at: new Date().toISOString(),
        });
    }
  }
}
