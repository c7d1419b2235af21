import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import type { LogLevel } from '../config/config-schema';
import { RedisConnections } from '../redis/redis.module';
import type { RobotStatusEvent } from '../coordination/robot-state.store';
import { makeInstanceId } from '../common/instance-id';
import { AudienceOptions, LIVE_AUDIENCE_OPTIONS, LiveAudience } from './live-audience';

/** A message the pipeline has just logged: enough for a live list, not the raw payload (that is GET /api/messages/{id}). */
export interface MessageLiveEvent {
  id: number;
  robotId: number;
  kind: string;
  chatId: string | null;
  isGroup: boolean;
  senderWxid: string | null;
  isSelf: boolean;
  /** The text, cut to TEXT_PREVIEW characters. */
  text: string | null;
  newMsgId: string | null;
  receivedAt: string;
}

/** An alert that fired or resolved (see GET /api/alerts for the whole incident). */
export interface AlertLiveEvent {
  id: number;
  rule: string;
  subject: string;
  robotId: number | null;
  state: string;
  severity: string;
  summary: string;
  at: string;
}

export const PLUGIN_FAILURE_KINDS = ['error', 'timeout', 'disabled', 'job_error'] as const;
export type PluginFailureKind = (typeof PLUGIN_FAILURE_KINDS)[number];

/** A plugin failed: a handler threw or timed out, the plugin was disabled automatically, or a scheduled job threw. */
export interface PluginFailureEvent {
  plugin: string;
  kind: PluginFailureKind;
  /** The handler (kinds error, timeout, disabled) or null. */
  handler: string | null;
  /** The scheduled job (kind job_error) or null. */
  job: string | null;
  robotId: number | null;
  /** The message log row the handler was given (GET /api/messages/{id}), when there is one. */
  messageId: number | null;
  requestId: string | null;
  reason: string;
  /** The failure came from Gewe (unreachable, refusing a send): it does not count toward auto-disable. */
  gewe: boolean;
  at: string;
}

/** The callback queue's counts, published when they change while someone watches. */
export interface QueueDepthEvent {
  type: 'simple' | 'advanced';
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  at: string;
}

/** One log line (as persisted: redacted), for admins whose stream asked for its level. */
export interface LogLiveEvent {
  time: string;
  level: LogLevel;
  message: string;
  source: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  /** Lines of this instance left out just before this one because too many were logged at once. */
  dropped: number;
}

/** Every live event, by name. The names are the SSE `event:` field. */
export interface LiveEventMap {
  'robot.status': RobotStatusEvent;
  message: MessageLiveEvent;
  alert: AlertLiveEvent;
  'plugin.failure': PluginFailureEvent;
  'queue.depth': QueueDepthEvent;
  log: LogLiveEvent;
}
export type LiveEventType = keyof LiveEventMap;
export type LiveEvent = { [K in LiveEventType]: { type: K; data: LiveEventMap[K] } }[LiveEventType];

/**
 * A message between instances that is not a live event (no console stream sees it): the OneBot gateway's events and
 * settings changes. `topic` names the listeners it is for.
 */
export interface RelayMessage {
  topic: string;
  data: unknown;
}
type Wire = LiveEvent | { relay: RelayMessage };

export const TEXT_PREVIEW = 200;

/**
 * The events produced for every callback: while no stream, on any instance, may want them (see LiveAudience) they
 * are not published at all. The rare ones (robot status, alerts, plugin failures) always are.
 */
const SKIPPED_UNWATCHED: ReadonlySet<LiveEventType> = new Set<LiveEventType>(['message']);

/** Events were left out (nobody watched) until `lastSkippedAt` (ms epoch): a ring that held them has a hole. */
export interface LiveGap {
  lastSkippedAt: number;
}
const AUDIENCE_TOPIC = 'live-events.audience';
const GAP_TOPIC = 'live-events.gap';

/**
 * The in-process bus domain code publishes to (the callback processor: new messages) without knowing who listens
 * (the SSE stream). With Redis on, a published event goes through `<prefix>live-events` and every instance —
 * this one included — delivers it to its listeners, so a browser connected to any instance sees the messages
 * processed by all of them. Publishing never throws: a live view is not worth failing a callback for.
 */
