import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Cron } from 'croner';
import { conflict, notFound } from '../common/domain-error';
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
import type { RegisteredPlugin } from './plugin.registry';
import type { SettingsSnapshot } from './plugin-settings.store';
import { PluginConfigResolver } from './plugin-config-resolver';
import { PluginTools } from './plugin-tools';

/** How a run of a job ended. */
export interface JobOutcome {
  status: 'ok' | 'error';
  error?: string;
  durationMs: number;
}

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
  /** Runs started by runNow, by `<plugin>:<job>` (a scheduled run of the job waits for none: it is skipped). */
  private readonly manual = new Map<string, Promise<void>>();

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
    const running = [
      ...[...this.jobs.values()].flatMap((j) => (j.inFlight ? [j.inFlight] : [])),
      ...this.manual.values(),
    ];
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

  /**
   * Runs a job of an enabled plugin once now, on this instance, without the schedule's lock (POST
   * /api/plugins/{plugin_name}/jobs/{job_name}/run): `scheduledAt` is now. Answers when the run started; the run's
   * outcome is logged like a scheduled run's. 404 for an unknown plugin or job, 409 when the plugin did not load, is
   * disabled everywhere, or the job is running on this instance.
   */
  async runNow(
    plugin: string,
    name: string,
  ): Promise<{ plugin: string; job: string; scheduledAt: Date; done: Promise<JobOutcome> }> {
    await this.registry.ready();
    const p = this.registry.get(plugin);
    if (!p) throw notFound('PLUGIN_NOT_FOUND', `Plugin ${plugin} does not exist`, { name: plugin });
    if (!p.loaded)
      throw conflict('PLUGIN_LOAD_FAILED', `Plugin ${p.name} is not loaded`, { name: p.name, error: 'not loaded' });
    const spec = p.jobs.find((j) => j.name === name);
    if (!spec)
      throw notFound('PLUGIN_JOB_NOT_FOUND', `Plugin ${p.name} has no job ${name}`, { name: p.name, job: name });
    const snapshot = await this.settings.snapshot();
    if (!snapshot.activeAnywhere(p.name))
      throw conflict('PLUGIN_DISABLED', `Plugin ${p.name} is disabled`, { name: p.name });
    const key = `${p.name}:${spec.name}`;
    if (this.jobs.get(key)?.inFlight || this.manual.has(key))
      throw conflict('PLUGIN_JOB_RUNNING', `Job ${spec.name} of plugin ${p.name} is running`, {
        name: p.name,
        job: spec.name,
      });
    const scheduledAt = new Date();
    const done = this.execute(p, spec, snapshot, scheduledAt, true).finally(() => this.manual.delete(key));
    this.manual.set(
      key,
      done.then(() => undefined),
    );
    return { plugin: p.name, job: spec.name, scheduledAt, done };
  }

  /** One run of a job for the time slot `slotMs`. */
  private fire(job: ScheduledJob, slotMs: number): void {
    const { plugin, name } = job.spec;
    if (job.inFlight || this.manual.has(job.key)) {
      this.logger.warn({ plugin, job: name }, 'Plugin job still running from its previous run; this run is skipped');
      return;
    }
    job.inFlight = this.runOnce(job, slotMs).finally(() => (job.inFlight = null));
  }

  private async runOnce(job: ScheduledJob, slotMs: number): Promise<void> {
    const slot = Math.floor(slotMs / 1000);
    const { plugin, name } = job.spec;
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
      await this.execute(p, job.spec, snapshot, new Date(slotMs), false);
    } catch (err) {
      this.logger.error({ plugin, job: name, error: describeError(err) }, 'Plugin job could not start');
    }
  }

  /** Runs the job with its context; logs its failure (and publishes it as a plugin failure). Never rejects. */
  private async execute(
    p: RegisteredPlugin,
    spec: PreparedJob,
    snapshot: SettingsSnapshot,
    scheduledAt: Date,
    manual: boolean,
  ): Promise<JobOutcome> {
    const plugin = p.name;
    const name = spec.name;
    const log = pluginLogger(plugin, { job: name });
    let running = false;
    const started = Date.now();
    try {
      const ctx: JobContext = {
        scheduledAt,
        timezone: this.config.plugins.timezone,
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
            .filter((r) => fresh.enabledSomewhereFor(plugin, r.id))
            .sort((a, b) => a.id - b.id)
            .map((r) => ({
              robot: robotInfo(r),
              status: r.status,
              ...this.messengers.forRobot(r, { via: 'plugin', client: plugin }),
            }));
        },
        chat: async (robotId, chatId) => {
          const fresh = await this.settings.snapshot();
          return {
            enabled: fresh.enabledFor(plugin, robotId, chatId),
            config: this.resolver.resolve(p, fresh, robotId, chatId),
          };
        },
      };
      running = true;
      await spec.run(ctx);
      this.logger.debug({ plugin, job: name, manual, ms: Date.now() - started }, 'Plugin job ran');
      return { status: 'ok', durationMs: Date.now() - started };
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
      return { status: 'error', error: describeError(err), durationMs: Date.now() - started };
    }
  }
}
