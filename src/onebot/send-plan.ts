import type { SentMessage } from '../gewe/modules/message.api';
import type { RobotClient } from '../gewe/robot-client';
import type { MediaKind } from './onebot-media';
import type { IdMapper, MessageRef, Segment } from './onebot.types';

/** One Gewe call of an outbound OneBot message. */
export type GeweSend =
  | { kind: 'text'; content: string; ats: string[] }
  | { kind: 'image'; url: string }
  | { kind: 'file'; url: string; fileName: string }
  | { kind: 'video'; url: string; thumbUrl: string; durationSeconds: number }
  | { kind: 'voice'; url: string; durationMs: number }
  | { kind: 'link'; title: string; desc: string; linkUrl: string; thumbUrl: string }
  | { kind: 'appmsg'; xml: string }
  | { kind: 'card'; wxid: string; nickname: string };

export interface PlanContext {
  ids: IdMapper;
  /** Where it goes: a group id or a contact's wxid. */
  chatId: string;
  isGroup: boolean;
  /** The name an @ is written with in a group (the member's group display name, else nickname). */
  memberName(wxid: string): Promise<string | null>;
  /** A media source as Gewe can fetch it (OneBotMedia.host). */
  hostMedia(source: string, kind: MediaKind): Promise<string>;
  /** What a reply segment quotes: the message behind the id, with the text and sender the quote shows. */
  quoted(ref: MessageRef): Promise<{ fromWxid: string; displayName: string; content: string; msgType: number } | null>;
}

/** The Gewe calls of a OneBot message, in order (text with its @s, then each image or file…). PART translate. */
export function planSend(_segments: readonly Segment[], _ctx: PlanContext): Promise<GeweSend[]> {
  throw new Error('not implemented');
}

/** Makes the calls in order through the robot's governed client; resolves with what each sent. PART translate. */
export function executeSend(_gewe: RobotClient, _to: string, _plan: readonly GeweSend[]): Promise<SentMessage[]> {
  throw new Error('not implemented');
}
