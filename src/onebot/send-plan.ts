import type { SentMessage } from '../gewe/modules/message.api';
import type { RobotClient } from '../gewe/robot-client';
import type { MediaKind } from './onebot-media';
import { ActionError, RETCODE, type IdMapper, type MessageRef, type Segment } from './onebot.types';

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

const AT_ALL = 'notify@all';
const AT_ALL_TEXT = '@所有人';
/** A segment's media source as OneBot gives it: `file` (URL, `base64://`, `file://`), else `url`. */
const SOURCE_SCHEME = /^(?:https?|base64|file):\/\//i;
const DEFAULT_VOICE_MS = 1000;
/**
 * QQ's classic faces (ids 0–39), which frameworks send as `face {id}`, by the names WeChat writes its own emoji with
 * (`[微笑]`): the two sets share their origin. 21 is 可爱 in QQ and 愉快 in WeChat; 17 does not exist.
 */
const FACES: readonly string[] = (
  '惊讶 撇嘴 色 发呆 得意 流泪 害羞 闭嘴 睡 大哭 尴尬 发怒 调皮 呲牙 微笑 难过 酷 - 抓狂 吐 偷笑 愉快 白眼 傲慢 饥饿 困 惊恐 ' +
  '流汗 憨笑 悠闲 奋斗 咒骂 疑问 嘘 晕 折磨 衰 骷髅 敲打 再见'
).split(' ');

function faceText(data: Record<string, unknown>): string {
  const named = str(data.text) ?? str(data.name);
  if (named !== null) return named.startsWith('[') ? named : `[${named.replace(/^\//, '')}]`;
  const id = str(data.id);
  const name = id !== null && /^\d{1,2}$/.test(id) ? FACES[Number(id)] : undefined;
  return name === undefined || name === '-' ? '[表情]' : `[${name}]`;
}
const DEFAULT_VIDEO_SECONDS = 1;

