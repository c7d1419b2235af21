import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { isGeweError } from '../gewe/gewe.errors';
import { MetricsService } from '../metrics/metrics.service';
import type { HandlerOutcome } from './plugin.dispatcher';
import { PluginHealth } from './plugin-health';
import { PluginPorts } from './plugin-ports';
import { describeError } from './plugin.loader';
import type { DeferredContext } from './plugin.types';

export interface DeferredTask {
  plugin: string;
  /** The handler that deferred it. */
  handler: string;
  name: string;
  robotId: number;
  messageId: number | null;
  requestId: string | null;
  ctx: DeferredContext;
  /** The notes `ctx.note` collected (the runner gave ctx its own note). */
  notes: Record<string, unknown>[];
  work: (ctx: DeferredContext) => Promise<void>;
}

/** How long shutdown waits for deferred work still running before it gives up on it. */
export const DEFERRED_DRAIN_MS = 5000;

const TIMED_OUT = Symbol('timed out');

/**
 * Runs deferred work (ctx.defer) after the handler that deferred it: bounded by [plugins].deferred_timeout (past it
 * the work is abandoned — it cannot be cancelled — and its outcome is `timeout`), its failures and timeouts counted
 * by PluginHealth like a handler's (toward auto-disable), its outcome (with the notes it made on its own context)
 * added to the message's record through PluginPorts.laterResults. `opengewe_plugin_deferred_in_flight` counts the
 * work running.
 *
 * At shutdown it waits for the work in flight at most DEFERRED_DRAIN_MS, then logs what it gave up on. It does so in
 * onModuleDestroy: the plugin module is destroyed before the modules it imports (the send governor, the AI clients,
 * Redis, the database), so work finishing during the wait can still send its reply and record its outcome.
 */
@Injectable()
export class DeferredRunner implements OnModuleDestroy {
  private readonly logger = new Logger(DeferredRunner.name);
  private readonly inFlight = new Map<Promise<void>, DeferredTask>();
  /** How long shutdown waits (replaceable in tests). */
  drainMs = DEFERRED_DRAIN_MS;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ports: PluginPorts,
    private readonly health: PluginHealth,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  start(task: DeferredTask): void {
    this.metrics?.pluginDeferredStarted(task.plugin);
    const run: Promise<void> = this.run(task)
      .catch((err: unknown) => this.logger.error({ err, plugin: task.plugin }, 'Deferred plugin work not recorded'))
      .finally(() => {
        this.inFlight.delete(run);
        this.metrics?.pluginDeferredEnded(task.plugin);
      });
    this.inFlight.set(run, task);
  }

  /** How many deferred tasks are running on this instance. */
  get running(): number {
    return this.inFlight.size;
  }

  /** Resolves when every deferred task running now has ended (tests; the shutdown drain). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.keys()]);
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.inFlight.size) return;
    this.logger.log({ running: this.inFlight.size }, 'Waiting for deferred plugin work to end');
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.idle().then(() => true),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), this.drainMs))),
    ]);
    clearTimeout(timer);
    if (drained) return;
    const abandoned = [...this.inFlight.values()].map((t) => ({
      plugin: t.plugin,
      handler: `${t.handler}/${t.name}`,
      messageId: t.messageId,
      requestId: t.requestId,
    }));
    this.logger.warn({ abandoned, waitedMs: this.drainMs }, 'Deferred plugin work still running at shutdown abandoned');
  }

  private async run(task: DeferredTask): Promise<void> {
    const ms = this.config.plugins.deferred_timeout;
    const started = performance.now();
    let result: Pick<HandlerOutcome, 'status' | 'error' | 'gewe'>;
    let timer: NodeJS.Timeout | undefined;
    const call = Promise.resolve().then(() => task.work(task.ctx));
    const timeout = new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), ms)));
    try {
      if ((await Promise.race([call, timeout])) === TIMED_OUT) {
        // it cannot be cancelled: it is left to finish on its own, and a late failure only logged
        call.catch((err: unknown) =>
          task.ctx.log.warn('Abandoned deferred work failed after its timeout', { error: describeError(err) }),
        );
        result = { status: 'timeout', error: `timed out after ${ms} ms` };
      } else result = { status: 'ok' };
    } catch (err) {
      result = { status: 'error', error: describeError(err), ...(isGeweError(err) ? { gewe: true } : {}) };
    } finally {
      clearTimeout(timer);
    }
    const outcome: HandlerOutcome = {
      plugin: task.plugin,
      handler: `${task.handler}/${task.name}`,
      durationMs: Math.round(performance.now() - started),
      ...result,
      // the notes made so far (work abandoned at its timeout may still add some: they are not kept)
      ...(task.notes.length ? { notes: [...task.notes] } : {}),
      deferred: true,
    };
    const from = { robotId: task.robotId, messageId: task.messageId, requestId: task.requestId };
    await this.health.record(outcome, from);
    const sink = this.ports.laterResults;
    if (task.messageId === null || !sink) return;
    try {
      await sink.append(task.messageId, outcome);
    } catch (err) {
      this.logger.warn(
        { err, plugin: task.plugin, messageId: task.messageId, requestId: task.requestId },
        "Could not add deferred work's outcome to the message log",
      );
    }
  }
}
