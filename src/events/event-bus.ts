import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { RedisConnections } from '../redis/redis.module';
import type { RobotStatusEvent } from '../robot/state/robot-state.store';

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

/** Every live event, by name. The names are the SSE `event:` field. */
export interface LiveEventMap {
  'robot.status': RobotStatusEvent;
  message: MessageLiveEvent;
  alert: AlertLiveEvent;
}
export type LiveEventType = keyof LiveEventMap;
export type LiveEvent = { [K in LiveEventType]: { type: K; data: LiveEventMap[K] } }[LiveEventType];

export const TEXT_PREVIEW = 200;

/**
 * The in-process bus domain code publishes to (the callback processor: new messages) without knowing who listens
 * (the SSE stream). With Redis on, a published event goes through `<prefix>live-events` and every instance —
 * this one included — delivers it to its listeners, so a browser connected to any instance sees the messages
 * processed by all of them. Publishing never throws: a live view is not worth failing a callback for.
 */
@Injectable()
export class EventBus implements OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private readonly local = new EventEmitter().setMaxListeners(0);
  private relay?: { pub: Redis; sub: Redis; channel: string };

  constructor(@Inject(RedisConnections) redis: RedisConnections) {
    if (!redis.enabled) return;
    const channel = `${redis.prefix}live-events`;
    const sub = redis.subscriber();
    sub.on('message', (ch: string, text: string) => {
      if (ch !== channel) return;
      try {
        this.deliver(JSON.parse(text) as LiveEvent);
      } catch {
        // not ours
      }
    });
    void sub
      .subscribe(channel)
      .catch((err: Error) => this.logger.warn({ error: err.message }, 'Live events: subscribe failed'));
    this.relay = { pub: redis.command(), sub, channel };
  }

  publish<K extends LiveEventType>(type: K, data: LiveEventMap[K]): void {
    const event = { type, data } as LiveEvent;
    if (!this.relay) return this.deliver(event);
    this.relay.pub.publish(this.relay.channel, JSON.stringify(event)).catch((err: Error) => {
      this.logger.warn(
        { type, error: err.message },
        'Live events: Redis publish failed; delivered on this instance only',
      );
      this.deliver(event);
    });
  }

  /** Hands an event to this instance's listeners only (for events that already reach every instance). */
  deliver(event: LiveEvent): void {
    this.local.emit('event', event);
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

  async onModuleDestroy(): Promise<void> {
    this.local.removeAllListeners();
    if (this.relay) await this.relay.sub.unsubscribe(this.relay.channel).catch(() => undefined);
  }
}
