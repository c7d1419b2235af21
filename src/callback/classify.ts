import type { EventKind, GeweEvent, RobotRef } from './events';
import { parseXml, xmlAt, xmlAttr, xmlText, type XmlView } from './xml';

/**
 * Raw Gewe callback → typed event (../shared/gewe/REFERENCE.md §2). Pure: no I/O, no clock, no randomness, and it
 * never throws — anything it cannot make sense of becomes `unknown` (or `system` for an unrecognised system notice).
 *
 * `raw` is the body as parsed by `parseJsonBigSafe`: 64-bit numbers arrive as decimal strings, small ones as numbers.
 * Both key spellings are accepted (`TypeName/Appid/Wxid/Data`, `type_name/appid/wxid/data`, `typeName`…): keys are
 * matched without regard to case or underscores.
 */
export function classify(raw: unknown, robot: RobotRef): GeweEvent {
  try {
    return classifyOrThrow(raw, robot);
  } catch {
    // A bug here must not turn one odd callback into a poisoned job.
    return blankEvent(raw, robot, safeAppId(robot), safeWxid(robot), '');
  }
}

type Rec = Record<string, unknown>;
type Details = Record<string, unknown>;

const ROOM = '@chatroom';
/** The group prefix `<sender>:\n` at the start of Content (any id shape, no spaces or markup). */
const GROUP_PREFIX = /^([^\s:<>"'/]{1,128}):\n/;
/** `@Name` + U+2005, the markup WeChat puts into text for each mention. */
const MENTION_MARKUP = /@[^@\u2005\n]{1,64}\u2005/g;
/** A mention that ends the message: WeChat trims the U+2005 after it ("@robot" alone, or "… @robot"). */
const TRAILING_MENTION = /@[^@\u2005\n]{1,64}$/;

const TYPE_NAMES: Record<string, string> = {
  addmsg: 'AddMsg',
  modcontacts: 'ModContacts',
  delcontacts: 'DelContacts',
  offline: 'Offline',
};

function isRec(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normKey(key: string): string {
  return key.toLowerCase().replace(/_/g, '');
}

/** A property by name, tolerating other spellings of the key (`TypeName`, `type_name`, `typeName`). */
function field(obj: unknown, name: string): unknown {
  if (!isRec(obj)) return undefined;
  if (Object.hasOwn(obj, name)) return obj[name];
  const want = normKey(name);
  for (const key of Object.keys(obj)) if (normKey(key) === want) return obj[key];
  return undefined;
}

/** A string that may come wrapped as `{ "string": … }` (Gewe's protobuf habit). Not trimmed. */
function wrapped(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (isRec(value)) {
    const inner = field(value, 'string');
    if (typeof inner === 'string') return inner;
    if (typeof inner === 'number' && Number.isFinite(inner)) return String(inner);
  }
  return null;
}

/** A trimmed, non-empty string, or null. */
function nonEmpty(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = value.trim();
  return t === '' ? null : t;
}

function name(value: unknown): string | null {
  return nonEmpty(wrapped(value));
}

/** A 64-bit id as exact decimal digits: strings are kept, numbers (already exact when safe) are written out. */
function idString(value: unknown): string | null {
  if (typeof value === 'string') return nonEmpty(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isFinite(value)) {
    return Number.isInteger(value) ? BigInt(value).toString() : String(value);
  }
  return null;
}

function intOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return null;
}

/** A decimal number written in XML (`2998`, `39.903740`), or null. */
function numberOf(text: string | null): number | null {
  if (text === null || !/^-?\d+(\.\d+)?$/.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function isRoom(id: string | null): boolean {
  return id !== null && id.endsWith(ROOM);
}

function safeAppId(robot: RobotRef): string {
  const a: unknown = (robot as Partial<RobotRef> | null)?.appId;
  return typeof a === 'string' ? a : '';
}

function safeWxid(robot: RobotRef): string | null {
  const w: unknown = (robot as Partial<RobotRef> | null)?.wxid;
  return typeof w === 'string' && w !== '' ? w : null;
}

function blankEvent(
  raw: unknown,
  robot: RobotRef,
  appId: string,
  robotWxid: string | null,
  typeName: string,
): GeweEvent {
  const id: unknown = (robot as Partial<RobotRef> | null)?.id;
  return {
    kind: 'unknown',
    robotId: typeof id === 'number' ? id : 0,
    appId,
    robotWxid,
    typeName,
    msgType: null,
    newMsgId: null,
    msgId: null,
    createTime: null,
    fromWxid: null,
    toWxid: null,
    chatId: null,
    isGroup: false,
    senderWxid: null,
    isSelf: false,
    mentions: [],
    mentionsAll: false,
    mentionsSelf: false,
    text: null,
    content: null,
    pushContent: null,
    details: {},
    raw,
  };
}

function classifyOrThrow(raw: unknown, robot: RobotRef): GeweEvent {
  if (!isRec(raw)) return blankEvent(raw, robot, safeAppId(robot), safeWxid(robot), '');
  const typeNameRaw = nonEmpty(wrapped(field(raw, 'TypeName'))) ?? '';
  const typeName = TYPE_NAMES[normKey(typeNameRaw)] ?? typeNameRaw;
  const appId = name(field(raw, 'Appid')) ?? safeAppId(robot);
  const robotWxid = name(field(raw, 'Wxid')) ?? safeWxid(robot);
  const ev = blankEvent(raw, robot, appId, robotWxid, typeName);
  const data = field(raw, 'Data');

  switch (typeName) {
    case 'AddMsg':
      if (isRec(data)) addMsg(ev, data);
      return ev;
    case 'ModContacts':
    case 'DelContacts':
      if (isRec(data)) contactEvent(ev, data, typeName === 'ModContacts');
      return ev;
    case 'Offline':
      ev.kind = 'offline';
      return ev;
    default:
      return ev;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Contacts

function contactEvent(ev: GeweEvent, data: Rec, modified: boolean): void {
  const userName = name(field(data, 'UserName'));
  ev.chatId = userName;
  ev.isGroup = isRoom(userName);
  if (!modified) {
    ev.kind = ev.isGroup ? 'group_quit' : 'contact_deleted';
    ev.details = { userName };
    return;
  }
  ev.kind = ev.isGroup ? 'group_info_update' : 'contact_update';
  const roomData = field(data, 'NewChatroomData');
  ev.details = {
    userName,
    nickName: name(field(data, 'NickName')),
    remark: name(field(data, 'Remark')),
    owner: name(field(data, 'ChatRoomOwner')),
    bigHeadImgUrl: name(field(data, 'BigHeadImgUrl')),
    smallHeadImgUrl: name(field(data, 'SmallHeadImgUrl')),
    memberCount: intOf(field(roomData, 'MemberCount')) ?? intOf(field(data, 'MemberCount')),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// AddMsg

function addMsg(ev: GeweEvent, data: Rec): void {
  const robotWxid = ev.robotWxid;
  ev.msgType = intOf(field(data, 'MsgType'));
  ev.newMsgId = idString(field(data, 'NewMsgId'));
  ev.msgId = idString(field(data, 'MsgId'));
  ev.createTime = intOf(field(data, 'CreateTime'));
  const from = name(field(data, 'FromUserName'));
  const to = name(field(data, 'ToUserName'));
  ev.fromWxid = from;
  ev.toWxid = to;
  const fromRoom = isRoom(from);
  ev.isGroup = fromRoom || isRoom(to);
  const push = wrapped(field(data, 'PushContent'));
  ev.pushContent = nonEmpty(push) === null ? null : push;

  const rawContent = wrapped(field(data, 'Content'));
  let content = rawContent;
  let prefix: string | null = null;
  if (fromRoom && rawContent !== null) {
    const m = GROUP_PREFIX.exec(rawContent);
    if (m) {
      prefix = m[1] ?? null;
      content = rawContent.slice(m[0].length);
    }
  }
  ev.content = content;

  if (ev.isGroup) ev.chatId = fromRoom ? from : to;
  else ev.chatId = from !== null && from === robotWxid ? to : from;
  // A group message names its writer in the prefix; a prefix that is the room itself (system messages), or none,
  // leaves the writer unknown. Outside a room (private chats, and what the robot itself sent into a group) it is From.
  ev.senderWxid = fromRoom ? (prefix !== null && !isRoom(prefix) ? prefix : null) : from;
  ev.isSelf = robotWxid !== null && (ev.senderWxid === robotWxid || from === robotWxid);

  const mentions = parseMentions(wrapped(field(data, 'MsgSource')));
  ev.mentions = mentions;
  ev.mentionsAll = mentions.includes('notify@all');
  ev.mentionsSelf = robotWxid !== null && mentions.includes(robotWxid);

  const imgBuf = field(data, 'ImgBuf');
  const inline = nonEmpty(wrapped(field(imgBuf, 'buffer'))) !== null;

  switch (ev.msgType) {
    case 1:
      ev.kind = 'text';
      ev.text = content === null ? null : withoutMentions(content, mentions.length);
      return;
    case 3:
      return setKind(ev, 'image', imageDetails(content, inline));
    case 34:
      return setKind(ev, 'voice', voiceDetails(content, inline));
    case 37:
      return setKind(ev, 'friend_request', friendRequestDetails(content));
    case 42:
      return setKind(ev, 'card', cardDetails(content));
    case 43:
      return setKind(ev, 'video', videoDetails(content));
    case 47:
      return setKind(ev, 'emoji', emojiDetails(content));
    case 48:
      return setKind(ev, 'location', locationDetails(content));
    case 49:
      return appMessage(ev, content);
    case 51:
      ev.kind = 'sync';
      return;
    case 10000:
      return plainNotice(ev, content);
    case 10002:
      return systemMessage(ev, content);
    default:
      return;
  }
}

/**
 * Who "你" is in a group notice: the account it was delivered to (To, when the room is From), else the robot. The two
 * agree in real callbacks; the official samples carry a `Wxid` that is not the receiving account.
 */
function you(ev: GeweEvent): string | null {
  return isRoom(ev.fromWxid) && ev.toWxid !== null && !isRoom(ev.toWxid) ? ev.toWxid : ev.robotWxid;
}

function setKind(ev: GeweEvent, kind: EventKind, details: Details): void {
  ev.kind = kind;
  ev.details = details;
}

/**
 * The text without its mention markup. A mention at the very end has no U+2005 after it; it is taken off only when
 * MsgSource lists more mentions than the markup accounts for, so an "@" the writer typed stays.
 */
function withoutMentions(content: string, mentionCount: number): string {
  let marked = 0;
  let text = content.replace(MENTION_MARKUP, () => {
    marked++;
    return '';
  });
  if (mentionCount > marked) text = text.trimEnd().replace(TRAILING_MENTION, '');
  return text.trim();
}

function parseMentions(msgSource: string | null): string[] {
  if (msgSource === null || !msgSource.includes('atuserlist')) return [];
  const list = xmlText(parseXml(msgSource).root, 'msgsource', 'atuserlist') ?? '';
  const out: string[] = [];
  for (const part of list.split(',')) {
    const id = part.trim();
    if (id !== '' && !out.includes(id)) out.push(id);
  }
  return out;
}

function root(content: string | null): XmlView {
  return parseXml(content ?? '').root;
}

/** The attributes a media element carries, read as strings (empty → null). */
function attrs(view: XmlView, path: string[], names: Record<string, string>): Details {
  const out: Details = {};
  for (const [key, attr] of Object.entries(names)) out[key] = xmlAttr(view, path, attr);
  return out;
}

function imageDetails(content: string | null, inline: boolean): Details {
  const r = root(content);
  const p = ['msg', 'img'];
  return {
    aesKey: xmlAttr(r, p, 'aeskey'),
    md5: xmlAttr(r, p, 'md5'),
    length: numberOf(xmlAttr(r, p, 'length')),
    cdnThumbUrl: xmlAttr(r, p, 'cdnthumburl'),
    cdnMidImgUrl: xmlAttr(r, p, 'cdnmidimgurl'),
    hasInlineThumb: inline,
  };
}

function voiceDetails(content: string | null, inline: boolean): Details {
  const r = root(content);
  const p = ['msg', 'voicemsg'];
  return {
    voiceLength: numberOf(xmlAttr(r, p, 'voicelength')),
    aesKey: xmlAttr(r, p, 'aeskey'),
    voiceUrl: xmlAttr(r, p, 'voiceurl'),
    hasInlineAudio: inline,
  };
}

function videoDetails(content: string | null): Details {
  const r = root(content);
  const p = ['msg', 'videomsg'];
  return {
    aesKey: xmlAttr(r, p, 'aeskey'),
    md5: xmlAttr(r, p, 'md5'),
    length: numberOf(xmlAttr(r, p, 'length')),
    playLength: numberOf(xmlAttr(r, p, 'playlength')),
    cdnVideoUrl: xmlAttr(r, p, 'cdnvideourl'),
    cdnThumbUrl: xmlAttr(r, p, 'cdnthumburl'),
  };
}

function emojiDetails(content: string | null): Details {
  const r = root(content);
  const p = ['msg', 'emoji'];
  return { md5: xmlAttr(r, p, 'md5'), length: numberOf(xmlAttr(r, p, 'len')), cdnUrl: xmlAttr(r, p, 'cdnurl') };
}

function locationDetails(content: string | null): Details {
  const r = root(content);
  const p = ['msg', 'location'];
  return {
    latitude: numberOf(xmlAttr(r, p, 'x')),
    longitude: numberOf(xmlAttr(r, p, 'y')),
    label: xmlAttr(r, p, 'label'),
    poiName: xmlAttr(r, p, 'poiname'),
    scale: numberOf(xmlAttr(r, p, 'scale')),
  };
}

function cardDetails(content: string | null): Details {
  const r = root(content);
  const p = ['msg'];
  return {
    ...attrs(r, p, {
      username: 'username',
      nickname: 'nickname',
      alias: 'alias',
      province: 'province',
      city: 'city',
      sign: 'sign',
      sex: 'sex',
    }),
    avatarUrl: xmlAttr(r, p, 'bigheadimgurl') ?? xmlAttr(r, p, 'smallheadimgurl'),
  };
}

function friendRequestDetails(content: string | null): Details {
  const r = root(content);
  const p = ['msg'];
  return {
    ...attrs(r, p, {
      fromUsername: 'fromusername',
      encryptUsername: 'encryptusername',
      fromNickname: 'fromnickname',
      content: 'content',
      scene: 'scene',
      ticket: 'ticket',
    }),
    avatarUrl: xmlAttr(r, p, 'bigheadimgurl') ?? xmlAttr(r, p, 'smallheadimgurl'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// MsgType 49: app messages, sub-typed by <appmsg><type>

const GROUP_INVITE_TITLE = '邀请你加入群聊';

function appMessage(ev: GeweEvent, content: string | null): void {
  const r = root(content);
  const app = xmlAt(r, 'msg', 'appmsg') ?? xmlAt(r, 'appmsg');
  const type = numberOf(xmlText(app, 'type'));
  const title = xmlText(app, 'title');
  const url = xmlText(app, 'url');

  switch (type) {
    case 5:
      if (title === GROUP_INVITE_TITLE || (url?.includes('addchatroombyinvite') ?? false)) {
        const des = xmlText(app, 'des');
        // "A"邀请你加入群聊"B"，进入可查看详情。 / "A" invited you to join the group chat "B". …
        const notice = des === null ? null : readNotice(des);
        const inviter =
          notice?.kind === 'group_invited' && notice.actor !== null && notice.actor !== 'self'
            ? plainResolver.one(notice.actor.seg).nickname
            : null;
        return setKind(ev, 'group_invite', { title, description: des, url, inviterNickname: inviter });
      }
      return setKind(ev, 'link', linkDetails(app));
    case 6:
      return setKind(ev, 'file', fileDetails(app));
    case 74:
      return setKind(ev, 'file_notice', fileDetails(app));
    case 33:
    case 36:
      return setKind(ev, 'mini_app', {
        title,
        appId: xmlText(app, 'weappinfo', 'appid'),
        username: xmlText(app, 'weappinfo', 'username') ?? xmlText(app, 'sourceusername'),
        pagePath: xmlText(app, 'weappinfo', 'pagepath'),
        iconUrl: xmlText(app, 'weappinfo', 'weappiconurl'),
        thumbUrl: xmlText(app, 'thumburl'),
      });
    case 51: {
      const feed = xmlAt(app, 'finderFeed');
      const media = xmlAt(feed, 'mediaList', 'media');
      return setKind(ev, 'finder', {
        objectId: xmlText(feed, 'objectId'),
        nickname: xmlText(feed, 'nickname'),
        username: xmlText(feed, 'username'),
        description: xmlText(feed, 'desc'),
        coverUrl: xmlText(media, 'coverUrl') ?? xmlText(media, 'thumbUrl'),
        url: xmlText(media, 'url'),
      });
    }
    case 57: {
      const ref = xmlAt(app, 'refermsg');
      ev.text = title;
      return setKind(ev, 'quote', {
        quotedMsgId: xmlText(ref, 'svrid'),
        quotedType: xmlText(ref, 'type'),
        ...quotedAuthor(ev, xmlText(ref, 'fromusr'), xmlText(ref, 'chatusr')),
        quotedDisplayName: xmlText(ref, 'displayname'),
        quotedContent: xmlText(ref, 'content'),
      });
    }
    case 2000: {
      const pay = xmlAt(app, 'wcpayinfo');
      return setKind(ev, 'transfer', {
        amount: xmlText(pay, 'feedesc'),
        paySubtype: xmlText(pay, 'paysubtype'),
        transferId: xmlText(pay, 'transferid'),
        // sic: Gewe spells it "transcationid"
        transactionId: xmlText(pay, 'transcationid') ?? xmlText(pay, 'transactionid'),
        memo: xmlText(pay, 'pay_memo'),
        payer: xmlText(pay, 'payer_username'),
        receiver: xmlText(pay, 'receiver_username'),
      });
    }
    case 2001: {
      const pay = xmlAt(app, 'wcpayinfo');
      const nativeUrl = xmlText(pay, 'nativeurl');
      return setKind(ev, 'red_packet', {
        senderTitle: xmlText(pay, 'sendertitle'),
        receiverTitle: xmlText(pay, 'receivertitle'),
        nativeUrl,
        sendId: queryParam(nativeUrl, 'sendid') ?? queryParam(url, 'sendid') ?? xmlText(pay, 'paymsgid'),
        innerType: xmlText(pay, 'innertype'),
      });
    }
    default:
      // Chat-history bundles, live locations, music, third-party shares…: a card with a url reads as a link.
      if (url !== null) return setKind(ev, 'link', linkDetails(app));
      return;
  }
}

/**
 * Who wrote a quoted message, and in which chat. In a group `<fromusr>` is the room and `<chatusr>` the member who
 * wrote it; in a private chat `<fromusr>` is the writer. A room id is never the sender: a reply to it would go to the
 * whole group, so a group quote without a member id has no sender (null).
 */
function quotedAuthor(ev: GeweEvent, fromUsr: string | null, chatUsr: string | null): Details {
  const person = (id: string | null): string | null => (id !== null && !isRoom(id) ? id : null);
  const room = isRoom(fromUsr) ? fromUsr : isRoom(chatUsr) ? chatUsr : null;
  return ev.isGroup
    ? { quotedSender: person(chatUsr) ?? person(fromUsr), quotedChat: room ?? ev.chatId }
    : { quotedSender: person(fromUsr) ?? person(chatUsr), quotedChat: ev.chatId ?? chatUsr ?? fromUsr };
}

function linkDetails(app: XmlView | null): Details {
  return {
    title: xmlText(app, 'title'),
    description: xmlText(app, 'des'),
    url: xmlText(app, 'url'),
    thumbUrl: xmlText(app, 'thumburl'),
    sourceUsername: xmlText(app, 'sourceusername'),
    sourceDisplayName: xmlText(app, 'sourcedisplayname'),
  };
}

function fileDetails(app: XmlView | null): Details {
  const attach = xmlAt(app, 'appattach');
  return {
    fileName: xmlText(app, 'title'),
    fileExt: xmlText(attach, 'fileext'),
    fileSize: numberOf(xmlText(attach, 'totallen')),
    md5: xmlText(app, 'md5') ?? xmlText(attach, 'md5'),
    attachId: xmlText(attach, 'attachid'),
    cdnAttachUrl: xmlText(attach, 'cdnattachurl'),
    aesKey: xmlText(attach, 'aeskey'),
  };
}

function queryParam(url: string | null, key: string): string | null {
  if (url === null) return null;
  const m = new RegExp(`[?&]${key}=([^&#]*)`).exec(url);
  return m ? nonEmpty(m[1]) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Group notices: one reading of the sentence for 10000 texts, 10002 templates and other 10002 sysmsgs

const QUOTED = /"([^"]*)"|“([^”]*)”|「([^」]*)」/g;
const PLACEHOLDER = /\$([A-Za-z0-9_]+)\$/g;
/** Stands in for the characters of a name while keywords are looked for (same length, so positions still match). */
const FILL = '\u0001';

/** The quoted parts of a sentence, in order (straight, curly and corner quotes). */
function quotedParts(sentence: string): string[] {
  const out: string[] = [];
  for (const m of sentence.matchAll(QUOTED)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** The sentence with every quoted name and `$placeholder$` blanked out (same length), so names never read as keywords. */
function mask(sentence: string): string {
  return sentence
    .replace(QUOTED, (whole) => whole[0] + FILL.repeat(whole.length - 2) + whole[whole.length - 1])
    .replace(PLACEHOLDER, (whole) => FILL.repeat(whole.length));
}

function names(list: string | undefined): string[] {
  if (list === undefined) return [];
  return list
    .split('、')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

type NoticeKind =
  | 'group_removed'
  | 'group_kick'
  | 'group_dismiss'
  | 'group_rename'
  | 'group_owner_change'
  | 'group_invited'
  | 'group_join';

/** Who a notice names as the one acting: nobody, the account itself ("你", "You"), or whoever a part of it names. */
type Actor = null | 'self' | { seg: string };

/**
 * What a notice says, as parts of its sentence: `actor` (operator, inviter, new owner) and `subject` (the kicked or
 * joined members, or the new group name). `single`: the subject is one person even if the name holds a "、".
 */
interface Notice {
  kind: NoticeKind;
  actor: Actor;
  subject: string | null;
  single?: boolean;
}

/** A keyword's span in the masked sentence, searching from `from`. The patterns are plain alternations (linear). */
function find(masked: string, re: RegExp, from = 0): { start: number; end: number } | null {
  const hit = re.exec(from === 0 ? masked : masked.slice(from));
  return hit ? { start: from + hit.index, end: from + hit.index + hit[0].length } : null;
}

/** Join requests waiting for approval ("想邀请", "申请") are not joins. */
const ZH_REQUEST = /想邀请|想通过|申请/;

function readChinese(s: string, m: string): Notice | null {
  const byMe = m.trimStart().startsWith('你');
  const seg = (from: number, to?: number): Actor => ({ seg: s.slice(from, to) });

  const rename = m.indexOf('修改群名为');
  if (rename >= 0) return { kind: 'group_rename', actor: byMe ? 'self' : seg(0, rename), subject: s.slice(rename + 5) };
  const byWhom = m.indexOf('你被');
  if (byWhom >= 0 && m.includes('移出群聊', byWhom)) {
    return { kind: 'group_removed', actor: seg(byWhom + 2, m.indexOf('移出群聊', byWhom)), subject: null };
  }
  const kick = m.indexOf('移出了群聊');
  if (kick >= 0) {
    const by = m.lastIndexOf('将', kick);
    if (byMe) return { kind: 'group_kick', actor: 'self', subject: s.slice(by >= 0 ? by + 1 : 1, kick) };
    if (by >= 0) return { kind: 'group_kick', actor: seg(0, by), subject: s.slice(by + 1, kick) };
    const passive = m.lastIndexOf('被', kick);
    if (passive >= 0) return { kind: 'group_kick', actor: seg(passive + 1, kick), subject: s.slice(0, passive) };
    return { kind: 'group_kick', actor: null, subject: s.slice(0, kick) };
  }
  const dismiss = m.indexOf('解散');
  if (dismiss >= 0) return { kind: 'group_dismiss', actor: byMe ? 'self' : seg(0, dismiss), subject: null };
  const owner = m.indexOf('成为新群主');
  if (owner >= 0) return { kind: 'group_owner_change', actor: byMe ? 'self' : seg(0, owner), subject: null };
  const invitedYou = m.indexOf('邀请你');
  if (invitedYou >= 0 && m.includes('加入', invitedYou)) {
    return { kind: 'group_invited', actor: seg(0, invitedYou), subject: null };
  }
  let join = m.indexOf('加入了群聊');
  if (join < 0) join = m.indexOf('加入群聊');
  if (join < 0 || ZH_REQUEST.test(m)) return null;
  const scan = m.indexOf('通过扫描');
  if (scan >= 0 && scan < join) {
    // "X"通过扫描"Y"分享的二维码加入群聊 / "X"通过扫描你分享的二维码加入群聊
    const share = m.indexOf('分享', scan);
    const actor: Actor = m.startsWith('你', scan + 4) ? 'self' : seg(scan + 4, share > scan ? share : join);
    return { kind: 'group_join', actor, subject: s.slice(0, scan), single: true };
  }
  const invite = m.indexOf('邀请');
  if (invite >= 0 && invite < join) {
    return { kind: 'group_join', actor: byMe ? 'self' : seg(0, invite), subject: s.slice(invite + 2, join) };
  }
  return { kind: 'group_join', actor: null, subject: s.slice(0, join) };
}

/** The English forms of the same notices (an English-language WeChat). Names may come quoted or bare. */
const EN = {
  rename: /\b(?:changed|modified|set) the group(?: chat)? name to\b|\brenamed the group(?: chat)?(?: to)?\b/i,
  youWereRemoved: /\byou(?: were| have been|'ve been) removed from the group(?: chat)?(?: by\b)?/i,
  removedYou: /\bremoved you from the group\b/i,
  removed: /\bremoved\b/i,
  fromGroup: /\bfrom the group\b/i,
  dismiss: /\b(?:disbanded|dismissed|dissolved) (?:the|this) group\b/i,
  owner:
    /\b(?:is|are) now the (?:new )?group owner\b|\b(?:has|have) become the (?:new )?group owner\b|\bbecame the (?:new )?group owner\b|\b(?:is|are) the new group owner\b/i,
  invitedYou: /\binvited you\b/i,
  request: /\bwants? to\b|\brequest(?:s|ed)?\b|\bappl(?:y|ies|ied)\b/i,
  joined: /\bjoined (?:the )?group(?: chat)?\b|\bjoined the chat\b/i,
  qrCode: /\bQR code\b/i,
  yourCode: /\byou shared\b|\byour (?:shared )?QR code\b|\bshared by you\b/i,
  sharedBy: /\bshared by\b/i,
  invited: /\binvited\b/i,
  toGroup: /\bto (?:join )?(?:the|this|a|your) group(?: chat)?\b|\bto join\b/i,
  byMe: /^\s*you\b/i,
};

function readEnglish(s: string, m: string): Notice | null {
  const byMe = EN.byMe.test(m);
  const before = (at: number): Actor => (byMe ? 'self' : { seg: s.slice(0, at) });
  let hit = find(m, EN.rename);
  if (hit) return { kind: 'group_rename', actor: before(hit.start), subject: s.slice(hit.end) };
  if ((hit = find(m, EN.youWereRemoved)))
    return { kind: 'group_removed', actor: { seg: s.slice(hit.end) }, subject: null };
  if ((hit = find(m, EN.removedYou)))
    return { kind: 'group_removed', actor: { seg: s.slice(0, hit.start) }, subject: null };
  const removed = find(m, EN.removed);
  const fromGroup = removed && find(m, EN.fromGroup, removed.end);
  if (removed && fromGroup) {
    return { kind: 'group_kick', actor: before(removed.start), subject: s.slice(removed.end, fromGroup.start) };
  }
  if ((hit = find(m, EN.dismiss))) return { kind: 'group_dismiss', actor: before(hit.start), subject: null };
  if ((hit = find(m, EN.owner))) return { kind: 'group_owner_change', actor: before(hit.start), subject: null };
  if ((hit = find(m, EN.invitedYou)))
    return { kind: 'group_invited', actor: { seg: s.slice(0, hit.start) }, subject: null };
  if (EN.request.test(m)) return null;
  const joined = find(m, EN.joined);
  if (joined && EN.qrCode.test(m)) {
    // "X" joined the group chat via the QR Code shared by "Y". / "X" joined group chat via the QR code you shared.
    const by = find(m, EN.sharedBy, joined.end);
    const actor: Actor = find(m, EN.yourCode, joined.end) ? 'self' : by ? { seg: s.slice(by.end) } : null;
    return { kind: 'group_join', actor, subject: s.slice(0, joined.start), single: true };
  }
  const invited = find(m, EN.invited);
  const toGroup = invited && find(m, EN.toGroup, invited.end);
  if (invited && toGroup) {
    return { kind: 'group_join', actor: before(invited.start), subject: s.slice(invited.end, toGroup.start) };
  }
  if (joined) return { kind: 'group_join', actor: null, subject: s.slice(0, joined.start) };
  return null;
}

/** What a group notice says, in Chinese or English; null when it is not one of the group notices. */
function readNotice(sentence: string): Notice | null {
  const masked = mask(sentence);
  return readChinese(sentence, masked) ?? readEnglish(sentence, masked);
}

interface Member {
  wxid: string | null;
  nickname: string | null;
}

const NOBODY: Member = { wxid: null, nickname: null };

/** A bare (unquoted) name with the words around it in English notices removed ("The group owner X has"). */
function bareName(part: string): string {
  return part
    .trim()
    .replace(/^(?:the\s+)?group\s+owner\s+|^群主/i, '')
    .replace(/\s+(?:has|have|had)$/i, '')
    .replace(/[.。!！,，]+$/, '')
    .trim();
}

/** The names a part of a sentence gives: its quoted names, else the bare text (a list split at 、 , and "and"). */
function partNames(part: string, single: boolean): string[] {
  const quoted = quotedParts(part);
  if (quoted.length > 0) {
    const first = nonEmpty(quoted[0]);
    return single ? (first === null ? [] : [first]) : quoted.flatMap(names);
  }
  const bare = bareName(part);
  if (bare === '') return [];
  if (single) return [bare];
  return bare
    .split(/、|,\s*|\s+and\s+/)
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

/** Turns the parts of a notice into members: from names in the text, or from a template's link list. */
interface Resolver {
  one(part: string): Member;
  many(part: string, single: boolean): Member[];
  newName(after: string): string | null;
}

const plainResolver: Resolver = {
  one: (part) => ({ wxid: null, nickname: partNames(part, true)[0] ?? null }),
  many: (part, single) => partNames(part, single).map((nickname) => ({ wxid: null, nickname })),
  newName: (after) => nonEmpty(quotedParts(after)[0] ?? after.replace(/^\s*["“「]|["”」]\s*$/g, '')),
};

const YOU = /^(?:you|你)$/i;

function wxids(members: Member[]): string[] {
  return members.map((m) => m.wxid).filter((w): w is string => w !== null);
}

function nicknames(members: Member[]): string[] {
  return members.map((m) => m.nickname).filter((n): n is string => n !== null);
}

/** The event kind and details a notice stands for (the same keys whichever language or form it came in). */
function noticeDetails(notice: Notice, r: Resolver, self: string | null): Details {
  const actorOf = (actor: Actor): Member => {
    if (actor === null) return NOBODY;
    if (actor === 'self') return { wxid: self, nickname: null };
    const who = r.one(actor.seg);
    return who.wxid === null && who.nickname !== null && YOU.test(who.nickname) ? { wxid: self, nickname: null } : who;
  };
  const actor = actorOf(notice.actor);
  // "你通过扫描…加入群聊", "You joined …": the subject is the account itself.
  const subject = (notice.subject === null ? [] : r.many(notice.subject, notice.single === true)).map((m) =>
    m.wxid === null && m.nickname !== null && YOU.test(m.nickname) ? { wxid: self, nickname: null } : m,
  );
  switch (notice.kind) {
    case 'group_removed':
      return { operatorNickname: actor.nickname };
    case 'group_kick':
      return {
        kickedWxids: wxids(subject),
        kickedNicknames: nicknames(subject),
        operatorWxid: actor.wxid,
        operatorNickname: actor.nickname,
      };
    case 'group_dismiss':
      return { operatorWxid: actor.wxid, operatorNickname: actor.nickname };
    case 'group_rename':
      return { newName: notice.subject === null ? null : r.newName(notice.subject) };
    case 'group_owner_change':
      return { newOwnerWxid: actor.wxid, newOwnerNickname: actor.nickname };
    case 'group_invited':
      return { inviterWxid: actor.wxid, inviterNickname: actor.nickname };
    case 'group_join':
      return {
        joinedWxids: wxids(subject),
        joinedNicknames: nicknames(subject),
        inviterWxid: actor.wxid,
        inviterNickname: actor.nickname,
      };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MsgType 10000: plain-text notices (names in quotes, or bare in English)

function plainNotice(ev: GeweEvent, content: string | null): void {
  const sentence = nonEmpty(content);
  ev.text = sentence;
  ev.kind = 'system';
  if (sentence === null) return;
  const notice = readNotice(sentence);
  if (notice) setKind(ev, notice.kind, noticeDetails(notice, plainResolver, you(ev)));
}

// ---------------------------------------------------------------------------------------------------------------
// MsgType 10002: <sysmsg type="…">

const SYSMSG_CHILDREN = ['revokemsg', 'pat', 'mmchatroombarannouncememt', 'roomtoolstips', 'sysmsgtemplate'];

function systemMessage(ev: GeweEvent, content: string | null): void {
  ev.kind = 'system';
  const sys = xmlAt(root(content), 'sysmsg');
  if (!sys) return;
  const typeAttr = nonEmpty(sys.attr('type'));
  const type = typeAttr?.toLowerCase() ?? SYSMSG_CHILDREN.find((child) => sys.get(child) !== null) ?? null;

  switch (type) {
    case 'revokemsg': {
      const rm = sys.get('revokemsg');
      return setKind(ev, 'revoke', {
        revokedMsgId: xmlText(rm, 'newmsgid'),
        replaceMsg: xmlText(rm, 'replacemsg'),
      });
    }
    case 'pat': {
      const pat = sys.get('pat');
      return setKind(ev, 'pat', {
        fromUsername: xmlText(pat, 'fromusername'),
        chatUsername: xmlText(pat, 'chatusername'),
        pattedUsername: xmlText(pat, 'pattedusername'),
        template: xmlText(pat, 'template'),
      });
    }
    case 'mmchatroombarannouncememt': {
      const a = sys.get('mmchatroombarannouncememt');
      const xmlContent = xmlText(a, 'xmlcontent');
      const notice = xmlContent === null ? null : xmlAt(parseXml(xmlContent).root, 'group_notice_item');
      const fromNotice = (xmlAt(notice, 'datalist')?.all('dataitem') ?? [])
        .map((item) => xmlText(item, 'datadesc'))
        .filter((t): t is string => t !== null)
        .join('\n');
      return setKind(ev, 'group_announcement', {
        announcement: xmlText(a, 'content') ?? nonEmpty(fromNotice),
        operatorWxid: xmlText(notice, 'source', 'fromusr') ?? ev.senderWxid,
      });
    }
    case 'roomtoolstips': {
      const todo = sys.get('todo');
      return setKind(ev, 'group_todo', {
        todoId: xmlText(todo, 'todoid'),
        title: xmlText(todo, 'title'),
        creator: xmlText(todo, 'creator'),
        op: xmlText(todo, 'op'),
      });
    }
    case 'sysmsgtemplate':
      return templateMessage(ev, xmlAt(sys, 'sysmsgtemplate', 'content_template'), 'sysmsgtemplate');
    default:
      return otherSysmsg(ev, sys, typeAttr ?? type);
  }
}

interface Link {
  members: Member[];
  plain: string | null;
  separator: string;
}

/** `<link_list><link name=…>`: the members (or plain text) each `$placeholder$` stands for. */
function templateLinks(tmpl: XmlView | null): Map<string, Link> {
  const links = new Map<string, Link>();
  for (const link of xmlAt(tmpl, 'link_list')?.all('link') ?? []) {
    const linkName = nonEmpty(link.attr('name'));
    if (linkName === null || links.has(linkName)) continue;
    links.set(linkName, {
      members: memberList(xmlAt(link, 'memberlist')),
      plain: xmlText(link, 'plain') ?? xmlText(link, 'title'),
      separator: nonEmpty(xmlAt(link, 'separator')?.text()) ?? '、',
    });
  }
  return links;
}

function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** The template as a person reads it: each `$placeholder$` replaced by its names (unknown ones left as they are). */
function fillTemplate(template: string, links: Map<string, Link>): string {
  return template.replace(PLACEHOLDER, (whole, key: string) => {
    const link = links.get(key);
    if (!link) return whole;
    const who = nicknames(link.members);
    // The separator is read trimmed: an English list's ", " comes back as ",".
    return who.length > 0 ? who.join(link.separator === ',' ? ', ' : link.separator) : (link.plain ?? '');
  });
}

function templateResolver(links: Map<string, Link>, kicked: boolean): Resolver {
  const members = (part: string): Member[] => placeholders(part).flatMap((p) => links.get(p)?.members ?? []);
  return {
    one: (part) => (placeholders(part).length > 0 ? (members(part)[0] ?? NOBODY) : plainResolver.one(part)),
    many: (part, single) => {
      // The kicked member has a link of its own in WeChat's kick template, wherever the sentence puts it.
      if (kicked && links.has('kickoutname')) return links.get('kickoutname')?.members ?? [];
      return placeholders(part).length > 0 ? members(part) : plainResolver.many(part, single);
    },
    newName: (after) => {
      const quoted = quotedParts(after)[0] ?? after;
      const placeholder = placeholders(quoted)[0];
      if (placeholder === undefined) return nonEmpty(quoted.replace(/^\s*["“「]|["”」]\s*$/g, ''));
      const link = links.get(placeholder);
      return link?.plain ?? link?.members[0]?.nickname ?? null;
    },
  };
}

function templateMessage(ev: GeweEvent, tmpl: XmlView | null, sysmsgType: string): void {
  const template = xmlText(tmpl, 'template');
  if (template === null) return;
  const links = templateLinks(tmpl);
  ev.text = nonEmpty(fillTemplate(template, links));
  const notice = readNotice(template);
  if (notice) {
    const r = templateResolver(links, notice.kind === 'group_kick');
    return setKind(ev, notice.kind, noticeDetails(notice, r, you(ev)));
  }
  const members = [...links.values()].flatMap((l) => l.members);
  setKind(ev, 'system', { sysmsgType, members });
}

/** The members a `<memberlist>` names: `<member>` entries, and bare `<username>` entries (delchatroommember). */
function memberList(list: XmlView | null): Member[] {
  if (!list) return [];
  const out: Member[] = list.all('member').map((m) => ({
    wxid: xmlText(m, 'username'),
    nickname: xmlText(m, 'nickname') ?? xmlText(m, 'displayname'),
  }));
  for (const u of list.all('username')) {
    const wxid = nonEmpty(u.text());
    if (wxid !== null) out.push({ wxid, nickname: null });
  }
  return out;
}

/** A link's label WeChat writes after some notices ("  撤销", "  Revoke"): not part of the sentence. */
const LINK_LABEL = /\s+(?:撤销|去确认|Revoke|Undo|Confirm)\s*$/i;

/**
 * A sysmsg type without a reading of its own (`delchatroommember`, `NewXmlChatRoomAccessVerifyApplication`,
 * `functionmsg`…): its sentence and members are read where WeChat writes them, and the sentence is classified like
 * a 10000 notice. Anything else stays `system`, with the sentence as its text.
 */
function otherSysmsg(ev: GeweEvent, sys: XmlView, sysmsgType: string | null): void {
  const holder = (sysmsgType === null ? null : sys.get(sysmsgType)) ?? sys;
  const tmpl = xmlAt(holder, 'content_template');
  if (tmpl) return templateMessage(ev, tmpl, sysmsgType ?? 'sysmsgtemplate');

  const raw = xmlText(holder, 'text') ?? xmlText(holder, 'plain') ?? xmlText(holder, 'content');
  const sentence = raw === null ? null : nonEmpty(raw.replace(LINK_LABEL, ''));
  const seen = new Set<string>();
  const members = [
    ...memberList(xmlAt(holder, 'memberlist')),
    ...holder.all('link').flatMap((link) => memberList(xmlAt(link, 'memberlist'))),
  ].filter((m) => {
    const key = m.wxid ?? `~${m.nickname ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  ev.text = sentence;

  const notice = sentence === null ? null : readNotice(sentence);
  if (notice) {
    const details = noticeDetails(notice, plainResolver, you(ev));
    // The member list names the people the notice is about (who joined, who was removed), with their wxids.
    if (members.length > 0 && (notice.kind === 'group_join' || notice.kind === 'group_kick')) {
      const prefix = notice.kind === 'group_join' ? 'joined' : 'kicked';
      details[`${prefix}Wxids`] = wxids(members);
      if ((details[`${prefix}Nicknames`] as string[]).length === 0) details[`${prefix}Nicknames`] = nicknames(members);
    }
    return setKind(ev, notice.kind, details);
  }
  const inviter = xmlText(holder, 'link', 'inviterusername') ?? xmlText(holder, 'inviterusername');
  setKind(ev, 'system', { sysmsgType, members, ...(inviter === null ? {} : { inviterWxid: inviter }) });
}
