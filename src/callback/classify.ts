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
      ev.text = content === null ? null : content.replace(MENTION_MARKUP, '').trim();
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
        const inviter = des !== null && des.includes('邀请') ? (quotedParts(des)[0] ?? null) : null;
        return setKind(ev, 'group_invite', { title, description: des, url, inviterNickname: nonEmpty(inviter) });
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
        quotedSender: xmlText(ref, 'fromusr'),
        quotedChat: xmlText(ref, 'chatusr'),
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
// MsgType 10000: plain-text notices (Chinese sentences; names in quotes)

const QUOTED = /"([^"]*)"|“([^”]*)”|「([^」]*)」/g;

/** The quoted parts of a sentence, in order (straight, curly and corner quotes). */
function quotedParts(sentence: string): string[] {
  const out: string[] = [];
  for (const m of sentence.matchAll(QUOTED)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** The sentence with every quoted part emptied, so names cannot look like keywords. */
function skeleton(sentence: string): string {
  return sentence.replace(QUOTED, '""');
}

function names(list: string | undefined): string[] {
  if (list === undefined) return [];
  return list
    .split('、')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function plainNotice(ev: GeweEvent, content: string | null): void {
  const sentence = nonEmpty(content);
  ev.text = sentence;
  ev.kind = 'system';
  if (sentence === null) return;
  const sk = skeleton(sentence);
  const q = quotedParts(sentence);
  const self = you(ev);
  const byMe = sk.startsWith('你');

  if (sk.includes('你被') && sk.includes('移出群聊')) {
    return setKind(ev, 'group_removed', { operatorNickname: nonEmpty(q[0]) });
  }
  if (sk.includes('移出了群聊')) {
    return setKind(ev, 'group_kick', {
      kickedWxids: [],
      kickedNicknames: names(byMe ? q[0] : q[1]),
      operatorWxid: byMe ? self : null,
      operatorNickname: byMe ? null : nonEmpty(q[0]),
    });
  }
  if (sk.includes('解散')) {
    return setKind(ev, 'group_dismiss', {
      operatorWxid: byMe ? self : null,
      operatorNickname: byMe ? null : nonEmpty(q[0]),
    });
  }
  if (sk.includes('修改群名为')) {
    const after = sentence.slice(sentence.indexOf('修改群名为') + '修改群名为'.length);
    const newName = quotedParts(after)[0] ?? after.replace(/^["“「]|["”」]$/g, '');
    return setKind(ev, 'group_rename', { newName: nonEmpty(newName) });
  }
  if (sk.includes('成为新群主')) {
    return setKind(ev, 'group_owner_change', {
      newOwnerWxid: byMe ? self : null,
      newOwnerNickname: byMe ? null : nonEmpty(q[0]),
    });
  }
  if (sk.includes('邀请你') && sk.includes('加入')) {
    return setKind(ev, 'group_invited', { inviterWxid: null, inviterNickname: nonEmpty(q[0]) });
  }
  if (sk.includes('加入群聊') || sk.includes('加入了群聊')) {
    let joined: string | undefined;
    let inviterNickname: string | null = null;
    let inviterWxid: string | null = null;
    if (sk.includes('通过扫描')) {
      // "X"通过扫描"Y"分享的二维码加入群聊 / "X"通过扫描你分享的二维码加入群聊
      joined = q[0];
      if (sk.includes('通过扫描你')) inviterWxid = self;
      else inviterNickname = nonEmpty(q[1]);
    } else if (sk.includes('邀请')) {
      if (byMe) {
        inviterWxid = self;
        joined = q[0];
      } else {
        inviterNickname = nonEmpty(q[0]);
        joined = q[1];
      }
    } else {
      joined = q[0];
    }
    return setKind(ev, 'group_join', { joinedWxids: [], joinedNicknames: names(joined), inviterWxid, inviterNickname });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MsgType 10002: <sysmsg type="…">

const SYSMSG_CHILDREN = ['revokemsg', 'pat', 'mmchatroombarannouncememt', 'roomtoolstips', 'sysmsgtemplate'];

function systemMessage(ev: GeweEvent, content: string | null): void {
  ev.kind = 'system';
  const sys = xmlAt(root(content), 'sysmsg');
  if (!sys) return;
  const type =
    nonEmpty(sys.attr('type'))?.toLowerCase() ?? SYSMSG_CHILDREN.find((child) => sys.get(child) !== null) ?? null;

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
      return templateMessage(ev, xmlAt(sys, 'sysmsgtemplate', 'content_template'));
    default:
      return;
  }
}

interface Member {
  wxid: string | null;
  nickname: string | null;
}

/** `<link_list><link name=…>`: the members (or plain text) each `$placeholder$` stands for. */
function templateLinks(tmpl: XmlView | null): Map<string, { members: Member[]; plain: string | null }> {
  const links = new Map<string, { members: Member[]; plain: string | null }>();
  for (const link of xmlAt(tmpl, 'link_list')?.all('link') ?? []) {
    const linkName = nonEmpty(link.attr('name'));
    if (linkName === null || links.has(linkName)) continue;
    const members = (xmlAt(link, 'memberlist')?.all('member') ?? []).map((m) => ({
      wxid: xmlText(m, 'username'),
      nickname: xmlText(m, 'nickname'),
    }));
    links.set(linkName, { members, plain: xmlText(link, 'plain') ?? xmlText(link, 'title') });
  }
  return links;
}

function placeholders(template: string): string[] {
  return [...template.matchAll(/\$([A-Za-z0-9_]+)\$/g)].map((m) => m[1] ?? '');
}

function templateMessage(ev: GeweEvent, tmpl: XmlView | null): void {
  const template = xmlText(tmpl, 'template');
  if (template === null) return;
  const links = templateLinks(tmpl);
  const members = (placeholder: string | undefined): Member[] =>
    placeholder === undefined ? [] : (links.get(placeholder)?.members ?? []);
  const first = (placeholder: string | undefined): Member => members(placeholder)[0] ?? { wxid: null, nickname: null };
  /** The placeholders written before and after a keyword. */
  const around = (keyword: string): { before: string[]; after: string[] } => {
    const at = template.indexOf(keyword);
    return at < 0
      ? { before: [], after: placeholders(template) }
      : { before: placeholders(template.slice(0, at)), after: placeholders(template.slice(at + keyword.length)) };
  };
  const self = you(ev);
  const byMe = template.trim().startsWith('你');

  if (template.includes('邀请你') && template.includes('加入')) {
    const inviter = first(around('邀请你').before[0]);
    return setKind(ev, 'group_invited', { inviterWxid: inviter.wxid, inviterNickname: inviter.nickname });
  }
  if (template.includes('移出了群聊')) {
    const { before } = around('移出了群聊');
    const kickedName = links.has('kickoutname') ? 'kickoutname' : before[before.length - 1];
    const kicked = members(kickedName);
    const operator = byMe ? { wxid: self, nickname: null } : first(before.find((p) => p !== kickedName));
    return setKind(ev, 'group_kick', {
      kickedWxids: kicked.map((m) => m.wxid).filter((w): w is string => w !== null),
      kickedNicknames: kicked.map((m) => m.nickname).filter((n): n is string => n !== null),
      operatorWxid: operator.wxid,
      operatorNickname: operator.nickname,
    });
  }
  if (template.includes('解散')) {
    const operator = byMe ? { wxid: self, nickname: null } : first(around('解散').before[0]);
    return setKind(ev, 'group_dismiss', { operatorWxid: operator.wxid, operatorNickname: operator.nickname });
  }
  if (template.includes('成为新群主')) {
    const owner = byMe ? { wxid: self, nickname: null } : first(around('成为新群主').before[0]);
    return setKind(ev, 'group_owner_change', { newOwnerWxid: owner.wxid, newOwnerNickname: owner.nickname });
  }
  if (template.includes('修改群名为')) {
    const after = template.slice(template.indexOf('修改群名为') + '修改群名为'.length);
    const quoted = quotedParts(after)[0] ?? after;
    const placeholder = placeholders(quoted)[0];
    let newName: string | null = nonEmpty(quoted.replace(/^["“「]|["”」]$/g, ''));
    if (placeholder !== undefined) {
      const link = links.get(placeholder);
      newName = link?.plain ?? link?.members[0]?.nickname ?? null;
    }
    return setKind(ev, 'group_rename', { newName });
  }
  if (template.includes('加入了群聊') || template.includes('加入群聊')) {
    let joined: Member[];
    let inviter: Member;
    if (template.includes('通过扫描')) {
      const all = placeholders(template);
      joined = members(all[0]);
      inviter = template.includes('通过扫描你') ? { wxid: self, nickname: null } : first(all[1]);
    } else {
      const { before, after } = around('邀请');
      joined = members(after[0]);
      const invited = template.includes('邀请');
      inviter = invited && byMe ? { wxid: self, nickname: null } : first(invited ? before[0] : undefined);
    }
    return setKind(ev, 'group_join', {
      joinedWxids: joined.map((m) => m.wxid).filter((w): w is string => w !== null),
      joinedNicknames: joined.map((m) => m.nickname).filter((n): n is string => n !== null),
      inviterWxid: inviter.wxid,
      inviterNickname: inviter.nickname,
    });
  }
}
