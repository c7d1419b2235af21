/**
 * Typed WeChat events produced by the classifier (src/callback/classify.ts) from raw Gewe callbacks. The kind names
 * are a contract shared with plugins (../shared/DESIGN.md §3): one per official sample, plus the extra ones below.
 */
export const EVENT_KINDS = [
  'text',
  'image',
  'voice',
  'video',
  'emoji',
  'link',
  'file_notice',
  'file',
  'card',
  'friend_request',
  'contact_update',
  'mini_app',
  'quote',
  'transfer',
  'red_packet',
  'finder',
  'revoke',
  'pat',
  'location',
  'group_invite',
  'group_removed',
  'group_kick',
  'group_dismiss',
  'group_rename',
  'group_owner_change',
  'group_info_update',
  'group_announcement',
  'group_todo',
  'contact_deleted',
  'group_quit',
  'offline',
  // beyond the 31 samples
  'group_invited',
  'group_join',
  'system',
  'sync',
  'unknown',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The robot a callback belongs to, as the webhook resolved it from `Appid`. */
export interface RobotRef {
  id: number;
  appId: string;
  /** The logged-in account; null until the first login completed. */
  wxid: string | null;
}

export interface GeweEvent {
  kind: EventKind;
  robotId: number;
  appId: string;
  /** The robot's own wxid: the callback's `Wxid`, else the robot's stored one. */
  robotWxid: string | null;
  /** AddMsg, ModContacts, DelContacts, Offline (as sent, normalised to this spelling). */
  typeName: string;
  /** Data.MsgType of AddMsg; null otherwise. */
  msgType: number | null;
  /** 64-bit ids, always strings (exact). */
  newMsgId: string | null;
  msgId: string | null;
  /** Unix seconds. */
  createTime: number | null;
  fromWxid: string | null;
  toWxid: string | null;
  /** The conversation: the group id for group messages, else the peer (the other side, also for self-sent ones). */
  chatId: string | null;
  isGroup: boolean;
  /** Who wrote it: in groups the part before the first ":\n" of the content (any id shape), else fromWxid. */
  senderWxid: string | null;
  /** Sent by the robot itself (from another device, or by a plugin). */
  isSelf: boolean;
  /** wxids from MsgSource <atuserlist>. */
  mentions: string[];
  /** @all (notify@all in the list). */
  mentionsAll: boolean;
  /** The robot is in `mentions`. */
  mentionsSelf: boolean;
  /**
   * Human text: for text (prefix and @-mention markup stripped, a trailing mention without U+2005 too), quote (the
   * new text), group and system notices (the sentence; a template's placeholders filled in).
   */
  text: string | null;
  /** Content with the group prefix removed (XML for media/app/system messages). */
  content: string | null;
  pushContent: string | null;
  /** Kind-specific fields (see the classifier for each kind's keys). */
  details: Record<string, unknown>;
  /** The callback as received (64-bit ids as strings). */
  raw: unknown;
}

/** Event kinds a handler can subscribe to: every kind, plus `any` and `at` (text mentioning the robot). */
export type Subscription = EventKind | 'any' | 'at';