function str(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function positive(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** `file` when it is something to fetch, else `url` (an inbound segment sent back has a name in `file`). */
function sourceOf(data: Record<string, unknown>): string | null {
  const file = str(data.file);
  if (file !== null && SOURCE_SCHEME.test(file)) return file;
  return str(data.url) ?? file;
}

function baseName(source: string): string | null {
  if (source.startsWith('base64://')) return null;
  const path = source.replace(/[?#].*$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return str(decodeURIComponent(last));
  } catch {
    return str(last);
  }
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * The `<appmsg>` node of a WeChat quote (appmsg type 57), as WeChat writes it (the official quote sample): the new
 * text in `<title>`, the quoted message in `<refermsg>` — `svrid` its NewMsgId, in a group `fromusr` the room and
 * `chatusr` the member who wrote it, in a private chat both the writer; `content` the quoted text (XML escaped).
 */
export function quoteXml(
  title: string,
  ref: MessageRef,
  quoted: { fromWxid: string; displayName: string; content: string; msgType: number },
  groupId: string | null,
): string {
  const e = escapeXml;
  return (
    `<appmsg appid="" sdkver="0"><title>${e(title)}</title><des></des><action></action><type>57</type>` +
    `<showtype>0</showtype><soundtype>0</soundtype><mediatagname></mediatagname><messageext></messageext>` +
    `<messageaction></messageaction><content></content><contentattr>0</contentattr><url></url><lowurl></lowurl>` +
    `<dataurl></dataurl><lowdataurl></lowdataurl><appattach><totallen>0</totallen><attachid></attachid>` +
    `<emoticonmd5></emoticonmd5><fileext></fileext><aeskey></aeskey></appattach><extinfo></extinfo>` +
    `<sourceusername></sourceusername><sourcedisplayname></sourcedisplayname><thumburl></thumburl><md5></md5>` +
    `<statextstr></statextstr><refermsg><type>${quoted.msgType}</type><svrid>${e(ref.newMsgId)}</svrid>` +
    `<fromusr>${e(groupId ?? quoted.fromWxid)}</fromusr><chatusr>${e(quoted.fromWxid)}</chatusr>` +
    `<displayname>${e(quoted.displayName)}</displayname><content>${e(quoted.content)}</content>` +
    (ref.createTime === null ? '' : `<createtime>${ref.createTime}</createtime>`) +
    `</refermsg></appmsg>`
  );
}

/** `postAppMsg` takes the `<appmsg>` node only: a whole `<msg>` from an xml segment is cut down to it. */
function appMsgNode(xml: string): string {
  const start = xml.indexOf('<appmsg');
  const end = xml.lastIndexOf('</appmsg>');
  return start >= 0 && end > start ? xml.slice(start, end + '</appmsg>'.length) : xml;
}

type Quote = { ref: MessageRef; quoted: NonNullable<Awaited<ReturnType<PlanContext['quoted']>>> };

/** Builds the plan: text, @s and faces gather into one text send until a segment of another kind ends it. */
class Planner {
  readonly out: GeweSend[] = [];
  private content = '';
  private ats: string[] = [];
  private afterAt = false;
  /** A reply waiting for the text that becomes the quote's title. */
  private quote: Quote | null = null;

  constructor(private readonly ctx: PlanContext) {}

  write(text: string): void {
    // "[CQ:at,qq=1] hi": the @'s own space already separates it.
    this.content += this.afterAt && text.startsWith(' ') ? text.slice(1) : text;
    this.afterAt = false;
  }

  async at(data: Record<string, unknown>): Promise<void> {
    const qq = str(data.qq);
    if (qq === 'all') {
      if (this.ctx.isGroup && !this.ats.includes(AT_ALL)) this.ats.push(AT_ALL);
      this.write(`${AT_ALL_TEXT} `);
    } else {
      const wxid = str(data.wxid) ?? (qq === null ? null : await this.ctx.ids.userWxid(qq));
      const name = str(data.name) ?? (wxid === null ? null : await this.ctx.memberName(wxid)) ?? wxid ?? qq;
      if (name === null) return;
      if (this.ctx.isGroup && wxid !== null && !this.ats.includes(wxid)) this.ats.push(wxid);
      this.write(`@${name} `);
    }
    this.afterAt = true;
  }

  async reply(data: Record<string, unknown>): Promise<void> {
    this.flush();
    const ref = await this.ctx.ids.messageRef(data.id);
    const quoted = ref === null ? null : await this.ctx.quoted(ref);
    this.quote = ref === null || quoted === null ? null : { ref, quoted };
  }

  /** Ends the text gathered so far: a text send, or the title of a pending quote. */
  flush(): void {
    const content = this.content;
    const ats = this.ats;
    this.content = '';
    this.ats = [];
    this.afterAt = false;
    if (content.trim() === '') return;
    if (this.quote !== null) {
      const { ref, quoted } = this.quote;
      this.quote = null;
      // A quote is an appmsg, which carries no @ list: the names stay in its text.
      this.out.push({ kind: 'appmsg', xml: quoteXml(content, ref, quoted, this.ctx.isGroup ? this.ctx.chatId : null) });
      return;
    }
    this.out.push({ kind: 'text', content, ats });
  }

  push(send: GeweSend): void {
    this.flush();
    this.out.push(send);
  }
}

/** The Gewe calls of a OneBot message, in order (text with its @s, then each image or file…). PART translate. */
export async function planSend(segments: readonly Segment[], ctx: PlanContext): Promise<GeweSend[]> {
  const p = new Planner(ctx);
  for (const seg of segments) {
    const data = seg.data ?? {};
    switch (seg.type) {
      case 'text':
        p.write(typeof data.text === 'string' ? data.text : (str(data.text) ?? ''));
        break;
      case 'face':
        // WeChat's emoji are text ([微笑]): a face is written so.
        p.write(faceText(data));
        break;
      case 'at':
        await p.at(data);
        break;
      case 'reply':
        await p.reply(data);
        break;
      case 'image': {
        const source = sourceOf(data);
        if (source !== null) p.push({ kind: 'image', url: await ctx.hostMedia(source, 'image') });
        break;
      }
      case 'record': {
        const source = sourceOf(data);
        if (source === null) break;
        const seconds = positive(data.duration);
        const url = await ctx.hostMedia(source, 'record');
        p.push({ kind: 'voice', url, durationMs: seconds === null ? DEFAULT_VOICE_MS : Math.round(seconds * 1000) });
        break;
      }
      case 'video': {
        const source = sourceOf(data);
        if (source === null) break;
        const url = await ctx.hostMedia(source, 'video');
        const thumb = str(data.thumb) ?? str(data.cover);
        const thumbUrl = thumb === null ? '' : await ctx.hostMedia(thumb, 'image');
        const seconds = positive(data.duration);
        p.push({
          kind: 'video',
          url,
          thumbUrl,
          durationSeconds: seconds === null ? DEFAULT_VIDEO_SECONDS : Math.round(seconds),
        });
        break;
      }
      case 'file': {
        const source = sourceOf(data);
        if (source === null) break;
        const fileName = str(data.name) ?? baseName(source) ?? 'file';
        p.push({ kind: 'file', url: await ctx.hostMedia(source, 'file'), fileName });
        break;
      }
      case 'share': {
        const linkUrl = str(data.url);
        if (linkUrl === null) break;
        const title = str(data.title) ?? linkUrl;
        p.push({ kind: 'link', title, desc: str(data.content) ?? '', linkUrl, thumbUrl: str(data.image) ?? '' });
        break;
      }
      case 'contact': {
        if (str(data.type) === 'group') break;
        const id = str(data.id);
        if (id === null) break;
        const wxid = (await ctx.ids.userWxid(id)) ?? id;
        const nickname = str(data.nickname) ?? str(data.name) ?? (await ctx.memberName(wxid)) ?? wxid;
        p.push({ kind: 'card', wxid, nickname });
        break;
      }
      case 'xml': {
        const xml = str(data.data);
        if (xml !== null) p.push({ kind: 'appmsg', xml: appMsgNode(xml) });
        break;
      }
      default:
        // json, poke, music, forward, node…: nothing WeChat can send as such.
        break;
    }
  }
  p.flush();
  if (p.out.length === 0) {
    throw new ActionError(
      RETCODE.BAD_REQUEST,
      'message has nothing WeChat can send (empty, or only unsupported segments)',
    );
  }
  return p.out;
}

/** What a failed send had already sent before it failed (in order): on the error as `sent`. */
export function sentBefore(error: unknown): SentMessage[] {
  const sent = (error as { sent?: unknown } | null)?.sent;
  return Array.isArray(sent) ? (sent as SentMessage[]) : [];
}

function call(gewe: RobotClient, to: string, send: GeweSend): Promise<SentMessage> {
  const m = gewe.message;
  switch (send.kind) {
    case 'text':
      return m.postText(to, send.content, send.ats.length > 0 ? send.ats : undefined);
    case 'image':
      return m.postImage(to, send.url);
    case 'file':
      return m.postFile(to, send.url, send.fileName);
    case 'video':
      return m.postVideo(to, send.url, send.thumbUrl, send.durationSeconds);
    case 'voice':
      return m.postVoice(to, send.url, send.durationMs);
    case 'link':
      return m.postLink(to, { title: send.title, desc: send.desc, linkUrl: send.linkUrl, thumbUrl: send.thumbUrl });
    case 'appmsg':
      return m.postAppMsg(to, send.xml);
    case 'card':
      return m.postNameCard(to, send.nickname, send.wxid);
  }
}

/**
 * Makes the calls in order through the robot's governed client; resolves with what each sent. The first failure
 * stops the rest and rejects with its error, carrying what was sent before it as `sent` (see sentBefore). PART
 * translate.
 */
export async function executeSend(gewe: RobotClient, to: string, plan: readonly GeweSend[]): Promise<SentMessage[]> {
  const sent: SentMessage[] = [];
  for (const send of plan) {
    try {
      sent.push(await call(gewe, to, send));
    } catch (err) {
      // The error itself (a GeweApiError stays one, for the answer's retcode), with what went out before it.
      if (typeof err === 'object' && err !== null && Object.isExtensible(err)) {
        Object.defineProperty(err, 'sent', { value: sent, enumerable: false, configurable: true, writable: true });
        throw err;
      }
      throw Object.assign(new Error(err instanceof Error ? err.message : String(err), { cause: err }), { sent });
    }
  }
  return sent;
}
