import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { EventBus, PluginFailureEvent } from '../live-events/event-bus';
import { MetricsService } from '../metrics/metrics.service';
import { PluginSettingsStore } from './plugin-settings.store';
import type { HandlerOutcome, PluginStats } from './plugin.dispatcher';

/** Where an outcome came from, for the log line and the failure event. */
export interface OutcomeSource {
  robotId: number;
  messageId: number | null;
  requestId: string | null;
}

/**
 * A plugin's health on this instance: statistics of its handler calls and its run of consecutive failures. A handler's
 * failure or timeout and a failure or timeout of the work it deferred (ctx.defer) count the same way; a plugin that
 * fails [plugins].max_consecutive_failures times in a row is disabled with the reason kept. A success resets the run;
 * a failure from Gewe (unreachable, refusing a send) is recorded but does not count (a Gewe outage must not switch
 * healthy plugins off).
 */
@Injectable()
export class PluginHealth {
  private readonly logger = new Logger(PluginHealth.name);
  private readonly stats = new Map<string, PluginStats & { totalMs: number }>();
  private readonly consecutiveFailures = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: PluginSettingsStore,
    @Optional() private readonly metrics?: MetricsService,
    @Optional() private readonly events?: EventBus,
  ) {}

  /**
   * Records an outcome; true when it made the plugin reach max_consecutive_failures (it is now disabled). A deferred
   * outcome (`o.deferred`) counts toward failures, timeouts and the run of failures, not toward calls and their
   * average duration (those are the handlers').
   */
  async record(o: HandlerOutcome, from: OutcomeSource): Promise<boolean> {
    const s = this.stats.get(o.plugin) ?? { calls: 0, failures: 0, timeouts: 0, avgMs: 0, lastError: null, totalMs: 0 };
    this.stats.set(o.plugin, s);
    if (!o.deferred) {
      s.calls++;
      s.totalMs += o.durationMs;
      s.avgMs = Math.round((s.totalMs / s.calls) * 10) / 10;
      this.metrics?.pluginHandler(o.plugin, o.status === 'stopped' ? 'ok' : o.status, o.durationMs);
    }
    if (o.status === 'ok' || o.status === 'stopped') {
      this.consecutiveFailures.delete(o.plugin);
      return false;
    }
    if (o.status === 'error') s.failures++;
    else s.timeouts++;
    s.lastError = o.error ?? null;
    const { requestId, robotId } = from;
    const line = { plugin: o.plugin, handler: o.handler, requestId, robotId, error: o.error };
    const what = o.deferred ? 'Deferred plugin work' : 'Plugin handler';
    this.logger.warn(line, o.status === 'timeout' ? `${what} timed out` : `${what} failed`);
    const failure = (kind: PluginFailureEvent['kind'], reason: string): PluginFailureEvent => ({
      plugin: o.plugin,
      kind,
      handler: o.handler,
      job: null,
      robotId,
      messageId: from.messageId,
      requestId,
      reason,
      gewe: o.gewe === true,
      at: new Date().toISOString(),
    });
    this.events?.publish('plugin.failure', failure(o.status, o.error ?? o.status));

    if (o.gewe) return false;
    const count = (this.consecutiveFailures.get(o.plugin) ?? 0) + 1;
    const max = this.config.plugins.max_consecutive_failures;
    if (count < max) {
      this.consecutiveFailures.set(o.plugin, count);
      return false;
    }
    this.consecutiveFailures.delete(o.plugin);
    const reason = `disabled automatically after ${max} consecutive failures: ${o.error ?? o.status}`.slice(0, 500);
    try {
      await this.settings.setEnabled(o.plugin, false, reason);
      this.metrics?.pluginAutoDisabled(o.plugin);
      this.logger.error({ plugin: o.plugin, requestId, reason }, 'Plugin disabled automatically');
      this.events?.publish('plugin.failure', failure('disabled', reason));
    } catch (err) {
      this.logger.error({ err, plugin: o.plugin }, 'Could not disable a failing plugin');
    }
    return true;
  }

  /** In-memory statistics of a plugin's handlers (this instance, since start-up). */
  statsOf(plugin: string): PluginStats {
    const s = this.stats.get(plugin);
    if (!s) return { calls: 0, failures: 0, timeouts: 0, avgMs: 0, lastError: null };
    const { totalMs: _total, ...rest } = s;
    return { ...rest };
  }

  /** Forgets a plugin's run of failures (it was enabled again). */
  resetFailures(plugin: string): void {
    this.consecutiveFailures.delete(plugin);
  }
}
