import type { GeweEvent } from '../callback/events';
import type { MediaKind } from './onebot-media';
import type { IdMapper, MessageRef, OneBotEvent, OneBotId, OneBotSettings, Segment } from './onebot.types';
import { encodeRequestFlag } from './request-flag';
import { toCq } from './segments';

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

/** The extension every message, notice and request carries: what WeChat said, for clients that want more. */
export interface WxExtension {
  kind: string;
  msgType: number | null;
  newMsgId: string | null;
  chatId: string | null;
  senderWxid: string | null;
  /** A member's nickname, when a notice names one whose wxid WeChat did not give (then `user_id` is 0). */
  nickname?: string;
}

type Fields = Record<string, unknown>;

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

/** One translation: the event, its context, and the id lookups every mapping needs. */
class Translation {
  constructor(
    readonly ev: GeweEvent,
    readonly ctx: TranslateContext,
  ) {}

  get details(): Fields {
    return this.ev.details;
  }

  /** The robot itself is always `self_id` (frameworks compare an at's `qq` and a sender with it). */
  user(wxid: string | null): Promise<OneBotId> {
    if (wxid === null) return Promise.resolve(0);
    if (wxid === this.ev.robotWxid) return Promise.resolve(this.ctx.selfId);
    return this.ctx.ids.user(wxid);
  }

  group(chatId: string | null): Promise<OneBotId> {
    return chatId === null ? Promise.resolve(0) : this.ctx.ids.group(chatId);
  }

  /** The alias of another message of this robot (a quoted or revoked one), known only by its NewMsgId. */
  otherMessage(newMsgId: string, chatId: string | null): Promise<OneBotId> {
    const ref: MessageRef = {
      robotId: this.ev.robotId,
      newMsgId,
      msgId: null,
      createTime: null,
      chatId,
      messageLogId: null,
    };
    return this.ctx.ids.message(ref);
  }

  base(postType: OneBotEvent['post_type'], extra: Partial<WxExtension> = {}): OneBotEvent {
    const ev = this.ev;
    const wx: WxExtension = {
      kind: ev.kind,
      msgType: ev.msgType,
      newMsgId: ev.newMsgId,
      chatId: ev.chatId,
      senderWxid: ev.senderWxid,
      ...extra,
    };
    return { time: ev.createTime ?? Math.floor(Date.now() / 1000), self_id: this.ctx.selfId, post_type: postType, wx };
  }

