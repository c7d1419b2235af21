import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { GeweEvent } from '../callback/events';
import { cloneData } from '../common/clone';
import { DomainError } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { FileService } from '../file/file.service';
import { MediaDownloadError } from '../file/stored-file';
import { isGeweError } from '../gewe/gewe.errors';
import { MessengerFactory } from '../sending/messenger.factory';
import type { RobotEntity } from '../robot/robot.entity';
import { RobotService } from '../robot/robot.service';
import { DeferredRunner } from './deferred-runner';
import { PluginHealth } from './plugin-health';
import { PluginConfigResolver } from './plugin-config-resolver';
import { PluginKvStore } from './plugin-kv.store';
import { pluginLogger } from './plugin-logger';
import { PluginTools } from './plugin-tools';
import { PluginSettingsStore, SettingsSnapshot } from './plugin-settings.store';
import { describeError, PreparedHandler } from './plugin.loader';
import { PluginRegistry } from './plugin.registry';
import type { DeferredContext, EventOrigin, HandlerContext, RobotInfo, Subscription } from './plugin.types';

export interface HandlerOutcome {
  plugin: string;
  handler: string;
  status: 'ok' | 'stopped' | 'error' | 'timeout';
  durationMs: number;
  error?: string;
  /** The failure came from Gewe (unreachable, refusing a send), not from the plugin: it does not count toward auto-disable. */
  gewe?: boolean;
  /** What the handler attached with ctx.note (a model call's model, tokens, latency). */
  notes?: Record<string, unknown>[];
  /** Work the handler deferred (ctx.defer), added to the results when it ended; `handler` is `<handler>/<name>`. */
  deferred?: boolean;
}

export interface DispatchOptions {
  requestId: string | null;
  /** Run only this plugin's handlers (a replay for one plugin). */
  onlyPlugin?: string;
  /** The message log row of the event: `ctx.downloadMedia()` links the file to it. */
  messageId?: number;
  /** The event's robot when the caller has just read it (the processor); read here otherwise. */
  robot?: RobotEntity;
  /** An operator's replay from the message log (ctx.origin `replay`). */
  replay?: boolean;
}

/** At most this many notes per handler call, each at most NOTE_MAX_BYTES of JSON. */
export const MAX_NOTES = 20;
export const NOTE_MAX_BYTES = 4096;

/** What one plugin's handlers did since the process started. */
export interface PluginStats {
  calls: number;
  /** Calls that threw. */
  failures: number;
  /** Calls abandoned after handler_timeout. */
  timeouts: number;
  avgMs: number;
  lastError: string | null;
}

const TIMED_OUT = Symbol('timed out');

/** A dispatch whose reads are done: `run` calls the handlers. */
export interface PreparedDispatch {
  /** How many handlers `run` calls (0: the event concerns no enabled plugin). */
  readonly handlers: number;
  /** Runs the handlers; `messageId` (the event's message log row) overrides the one given to prepare. */
  run(messageId?: number): Promise<HandlerOutcome[]>;
}

const NOTHING: PreparedDispatch = { handlers: 0, run: () => Promise.resolve([]) };

/** Whether a handler subscribed with `on` receives `event` (self-sent events aside). */
export function subscribes(on: readonly Subscription[], event: GeweEvent): boolean {
  return on.some((s) => s === 'any' || s === event.kind || (s === 'at' && event.kind === 'text' && event.mentionsSelf));
}

export function robotInfo(r: RobotEntity): RobotInfo {
  return { id: r.id, name: r.name, appId: r.appId, wxid: r.wxid, nickname: r.nickname };
}

/**
 * Hands one event to the handlers of the plugins enabled for its robot, lowest priority number first (ties: plugin
 * name, then declaration order), one at a time. A handler returning false stops the chain; one that throws or runs
 * past handler_timeout is recorded and the chain goes on. A plugin failing max_consecutive_failures times in a row is
 * disabled, with the reason kept.
 */
