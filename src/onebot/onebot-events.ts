import type { GeweEvent } from '../callback/events';
import type { MediaKind } from './onebot-media';
import type { IdMapper, OneBotEvent, OneBotId, OneBotSettings } from './onebot.types';

/** What the translation of one callback needs besides the event. */
export interface TranslateContext {
  ids: IdMapper;
  /** The robot's self_id (its alias, or its wxid in string mode). */
  selfId: OneBotId;
  settings: OneBotSettings;
  /** The event's message log row. */
  messageLogId: number;
  /** An absolute URL of the message's media (see OneBotMedia.inbound). */
  mediaUrl(kind: MediaKind): string;
  /** A sender's names where known (nickname, group display name). */
  names?(wxid: string, chatId: string | null): Promise<{ nickname: string | null; card: string | null }>;
}

/**
 * The OneBot events of one WeChat event (usually one; none for kinds OneBot has no event for, such as sync):
 * messages (array format, raw_message in CQ codes, to_me), notices, requests. PART translate.
 */
export function toOneBotEvents(_event: GeweEvent, _ctx: TranslateContext): Promise<OneBotEvent[]> {
  throw new Error('not implemented');
}

/** A meta event: lifecycle (`connect`, `enable`, `disable`) or heartbeat with the robot's real online state. */
export function metaEvent(
  _selfId: OneBotId,
  _type: 'lifecycle' | 'heartbeat',
  _detail: { subType?: 'connect' | 'enable' | 'disable'; online?: boolean; intervalMs?: number },
): OneBotEvent {
  throw new Error('not implemented');
}