  notice(noticeType: string, fields: Fields, extra?: Partial<WxExtension>): OneBotEvent {
    return { ...this.base('notice', extra), notice_type: noticeType, ...fields };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

/** The robot first among the @s: Koishi and NoneBot look for an at of `self_id` at the start of the message. */
function mentionOrder(ev: GeweEvent): string[] {
  const people = ev.mentions.filter((w) => w !== 'notify@all');
  const self = people.filter((w) => w === ev.robotWxid);
  return [...self, ...people.filter((w) => w !== ev.robotWxid)];
}

async function mentionSegments(t: Translation): Promise<Segment[]> {
  const out: Segment[] = [];
  if (!t.ev.isGroup) return out;
  for (const wxid of mentionOrder(t.ev)) out.push({ type: 'at', data: { qq: String(await t.user(wxid)), wxid } });
  if (t.ev.mentionsAll) out.push({ type: 'at', data: { qq: 'all' } });
  return out;
}

function text(value: string | null): Segment[] {
  return value === null || value === '' ? [] : [{ type: 'text', data: { text: value } }];
}

/** A kind OneBot has no segment for, written as people read it in WeChat's own chat list. */
function described(label: string, ...parts: (string | null | undefined)[]): Segment[] {
  const rest = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(' ');
  return text(rest === '' ? `[${label}]` : `[${label}] ${rest}`);
}

function media(t: Translation, kind: MediaKind, file: string, extra: Fields = {}): Segment[] {
  return [{ type: kind, data: { file, url: t.ctx.mediaUrl(kind), ...extra } }];
}

/**
 * The segments of a message kind; null for kinds that are not messages. Every data value is a string, as go-cqhttp
 * sends them and as the CQ codes of `raw_message` read back: Koishi finds an @ of the robot by `at.id === selfId` (a
 * string) and NoneBot by `qq == str(self_id)`, so a numeric `qq` would never be the robot to them.
 */
async function messageSegments(t: Translation): Promise<Segment[] | null> {
  const { ev, details: d } = t;
  const id = ev.newMsgId ?? String(t.ctx.messageLogId);
  switch (ev.kind) {
    case 'text':
      return [...(await mentionSegments(t)), ...text(ev.text)];
    case 'image':
      return media(t, 'image', `${id}.jpg`);
    case 'voice':
      return media(t, 'record', `${id}.silk`);
    case 'video':
      return media(t, 'video', `${id}.mp4`);
    case 'file': {
      const name = str(d.fileName) ?? id;
      return media(t, 'file', name, { name, ...(typeof d.fileSize === 'number' ? { size: String(d.fileSize) } : {}) });
    }
    case 'emoji': {
      // A sticker: WeChat's CDN serves it as it is (GIF or PNG); image sub_type 1 is a sticker in go-cqhttp.
      const url = str(d.cdnUrl);
      if (url === null) return described('动画表情');
      return [{ type: 'image', data: { file: `${str(d.md5) ?? id}.gif`, url, sub_type: '1', summary: '[动画表情]' } }];
    }
    case 'link': {
      const url = str(d.url);
      if (url === null) return described('链接', str(d.title));
      return [
        {
          type: 'share',
          data: { url, title: str(d.title) ?? url, content: str(d.description) ?? '', image: str(d.thumbUrl) ?? '' },
        },
      ];
    }
    case 'card': {
      const username = str(d.username);
      if (username === null) return described('名片', str(d.nickname));
      return [{ type: 'contact', data: { type: 'wx', id: username, nickname: str(d.nickname) ?? '' } }];
    }
    case 'quote': {
      const quoted = str(d.quotedMsgId);
      const reply: Segment[] =
        quoted === null
          ? []
          : [{ type: 'reply', data: { id: String(await t.otherMessage(quoted, str(d.quotedChat) ?? ev.chatId)) } }];
      return [...reply, ...(await mentionSegments(t)), ...text(ev.text)];
    }
    case 'location':
      return described(
        '位置',
        str(d.poiName),
        str(d.label),
        typeof d.latitude === 'number' && typeof d.longitude === 'number' ? `(${d.latitude}, ${d.longitude})` : null,
      );
    case 'transfer':
      return described('转账', str(d.amount), str(d.memo));
    case 'red_packet':
      return described('红包', str(d.senderTitle) ?? str(d.receiverTitle));
    case 'mini_app':
      return described('小程序', str(d.title));
    case 'finder':
      return described('视频号', str(d.nickname) === null ? null : `${str(d.nickname)}:`, str(d.description));
    default:
      return null;
  }
}

/** The sender's name in WeChat's notification text: "Alice : hi", "Alice在群聊中@了你", "Alice mentioned you…". */
const PUSH_NAME = /^(.{1,64}?)(?: : |在群聊中@了你| mentioned you)/s;

function pushName(ev: GeweEvent): string | null {
  const m = ev.pushContent === null ? null : PUSH_NAME.exec(ev.pushContent);
  return m ? str(m[1]) : null;
}

function isOfficialAccount(wxid: string | null): boolean {
  return wxid !== null && wxid.startsWith('gh_');
}

async function messageEvent(t: Translation, segments: Segment[]): Promise<OneBotEvent[]> {
  const { ev, ctx } = t;
  if (ev.newMsgId === null || ev.chatId === null) return [];
  if (ev.isSelf && !ctx.settings.postSelf) return [];
  const senderWxid = ev.isSelf ? ev.robotWxid : ev.senderWxid;
  const messageId = await ctx.ids.message({
    robotId: ev.robotId,
    newMsgId: ev.newMsgId,
    msgId: ev.msgId,
    createTime: ev.createTime,
    chatId: ev.chatId,
    messageLogId: ctx.messageLogId,
  });
  const userId = ev.isSelf ? ctx.selfId : await t.user(senderWxid);
  const names = senderWxid !== null && ctx.names ? await ctx.names(senderWxid, ev.isGroup ? ev.chatId : null) : null;
  const nickname = names?.nickname ?? (ev.isSelf ? null : pushName(ev)) ?? '';
  const quotesMe = ev.kind === 'quote' && ev.robotWxid !== null && t.details.quotedSender === ev.robotWxid;
  const common = {
    ...t.base(ev.isSelf ? 'message_sent' : 'message'),
    message_id: messageId,
    user_id: userId,
    message: segments,
    raw_message: toCq(segments),
    font: 0,
  };
  if (ev.isGroup) {
    return [
      {
        ...common,
        message_type: 'group',
        sub_type: 'normal',
        group_id: await t.group(ev.chatId),
        anonymous: null,
        sender: {
          user_id: userId,
          nickname,
          card: names?.card ?? '',
          role: 'member',
          wxid: senderWxid,
        },
        to_me: !ev.isSelf && (ev.mentionsSelf || quotesMe),
      },
    ];
  }
  return [
    {
      ...common,
      message_type: 'private',
      sub_type: isOfficialAccount(ev.chatId) ? 'other' : 'friend',
      // What the robot sent from its phone says to whom (go-cqhttp's `target_id`).
      ...(ev.isSelf ? { target_id: await t.user(ev.chatId) } : {}),
      sender: { user_id: userId, nickname, wxid: senderWxid },
      to_me: !ev.isSelf,
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Notices and requests

/** Members a group notice names: by wxid where WeChat gave one, else by nickname alone (user_id 0). */
function members(wxids: string[], nicknames: string[]): { wxid: string | null; nickname: string | null }[] {
  if (wxids.length > 0) return wxids.map((wxid, i) => ({ wxid, nickname: nicknames[i] ?? null }));
  return nicknames.map((nickname) => ({ wxid: null, nickname }));
}

async function groupChange(
  t: Translation,
  noticeType: 'group_increase' | 'group_decrease',
  subType: (wxid: string | null) => string,
  list: { wxid: string | null; nickname: string | null }[],
  operatorWxid: string | null,
): Promise<OneBotEvent[]> {
  const groupId = await t.group(t.ev.chatId);
  const operatorId = await t.user(operatorWxid);
  const out: OneBotEvent[] = [];
  for (const m of list) {
    out.push(
      t.notice(
        noticeType,
        { sub_type: subType(m.wxid), group_id: groupId, user_id: await t.user(m.wxid), operator_id: operatorId },
        m.wxid === null && m.nickname !== null ? { nickname: m.nickname } : {},
      ),
    );
  }
  return out;
}

/** "你已添加了X，现在可以开始聊天了。" / "You have added X as your Weixin contact. Start chatting!" */
const FRIEND_ADDED = /^你已添加了.+现在可以开始聊天了|^You have added .+ as your (?:WeChat|Weixin) contact/i;

async function noticeOrRequest(t: Translation): Promise<OneBotEvent[]> {
  const { ev, details: d } = t;
  const self = ev.robotWxid;
  switch (ev.kind) {
    case 'group_join': {
      const inviter = str(d.inviterWxid);
      const invited = inviter !== null || str(d.inviterNickname) !== null;
      const list = members(strings(d.joinedWxids), strings(d.joinedNicknames));
      return groupChange(t, 'group_increase', () => (invited ? 'invite' : 'approve'), list, inviter);
    }
    case 'group_invited':
      // The robot was pulled into a group (WeChat asks nobody for a group of up to 40).
      return groupChange(t, 'group_increase', () => 'invite', [{ wxid: self, nickname: null }], str(d.inviterWxid));
    case 'group_kick': {
      const list = members(strings(d.kickedWxids), strings(d.kickedNicknames));
      const operator = str(d.operatorWxid);
      return groupChange(t, 'group_decrease', (w) => (w !== null && w === self ? 'kick_me' : 'kick'), list, operator);
    }
    case 'group_removed':
      return groupChange(t, 'group_decrease', () => 'kick_me', [{ wxid: self, nickname: null }], null);
    case 'group_quit':
      // The group left the robot's contacts: it left (WeChat tells nobody when a member leaves a group).
      return groupChange(t, 'group_decrease', () => 'leave', [{ wxid: self, nickname: null }], self);
    case 'revoke': {
      const revoked = str(d.revokedMsgId);
      if (revoked === null) return [];
      const messageId = await t.otherMessage(revoked, ev.chatId);
      const userId = await t.user(ev.senderWxid);
      if (ev.isGroup) {
        return [
          t.notice('group_recall', {
            group_id: await t.group(ev.chatId),
            user_id: userId,
            operator_id: userId,
            message_id: messageId,
          }),
        ];
      }
      return [t.notice('friend_recall', { user_id: userId, message_id: messageId })];
    }
    case 'pat': {
      const room = str(d.chatUsername);
      const inGroup = room !== null && room.endsWith('@chatroom');
      return [
        t.notice('notify', {
          sub_type: 'poke',
          ...(inGroup ? { group_id: await t.group(room) } : {}),
          user_id: await t.user(str(d.fromUsername)),
          target_id: await t.user(str(d.pattedUsername)),
        }),
      ];
    }
    case 'system':
      if (!ev.isGroup && ev.chatId !== null && FRIEND_ADDED.test(ev.text ?? '')) {
        return [t.notice('friend_add', { user_id: await t.user(ev.chatId) })];
      }
      return [];
    case 'friend_request': {
      const wxid = str(d.fromUsername);
      const v3 = str(d.encryptUsername);
      const v4 = str(d.ticket);
      if (v3 === null || v4 === null) return [];
      const scene = Number(str(d.scene) ?? NaN);
      return [
        {
          ...t.base('request', { senderWxid: wxid }),
          request_type: 'friend',
          user_id: await t.user(wxid),
          comment: str(d.content) ?? '',
          flag: encodeRequestFlag('friend', { v3, v4, scene: Number.isFinite(scene) ? scene : 0 }),
          nickname: str(d.fromNickname) ?? '',
        },
      ];
    }
    case 'group_invite': {
      const url = str(d.url);
      if (url === null) return [];
      return [
        {
          ...t.base('request'),
          request_type: 'group',
          sub_type: 'invite',
          // The invite card does not say which group (its id is known only once the robot is in it).
          group_id: 0,
          user_id: await t.user(ev.senderWxid),
          comment: str(d.description) ?? '',
          flag: encodeRequestFlag('group', { url, ...(ev.senderWxid === null ? {} : { inviter: ev.senderWxid }) }),
        },
      ];
    }
    case 'group_rename':
    case 'group_owner_change':
    case 'group_dismiss':
    case 'group_announcement':
      // WeChat-only notices, in the customary `wx_` extension namespace (frameworks pass unknown notices through).
      return [t.notice(`wx_${ev.kind}`, { group_id: await t.group(ev.chatId), detail: { ...d } })];
    case 'contact_deleted':
      return [t.notice('wx_contact_deleted', { user_id: await t.user(ev.chatId) })];
    default:
      return [];
  }
}

/**
 * The OneBot events of one WeChat event (usually one; none for kinds OneBot has no event for, such as sync):
 * messages (array format, raw_message in CQ codes, to_me), notices, requests. PART translate.
 */
export async function toOneBotEvents(event: GeweEvent, ctx: TranslateContext): Promise<OneBotEvent[]> {
  const t = new Translation(event, ctx);
  const segments = await messageSegments(t);
  if (segments !== null) return segments.length === 0 ? [] : messageEvent(t, segments);
  return noticeOrRequest(t);
}

/** A meta event: lifecycle (`connect`, `enable`, `disable`) or heartbeat with the robot's real online state. */
export function metaEvent(
  selfId: OneBotId,
  type: 'lifecycle' | 'heartbeat',
  detail: { subType?: 'connect' | 'enable' | 'disable'; online?: boolean; intervalMs?: number },
): OneBotEvent {
  const base = { time: Math.floor(Date.now() / 1000), self_id: selfId, post_type: 'meta_event' as const };
  if (type === 'lifecycle') return { ...base, meta_event_type: 'lifecycle', sub_type: detail.subType ?? 'connect' };
  const online = detail.online ?? false;
  return {
    ...base,
    meta_event_type: 'heartbeat',
    status: { app_initialized: true, app_enabled: true, app_good: true, online, good: online },
    interval: detail.intervalMs ?? 15_000,
  };
}