@Injectable()
export class PluginDispatcher {
  private readonly logger = new Logger(PluginDispatcher.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: PluginRegistry,
    private readonly settings: PluginSettingsStore,
    private readonly kv: PluginKvStore,
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    private readonly resolver: PluginConfigResolver,
    private readonly tools: PluginTools,
    private readonly deferred: DeferredRunner,
    private readonly health: PluginHealth,
    @Optional() private readonly files?: FileService,
  ) {}

  async dispatch(event: GeweEvent, opts: DispatchOptions): Promise<HandlerOutcome[]> {
    return (await this.prepare(event, opts)).run();
  }

  /**
   * Does the reads a dispatch needs (plugin settings, the robot) and resolves with what runs the handlers. Only reads
   * happen here, so a caller can mark the event as being dispatched in between: a database failure then happens
   * before the mark (the job is retried and dispatched), never after it with no handler run.
   */
  async prepare(event: GeweEvent, opts: DispatchOptions): Promise<PreparedDispatch> {
    await this.registry.ready();
    const snapshot = await this.settings.snapshot();
    const handlers = this.registry
      .handlers()
      .filter(
        (h) =>
          (opts.onlyPlugin === undefined || h.plugin === opts.onlyPlugin) &&
          (h.includeSelf || !event.isSelf) &&
          subscribes(h.on, event) &&
          snapshot.enabledFor(h.plugin, event.robotId, event.chatId),
      )
      .sort((a, b) => a.priority - b.priority || compare(a.plugin, b.plugin) || a.index - b.index);
    if (!handlers.length) return NOTHING;

    let robot: RobotEntity;
    try {
      robot = opts.robot?.id === event.robotId ? opts.robot : await this.robots.entity(event.robotId);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.logger.warn(
        { robotId: event.robotId, requestId: opts.requestId },
        'Event of a deleted robot not dispatched',
      );
      return NOTHING;
    }
    return {
      handlers: handlers.length,
      run: (messageId) =>
        this.runHandlers(event, messageId === undefined ? opts : { ...opts, messageId }, handlers, snapshot, robot),
    };
  }

  /** Runs `handlers` one at a time: a handler's failure is its outcome, not an error. */
  private async runHandlers(
    event: GeweEvent,
    opts: DispatchOptions,
    handlers: PreparedHandler[],
    snapshot: SettingsSnapshot,
    robot: RobotEntity,
  ): Promise<HandlerOutcome[]> {
    const info = robotInfo(robot);
    const origin = this.originOf(event, opts);
    const history = this.tools.history(event.robotId);
    const enabled = (name: string) => snapshot.enabledFor(name, event.robotId, event.chatId);

    const outcomes: HandlerOutcome[] = [];
    const disabledNow = new Set<string>();
    for (const h of handlers) {
      if (disabledNow.has(h.plugin)) continue;
      const plugin = this.registry.get(h.plugin);
      if (!plugin) continue;
      const notes: Record<string, unknown>[] = [];
      // per handler: what it sends is logged as the robot's own message, sent by this plugin. Made when the handler
      // first reaches for it: most handlers of most messages send nothing
      let messenger: ReturnType<MessengerFactory['forRobot']> | undefined;
      const messaging = () => (messenger ??= this.messengers.forRobot(robot, { via: 'plugin', client: h.plugin }));
      const ctx: HandlerContext = {
        // each handler gets its own copy: one cannot change what the next one sees
        event: copy(event),
        robot: { ...info },
        get send() {
          return messaging().send;
        },
        get gewe() {
          return messaging().gewe;
        },
        reply: (text, ats) => {
          if (!event.chatId) return Promise.reject(new Error(`a ${event.kind} event has no conversation to reply to`));
          return messaging().send.sendText(event.chatId, text, ats);
        },
        config: this.resolver.resolve(plugin, snapshot, event.robotId, event.chatId),
        chatConfig: this.resolver.chatSection(plugin, snapshot, event.robotId, event.chatId),
        log: pluginLogger(h.plugin, { handler: h.name, requestId: opts.requestId, robotId: event.robotId }),
        store: this.kv.forPlugin(h.plugin),
        ai: this.tools.ai,
        records: this.tools.records(h.plugin),
        plugin: (name) => this.tools.pluginApi(name, enabled),
        timezone: this.config.plugins.timezone,
        requestId: opts.requestId,
        origin,
        history,
        note: (data) => addNote(notes, data),
        defer: (name, work) => {
          const own: Record<string, unknown>[] = [];
          const deferredCtx: DeferredContext = { ...ctx, note: (data) => addNote(own, data) };
          // deferred work cannot defer again
          delete (deferredCtx as Partial<HandlerContext>).defer;
          this.deferred.start({
            plugin: h.plugin,
            handler: h.name,
            name: String(name).slice(0, 60),
            robotId: event.robotId,
            messageId: opts.messageId ?? null,
            requestId: opts.requestId,
            ctx: deferredCtx,
            notes: own,
            work,
          });
        },
        downloadMedia: (o) => {
          if (!this.files)
            return Promise.reject(new MediaDownloadError('media downloads are not available here', null, 'no_media'));
          const timeout = o?.timeoutMs ?? this.config.files.download_timeout;
          return this.files.downloadForPlugin(event, opts.messageId, timeout);
        },
      };
      const outcome = await this.run(h, ctx);
      if (notes.length) outcome.notes = notes;
      outcomes.push(outcome);
      const from = { robotId: event.robotId, messageId: opts.messageId ?? null, requestId: opts.requestId };
      if (await this.health.record(outcome, from)) disabledNow.add(h.plugin);
      if (outcome.status === 'stopped') break;
    }
    return outcomes;
  }