@Injectable()
export class EventBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private readonly local = new EventEmitter().setMaxListeners(0);
  private redisRelay?: { pub: Redis; sub: Redis; channel: string };
  private watchers = 0;
  private readonly listeners: LiveAudience;
  /** When this instance last left an event out for want of an audience (ms epoch), until it says so (sendGap). */
  private skippedAt: number | null = null;

  constructor(
    @Inject(RedisConnections) redis: RedisConnections,
    @Optional() @Inject(LIVE_AUDIENCE_OPTIONS) audience?: Partial<AudienceOptions>,
  ) {
    this.listeners = new LiveAudience(
      redis.enabled
        ? { command: redis.command(), key: `${redis.prefix}live-audience`, member: makeInstanceId() }
        : null,
      audience,
    );
    this.onRelay(AUDIENCE_TOPIC, (data) => {
      const until = (data as { until?: unknown } | null)?.until;
      if (typeof until === 'number') this.listeners.noticed(until);
      this.sendGap();
    });
    this.onRelay(GAP_TOPIC, (data) => this.local.emit('gap', data));
    if (!redis.enabled) return;
    const channel = `${redis.prefix}live-events`;
    const sub = redis.subscriber();
    sub.on('message', (ch: string, text: string) => {
      if (ch !== channel) return;
      try {
        const wire = JSON.parse(text) as Wire;
        if ('relay' in wire) this.local.emit(`relay:${wire.relay.topic}`, wire.relay.data);
        else this.deliver(wire);
      } catch {
        // not ours
      }
    });
    void sub
      .subscribe(channel)
      .catch((err: Error) => this.logger.warn({ error: err.message }, 'Live events: subscribe failed'));
    this.redisRelay = { pub: redis.command(), sub, channel };
  }

  publish<K extends LiveEventType>(type: K, data: LiveEventMap[K]): void {
    if (SKIPPED_UNWATCHED.has(type)) {
      if (!this.listeners.listening()) {
        this.skippedAt = Date.now();
        return;
      }
      this.sendGap();
    }
    const event = { type, data } as LiveEvent;
    if (!this.redisRelay) return this.deliver(event);
    this.redisRelay.pub.publish(this.redisRelay.channel, JSON.stringify(event)).catch((err: Error) => {
      this.logger.warn(
        { type, error: err.message },
        'Live events: Redis publish failed; delivered on this instance only',
      );
      this.deliver(event);
    });
  }

  /**
   * Sends `data` to the `topic` listeners of every instance (this one included; only this one without Redis). Never
   * throws: when Redis fails, this instance's listeners still get it.
   */
  relay(topic: string, data: unknown): void {
    if (!this.redisRelay) return void this.local.emit(`relay:${topic}`, data);
    const wire: Wire = { relay: { topic, data } };
    this.redisRelay.pub.publish(this.redisRelay.channel, JSON.stringify(wire)).catch((err: Error) => {
      this.logger.warn({ topic, error: err.message }, 'Relay: Redis publish failed; delivered on this instance only');
      this.local.emit(`relay:${topic}`, data);
    });
  }

  /** Listens to one relay topic (see relay); returns the function that stops listening. */
  onRelay(topic: string, listener: (data: unknown) => void): () => void {
    const safe = (data: unknown) => {
      try {
        listener(data);
      } catch (err) {
        this.logger.error({ err, topic }, 'Relay listener failed');
      }
    };
    this.local.on(`relay:${topic}`, safe);
    return () => this.local.off(`relay:${topic}`, safe);
  }

  /** Hands an event to this instance's listeners only (for events that already reach every instance). */
  deliver(event: LiveEvent): void {
    this.local.emit('event', event);
  }

  /** An event published now may reach a stream (on this instance or, with Redis, on another): see LiveAudience. */
  get listening(): boolean {
    return this.listeners.listening();
  }

  /**
   * Streams open on this instance. Publishers whose events cost work to produce (the queue depth is polled) only
   * produce them while someone watches; with several instances each watches for its own streams.
   */
  get audience(): number {
    return this.watchers;
  }

  /**
   * Counts one more open stream until the returned function is called (once); tells the onWatch listeners. The first
   * stream of an instance that had no audience is announced to every instance, and whoever left events out meanwhile
   * says so (onGap) before it publishes again; without Redis that happens here, before this returns.
   */
  watch(): () => void {
    this.watchers++;
    if (this.listeners.opened()) {
      if (this.redisRelay) this.relay(AUDIENCE_TOPIC, { until: this.listeners.announcedUntil });
      else this.sendGap();
    }
    this.local.emit('watch');
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.watchers--;
      this.listeners.closed();
    };
  }

  /** Calls `listener` when some instance says it left events out for want of an audience (see LiveGap). */
  onGap(listener: (gap: LiveGap) => void): () => void {
    this.local.on('gap', listener);
    return () => this.local.off('gap', listener);
  }

  /** Tells every instance that this one left events out, once, if it did. */
  private sendGap(): void {
    if (this.skippedAt === null) return;
    const gap: LiveGap = { lastSkippedAt: this.skippedAt };
    this.skippedAt = null;
    this.relay(GAP_TOPIC, gap);
  }

  /** Calls `listener` whenever a stream opens on this instance (a publisher may owe it the current state). */
  onWatch(listener: () => void): () => void {
    this.local.on('watch', listener);
    return () => this.local.off('watch', listener);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    const safe = (e: LiveEvent) => {
      try {
        listener(e);
      } catch (err) {
        this.logger.error({ err, type: e.type }, 'Live event listener failed');
      }
    };
    this.local.on('event', safe);
    return () => this.local.off('event', safe);
  }

  onApplicationBootstrap(): void {
    this.listeners.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.local.removeAllListeners();
    await this.listeners.stop();
    if (this.redisRelay) await this.redisRelay.sub.unsubscribe(this.redisRelay.channel).catch(() => undefined);
  }
}
