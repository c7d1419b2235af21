import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { GeweEvent } from '../callback/events';
import { EventBus } from '../live-events/event-bus';
import { toOneBotEvents } from './onebot-events';
import type { TranslateContext } from './onebot-events';
import { OneBotHub } from './onebot.hub';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import { OneBotSettingsService } from './onebot-settings.service';
import type { OneBotEvent, OneBotId } from './onebot.types';

/** The relay topic translated events travel on to every instance: `{ robotId, events }`. */
export const EVENT_TOPIC = 'onebot.event';

/** The translation, replaceable in unit specs (the real one is the translate part's toOneBotEvents). */
export type Translate = (event: GeweEvent, ctx: TranslateContext) => Promise<OneBotEvent[]>;

/** "Nickname : text", as Gewe's push content starts for a message from a contact or a group member. */
const PUSH_NAME = /^(.{1,64}?) : /s;

/**
 * Where the pipeline hands a message new to the log: translated once (the robot's id mode) into OneBot events and
 * published to every instance, whose hub delivers them to the robot's clients. Never throws, never waits for a
 * client. PART core.
 *
 * A robot's events are translated one after the other (a promise chain per robot), so they reach the relay — and the
 * clients — in the order the pipeline logged them, even when a translation waits for an alias to be allocated.
 */
@Injectable()
export class OneBotGateway implements OnModuleDestroy {
  private readonly logger = new Logger(OneBotGateway.name);
  private readonly chains = new Map<number, Promise<void>>();
  private readonly stop: () => void;
  /** See Translate. */
  translate: Translate = toOneBotEvents;

  constructor(
    private readonly settings: OneBotSettingsService,
    private readonly ids: OneBotIdStore,
    private readonly media: OneBotMedia,
    private readonly hub: OneBotHub,
    private readonly bus: EventBus,
  ) {
    this.stop = this.bus.onRelay(EVENT_TOPIC, (data) => this.received(data));
  }

  publish(event: GeweEvent, messageLogId: number): void {
    const robotId = event.robotId;
    const previous = this.chains.get(robotId) ?? Promise.resolve();
    const next = previous
      .then(() => this.run(event, messageLogId))
      .catch((err: unknown) =>
        this.logger.warn(
          { robotId, messageLogId, kind: event.kind, error: err instanceof Error ? err.message : String(err) },
          'OneBot: translating an event failed; not delivered',
        ),
      )
      .finally(() => {
        if (this.chains.get(robotId) === next) this.chains.delete(robotId);
      });
    this.chains.set(robotId, next);
  }

  /** Resolves when every event published so far has been translated and relayed (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  async onModuleDestroy(): Promise<void> {
    this.stop();
    await this.idle();
  }

  private async run(event: GeweEvent, messageLogId: number): Promise<void> {
    const settings = await this.settings.get(event.robotId);
    if (!settings.enabled) return;
    const ids = this.ids.mapper(event.robotId, settings.idMode);
    const selfId: OneBotId = event.robotWxid ? await ids.user(event.robotWxid) : 0;
    const ctx: TranslateContext = {
      ids,
      selfId,
      settings,
      messageLogId,
      mediaUrl: (kind) => this.media.inbound(event.robotId, messageLogId, kind),
      names: (wxid) => Promise.resolve(namesFrom(event, wxid)),
    };
    const events = await this.translate(event, ctx);
    if (events.length) this.bus.relay(EVENT_TOPIC, { robotId: event.robotId, events });
  }

  /** On every instance: the hub hands each event to the robot's clients here. */
  private received(data: unknown): void {
    const m = data as { robotId?: unknown; events?: unknown } | null;
    if (!m || typeof m.robotId !== 'number' || !Array.isArray(m.events)) return;
    for (const event of m.events as OneBotEvent[]) {
      try {
        this.hub.deliver(m.robotId, event);
      } catch (err) {
        this.logger.warn(
          { robotId: m.robotId, error: err instanceof Error ? err.message : String(err) },
          'OneBot: delivering an event failed',
        );
      }
    }
  }
}

/**
 * A sender's names as the event tells them: the nickname from the push content ("Nickname : text") for the message's
 * sender; the group display name is not in a callback (null: the translation may look it up).
 */
export function namesFrom(event: GeweEvent, wxid: string): { nickname: string | null; card: string | null } {
  if (wxid !== event.senderWxid || !event.pushContent) return { nickname: null, card: null };
  const m = PUSH_NAME.exec(event.pushContent);
  return { nickname: m ? m[1] : null, card: null };
}