  /** In-memory statistics of a plugin's handlers (this instance, since start-up). */
  statsOf(plugin: string): PluginStats {
    return this.health.statsOf(plugin);
  }

  /** Forgets a plugin's run of failures (it was enabled again). */
  resetFailures(plugin: string): void {
    this.health.resetFailures(plugin);
  }

  private async run(h: PreparedHandler, ctx: HandlerContext): Promise<HandlerOutcome> {
    const ms = this.config.plugins.handler_timeout;
    const started = performance.now();
    const base = { plugin: h.plugin, handler: h.name };
    let timer: NodeJS.Timeout | undefined;
    const call = Promise.resolve().then(() => h.handle(ctx));
    const timeout = new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), ms)));
    try {
      const result = await Promise.race([call, timeout]);
      const durationMs = Math.round(performance.now() - started);
      if (result === TIMED_OUT) {
        // the handler cannot be cancelled: it is left to finish on its own, and a late failure only logged
        call.catch((err: unknown) =>
          ctx.log.warn('Abandoned handler failed after its timeout', { error: describeError(err) }),
        );
        return { ...base, status: 'timeout', durationMs, error: `timed out after ${ms} ms` };
      }
      return { ...base, status: result === false ? 'stopped' : 'ok', durationMs };
    } catch (err) {
      return {
        ...base,
        status: 'error',
        durationMs: Math.round(performance.now() - started),
        error: describeError(err),
        ...(isGeweError(err) ? { gewe: true } : {}),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** replay when an operator replayed it; catch_up when it was written more than catch_up_after before now. */
  private originOf(event: GeweEvent, opts: DispatchOptions): EventOrigin {
    if (opts.replay) return 'replay';
    const written = event.createTime;
    if (written && Date.now() - written * 1000 > this.config.plugins.catch_up_after) return 'catch_up';
    return 'live';
  }
}

/** Keeps a note when there is room and it is small enough as JSON; drops it otherwise. */
function addNote(notes: Record<string, unknown>[], data: Record<string, unknown>): void {
  if (notes.length >= MAX_NOTES || !data || typeof data !== 'object') return;
  try {
    const json = JSON.stringify(data);
    if (Buffer.byteLength(json) <= NOTE_MAX_BYTES) notes.push(JSON.parse(json) as Record<string, unknown>);
  } catch {
    // not JSON (a cycle, a bigint): dropped
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function copy(event: GeweEvent): GeweEvent {
  try {
    return cloneData(event);
  } catch {
    return { ...event, mentions: [...event.mentions], details: { ...event.details } };
  }
}
