/**
 * A fake Gewe (Gewechat / GeWeAPI) server for tests and local trials: the HTTP API under /v2/api (token auth, QR
 * login state machine, sends, canned reads, media downloads), the file server under /download, faults on demand,
 * webhook delivery of the official callback samples, and a control API under /__control to drive it all over HTTP.
 *
 * Plain node:http. 64-bit integers stay exact both ways: request bodies are parsed with lossless-json (unsafe integers
 * become decimal strings), responses and callbacks are written with lossless-json (LosslessNumber → bare JSON number).
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, Server, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { isLosslessNumber, isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import {
  CANNED_CHATROOMS,
  CANNED_FRIENDS,
  chatroomFor,
  CONTENT_TYPES,
  contactFor,
  downloadBytes,
  type DownloadKind,
  findContact,
  headImg,
  TINY_JPEG,
  TINY_JPEG_BASE64,
} from './fake-gewe-data';

// ───────────────────────────────────────────── public types ─────────────────────────────────────────────

export type FakeGeweMode = 'free' | 'paid';

export interface FakeGeweOptions {
  /** How long a login QR code stays valid (default 240 000 ms, as Gewe). */
  qrTtlMs?: number;
  /** Devices (appIds) one token may create (default 2). */
  maxDevicesPerToken?: number;
  /** 'paid' enables dialogLogin and records regionId/type/proxyIp of getLoginQrCode (default 'free'). */
  mode?: FakeGeweMode;
  /** Tokens that exist from the start and are issued again after every reset(). */
  tokens?: readonly string[];
  /** Where the official callback samples live (default: callbacks.json next to this file). */
  samplesPath?: string;
  /** Told one line per API call (for `npm run fake-gewe`); never includes tokens. */
  log?: (line: string) => void;
  /** Told one line per accepted send: what the robot sent, to whom (a text's content too). */
  logSends?: (line: string) => void;
  /**
   * Echo every text the robot sends (postText) to its callback URL as Gewe's self-sync AddMsg (FromUserName = the
   * robot, same NewMsgId as the send), so the service's message log shows the answer too (default false).
   */
  syncSends?: boolean;
  /**
   * Fetch the media URL of each postImage / postFile / postVoice / postVideo before answering, as Gewe does (it
   * downloads what it is given), and record what came back in the send's `fetched`; a URL that does not answer 2xx
   * fails the send as Gewe does (default false: the URL is only recorded).
   */
  fetchMedia?: boolean;
}

export interface FakeGeweStartOptions {
  /**
   * Also serve the files on this port, as Gewechat does (API on 2531, files on 2532); 0 picks a free one. The API
   * port serves them under /download too.
   */
  downloadPort?: number;
}

export interface FakeGeweUrls {
  /** http://host:port/v2/api */
  baseUrl: string;
  /** http://host:port/download (the download port when one was given) — files are at downloadUrl + '/' + fileUrl */
  downloadUrl: string;
  /** http://host:port/__control */
  controlUrl: string;
}

export interface Account {
  wxid: string;
  nickName: string;
  alias: string;
  mobile: string;
  uin: number;
  sex: number;
  province: string;
  city: string;
  country: string;
  signature: string;
  bigHeadImgUrl: string;
  smallHeadImgUrl: string;
}

/** 0 waiting for a scan, 1 scanned (confirm on the phone), 2 confirmed. */
export type LoginStatus = 0 | 1 | 2;

export interface LoginState {
  uuid: string;
  status: LoginStatus;
  expiresAt: number;
  /** Expired by expire() / POST /__control/expire (the QR may also simply be past expiresAt). */
  expired: boolean;
  needCaptcha: boolean;
  captchaCode: string | null;
  /** Started by /login/dialogLogin (paid) rather than a QR code. */
  dialog: boolean;
  /** The account that scanned (status ≥ 1). */
  account: Account | null;
}

export interface DeviceState {
  appId: string;
  online: boolean;
  /** Whether /login/reconnection can bring it back online. */
  reconnectable: boolean;
  /** The account last logged in on this device. */
  account: Account | null;
  /** The current login session, if any. */
  login: LoginState | null;
  createdAt: number;
}

export interface CallRecord {
  path: string;
  appId: string | null;
  at: number;
  /** The parsed request body; a `token` field is redacted, 64-bit integers are decimal strings. */
  body: Record<string, unknown>;
  /** Paid mode, /login/getLoginQrCode: the paid-only fields that were sent. */
  paid?: { regionId?: unknown; type?: unknown; proxyIp?: unknown };
}

export interface SendRecord {
  path: string;
  appId: string;
  at: number;
  body: Record<string, unknown>;
  /** What the send answered (post… and forward… endpoints); ids as strings. */
  result?: Record<string, unknown>;
  /** With `fetchMedia`: what the media URL answered (status, content type, size, the bytes in base64). */
  fetched?:
    | { url: string; status: number; contentType: string | null; length: number; base64: string }
    | { url: string; error: string };
}

export type FaultMode = 'ret500' | 'http500' | 'slow' | 'hang' | 'malformed' | 'redirect' | 'huge';

export interface FaultSpec {
  /** An API path such as '/login/checkOnline', or '*' for every API call. */
  path: string;
  mode: FaultMode;
  /** How many calls it affects (default: until clearFaults()). */
  times?: number;
  /** slow: delay before the normal answer (default 1000 ms). */
  delayMs?: number;
  /** ret500: the msg of the envelope. */
  msg?: string;
}

export interface CallbackDelivery {
  status: number;
  body: string;
}

export interface SampleInfo {
  label: string;
  kind: string;
}

/** The kinds of message `deliverMessage` can write (media ones are the official samples with fresh ids). */
export type FakeMessageKind = 'text' | 'image' | 'voice' | 'video' | 'file' | 'emoji';

export interface FakeMessage {
  /** The device the message is for (default: the only online one). */
  appId?: string;
  kind?: FakeMessageKind;
  /** The text of a text message (default "ping", which ExamplePlugin answers with "pong"). */
  text?: string;
  /** Who writes (default wxid_fake_alice01, a canned friend). */
  from?: string;
}

export interface MessageDelivery extends CallbackDelivery {
  appId: string;
  kind: FakeMessageKind;
  from: string;
  newMsgId: string;
  url: string;
}

export class FakeGeweError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'FakeGeweError';
  }
}

export const FAULT_MODES: readonly FaultMode[] = ['ret500', 'http500', 'slow', 'hang', 'malformed', 'redirect', 'huge'];

// ───────────────────────────────────────────── internals ─────────────────────────────────────────────

interface Envelope {
  ret: number;
  msg: string | null;
  data?: unknown;
}

interface Session {
  uuid: string;
  status: LoginStatus;
  expiresAt: number;
  expired: boolean;
  needCaptcha: boolean;
  captchaCode: string | null;
  dialog: boolean;
  account: Account | null;
}

interface Device {
  appId: string;
  token: string;
  online: boolean;
  reconnectable: boolean;
  account: Account | null;
  session: Session | null;
  createdAt: number;
}

interface TokenState {
  appIds: string[];
  callbackUrl: string | null;
}

interface ActiveFault {
  path: string;
  mode: FaultMode;
  remaining: number;
  delayMs: number;
  msg: string;
}

interface ApiContext {
  path: string;
  token: string;
  body: Record<string, unknown>;
  appId: string;
  call: CallRecord;
}

type Handler = (ctx: ApiContext) => Envelope | Promise<Envelope>;

const OK = '操作成功';
const API_PREFIX = '/v2/api';
const CONTROL_PREFIX = '/__control';
const DOWNLOAD_PREFIX = '/download';
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const HUGE_BYTES = 20 * 1024 * 1024;
const CALLBACK_TIMEOUT_MS = 5000;
const TEST_MSG = '回调地址链接成功！';
const DEFAULT_SENDER = 'wxid_fake_alice01';

/** The official sample each media kind of deliverMessage is made from. */
const MESSAGE_SAMPLES: Record<Exclude<FakeMessageKind, 'text'>, string> = {
  image: '图片消息',
  voice: '语音消息',
  video: '视频消息',
  file: '文件消息（文件发送完成）',
  emoji: 'emoji表情',
};
export const FAKE_MESSAGE_KINDS: readonly FakeMessageKind[] = ['text', 'image', 'voice', 'video', 'file', 'emoji'];

const ok = (data?: unknown): Envelope => (data === undefined ? { ret: 200, msg: OK } : { ret: 200, msg: OK, data });
const fail = (msg: string, data?: unknown): Envelope =>
  data === undefined ? { ret: 500, msg } : { ret: 500, msg, data };
const notLoggedIn = (msg: string): Envelope => fail(msg, { msg: '微信未登录' });

/** The `type` Gewe reports for a sent message, by endpoint. */
const SEND_TYPES: Record<string, number> = {
  postText: 1,
  postImage: 3,
  postVoice: 34,
  postVideo: 43,
  postNameCard: 42,
  postEmoji: 47,
  postLocation: 48,
  postFile: 6,
  postLink: 5,
  postAppMsg: 49,
  postMiniApp: 33,
  forwardImage: 3,
  forwardVideo: 43,
  forwardFile: 6,
  forwardUrl: 5,
  forwardMiniApp: 33,
};

/**
 * The forward endpoints take the message's own XML (`xml`, REFERENCE.md: OpenGewe's `fileId`/`urlId` are not the
 * protocol), of the message's shape; forwardMiniApp also a cover image URL.
 */
const FORWARD_XML: Record<string, RegExp> = {
  '/message/forwardImage': /<img[\s>]/,
  '/message/forwardVideo': /<videomsg[\s>]/,
  '/message/forwardFile': /<appmsg[\s>][\s\S]*<type>6<\/type>/,
  '/message/forwardUrl': /<appmsg[\s>][\s\S]*<type>5<\/type>/,
  '/message/forwardMiniApp': /<appmsg[\s>]/,
};

/** Why a forward send is refused (null: it is well-formed, or not a forward). */
function forwardProblem(path: string, body: Record<string, unknown>): string | null {
  const shape = FORWARD_XML[path];
  if (!shape) return null;
  if (typeof body.toWxid !== 'string' || body.toWxid.trim() === '') return 'toWxid 不可为空';
  if (typeof body.xml !== 'string' || body.xml.trim() === '') return 'xml 不可为空';
  if (!shape.test(body.xml)) return '消息 xml 格式错误';
  if (path === '/message/forwardMiniApp' && (typeof body.coverImgUrl !== 'string' || body.coverImgUrl === ''))
    return 'coverImgUrl 不可为空';
  return null;
}

/** The URL Gewe downloads for each media send (official field names). */
const MEDIA_URL_FIELDS: Record<string, string> = {
  '/message/postImage': 'imgUrl',
  '/message/postFile': 'fileUrl',
  '/message/postVoice': 'voiceUrl',
  '/message/postVideo': 'videoUrl',
};

const DOWNLOADS: Record<string, DownloadKind> = {
  '/message/downloadImage': 'image',
  '/message/downloadVoice': 'voice',
  '/message/downloadVideo': 'video',
  '/message/downloadFile': 'file',
  '/message/downloadEmojiMd5': 'emoji',
  '/message/downloadCdn': 'cdn',
};

const CONTACT_WRITES = new Set([
  '/contacts/addContacts',
  '/contacts/deleteFriend',
  '/contacts/setFriendRemark',
  '/contacts/setFriendPermissions',
]);

/** Group changes: answered ok and recorded in the send log (the OneBot actions' set_group_* and wx_ extensions). */
const GROUP_WRITES = new Set([
  '/group/modifyChatroomName',
  '/group/modifyChatroomRemark',
  '/group/modifyChatroomNickNameForSelf',
  '/group/removeMember',
  '/group/quitChatroom',
  '/group/disbandChatroom',
  '/group/adminOperate',
  '/group/inviteMember',
  '/group/setChatroomAnnouncement',
  '/group/agreeJoinRoom',
]);

/** Request bodies: safe numbers stay numbers, integers beyond 2^53 become their exact decimal string. */
function parseRequestJson(text: string): unknown {
  return parse(text, null, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}

/** Lossless JSON text; LosslessNumber and bigint values are written as bare numbers. */
export function toJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (isLosslessNumber(value)) return value.toString();
  return '';
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (isLosslessNumber(value)) return Number(value.toString());
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Control bodies are parsed losslessly (so /callback payloads stay exact); everything else wants plain values. */
function plain(value: unknown): unknown {
  if (isLosslessNumber(value)) return isSafeNumber(value.toString()) ? Number(value.toString()) : value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

function redact(body: Record<string, unknown>): Record<string, unknown> {
  return 'token' in body ? { ...body, token: '<redacted>' } : { ...body };
}

function randomDigits(n: number): string {
  let s = '';
  while (s.length < n) s += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return s.slice(0, n);
}

/** A 19-digit id in [7e18, 8e18): always above 2^53 and below 2^63, like Gewe's newMsgId. */
function newMsgIdDigits(): string {
  return '7' + randomDigits(18);
}

/** The file extension of a download: fixed per kind, from <fileext> for files, from `suffix` for CDN downloads. */
function downloadExtension(kind: DownloadKind, body: Record<string, unknown>): string {
  const safe = (ext: string | undefined) => (ext && /^[A-Za-z0-9]{1,10}$/.test(ext) ? ext : 'bin');
  switch (kind) {
    case 'image':
      return 'jpg';
    case 'voice':
      return 'silk';
    case 'video':
      return 'mp4';
    case 'emoji':
      return 'gif';
    case 'file':
      return safe(/<fileext>\s*(?:<!\[CDATA\[)?([A-Za-z0-9]{1,10})/.exec(str(body.xml))?.[1]);
    case 'cdn':
      return safe(str(body.suffix));
  }
}

// ───────────────────────────────────────────── the server ─────────────────────────────────────────────

export class FakeGewe {
  private readonly qrTtlMs: number;
  private readonly maxDevices: number;
  readonly mode: FakeGeweMode;
  private readonly initialTokens: readonly string[];
  private readonly samplesPath: string;
  private readonly logLine?: (line: string) => void;
  private readonly sendLogLine?: (line: string) => void;
  private readonly syncSends: boolean;
  private readonly fetchMedia: boolean;

  private server: Server | null = null;
  private downloadServer: Server | null = null;
  private origin = '';
  private downloadOrigin = '';
  private stopped = false;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly outgoing = new Set<ClientRequest>();

  private tokens = new Map<string, TokenState>();
  private deviceMap = new Map<string, Device>();
  private callLog: CallRecord[] = [];
  private sendLog: SendRecord[] = [];
  private faults: ActiveFault[] = [];
  private files = new Map<string, Buffer>();
  private failingImageTypes = new Set<number>();
  private msgIdCounter = 700_000_000 + randomInt(0, 100_000_000);
  private sampleCache: { label: string; kind: string; payload: unknown }[] | null = null;
  private readonly routes: Map<string, Handler>;

  constructor(options: FakeGeweOptions = {}) {
    this.qrTtlMs = options.qrTtlMs ?? 240_000;
    this.maxDevices = options.maxDevicesPerToken ?? 2;
    this.mode = options.mode ?? 'free';
    this.initialTokens = [...(options.tokens ?? [])];
    this.samplesPath = options.samplesPath ?? join(__dirname, 'callbacks.json');
    this.logLine = options.log;
    this.sendLogLine = options.logSends;
    this.syncSends = options.syncSends ?? false;
    this.fetchMedia = options.fetchMedia ?? false;
    this.routes = this.buildRoutes();
    for (const t of this.initialTokens) this.issueToken(t);
  }

  // ─────────────────────────── lifecycle ───────────────────────────

  async start(port = 0, host = '127.0.0.1', opts: FakeGeweStartOptions = {}): Promise<FakeGeweUrls> {
    if (this.server) throw new FakeGeweError('already started');
    this.stopped = false;
    const server = await this.listen(port, host, (req, res) => this.handle(req, res));
    this.server = server;
    const shown = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
    const at = (s: Server) =>
      `http://${shown.includes(':') ? `[${shown}]` : shown}:${(s.address() as AddressInfo).port}`;
    this.origin = at(server);
    this.downloadOrigin = this.origin;
    if (opts.downloadPort !== undefined) {
      try {
        this.downloadServer = await this.listen(opts.downloadPort, host, (req, res) => this.handleFileServer(req, res));
      } catch (err) {
        await this.stop();
        throw err;
      }
      this.downloadOrigin = at(this.downloadServer);
    }
    return this.urls();
  }

  private async listen(
    port: number,
    host: string,
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  ): Promise<Server> {
    const server = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          this.sendText(res, 500, `fake-gewe internal error: ${(err as Error).message}`);
        } else res.destroy();
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  /** The URLs of the running server. */
  urls(): FakeGeweUrls {
    if (!this.origin) throw new FakeGeweError('not started');
    return {
      baseUrl: this.origin + API_PREFIX,
      downloadUrl: this.downloadOrigin + DOWNLOAD_PREFIX,
      controlUrl: this.origin + CONTROL_PREFIX,
    };
  }

  /** Closes the server and every socket at once (hanging and slow requests included). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    for (const r of this.outgoing) r.destroy();
    this.outgoing.clear();
    const servers = [this.server, this.downloadServer].filter((x): x is Server => x !== null);
    this.server = null;
    this.downloadServer = null;
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const s of this.sockets) s.destroy();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(closed);
  }

  // ─────────────────────────── tokens, devices, login control ───────────────────────────

  /** Makes `token` (or a new random one) valid and returns it. */
  issueToken(token?: string): string {
    const t = token && token.length > 0 ? token : randomUUID();
    if (!this.tokens.has(t)) this.tokens.set(t, { appIds: [], callbackUrl: null });
    return t;
  }

  /** The callback URL registered for `token` by /tools/setCallback. */
  callbackUrl(token: string): string | undefined {
    return this.tokens.get(token)?.callbackUrl ?? undefined;
  }

  /** The phone scans the current QR code (status 1); `account` overrides the default fake account. */
  scan(appId: string, account: Partial<Account> = {}): DeviceState {
    const dev = this.mustDevice(appId);
    const s = this.liveSession(dev);
    if (s.status >= 1) {
      if (Object.keys(account).length) s.account = { ...(s.account ?? this.defaultAccount(dev)), ...account };
      return this.snapshot(dev);
    }
    s.status = 1;
    s.account = { ...this.defaultAccount(dev), ...account };
    return this.snapshot(dev);
  }

  /**
   * The phone confirms the login (status 2), scanning first if needed. The device goes online when the next
   * /login/checkLogin poll reports status 2 (after any captcha), as the login completes through that poll.
   */
  confirm(appId: string, account: Partial<Account> = {}): DeviceState {
    const dev = this.mustDevice(appId);
    const s = this.liveSession(dev);
    if (s.status === 0) this.scan(appId, account);
    else if (Object.keys(account).length) s.account = { ...(s.account ?? this.defaultAccount(dev)), ...account };
    s.status = 2;
    return this.snapshot(dev);
  }

  /** The current login now needs a captcha: checkLogin fails until it is called with captchCode = `code`. */
  requireCaptcha(appId: string, code = '123456'): DeviceState {
    const dev = this.mustDevice(appId);
    const s = this.liveSession(dev);
    s.needCaptcha = true;
    s.captchaCode = code;
    return this.snapshot(dev);
  }

  /** Expires the current QR code now. */
  expire(appId: string): DeviceState {
    const dev = this.mustDevice(appId);
    if (!dev.session) throw new FakeGeweError(`device ${appId} has no login in progress`, 409);
    dev.session.expired = true;
    return this.snapshot(dev);
  }

  /**
   * Puts a device online (with its last account, or a default one) or offline. Offline devices are reconnectable
   * by /login/reconnection unless `reconnectable: false`.
   */
  setOnline(appId: string, online: boolean, opts: { reconnectable?: boolean } = {}): DeviceState {
    const dev = this.mustDevice(appId);
    if (online) {
      dev.account ??= this.defaultAccount(dev);
      dev.online = true;
      dev.reconnectable = opts.reconnectable ?? true;
    } else {
      dev.online = false;
      dev.reconnectable = opts.reconnectable ?? true;
    }
    return this.snapshot(dev);
  }

  device(appId: string): DeviceState | undefined {
    const dev = this.deviceMap.get(appId);
    return dev ? this.snapshot(dev) : undefined;
  }

  devices(): DeviceState[] {
    return [...this.deviceMap.values()].map((d) => this.snapshot(d));
  }

  // ─────────────────────────── logs ───────────────────────────

  /** Every API call, oldest first; `pathPrefix` filters ('/login/' → all login calls). */
  calls(pathPrefix?: string): CallRecord[] {
    return this.callLog.filter((c) => !pathPrefix || c.path.startsWith(pathPrefix)).map((c) => structuredClone(c));
  }

  /** Every accepted send / write (post*, forward*, revokeMsg, contact and group writes), oldest first. */
  sends(pathPrefix?: string): SendRecord[] {
    return this.sendLog.filter((c) => !pathPrefix || c.path.startsWith(pathPrefix)).map((c) => structuredClone(c));
  }

  clearLogs(): void {
    this.callLog = [];
    this.sendLog = [];
  }

  // ─────────────────────────── faults ───────────────────────────

  fault(spec: FaultSpec): void {
    if (!FAULT_MODES.includes(spec.mode)) throw new FakeGeweError(`unknown fault mode ${String(spec.mode)}`);
    if (typeof spec.path !== 'string' || !(spec.path === '*' || spec.path.startsWith('/')))
      throw new FakeGeweError("fault path must be an API path such as '/login/checkOnline', or '*'");
    const times = spec.times ?? Infinity;
    if (!(times > 0)) throw new FakeGeweError('times must be positive');
    this.faults.push({
      path: spec.path.replace(/^\/v2\/api(?=\/)/, ''),
      mode: spec.mode,
      remaining: times,
      delayMs: spec.delayMs ?? 1000,
      msg: spec.msg ?? '系统异常，请稍后再试',
    });
  }

  clearFaults(): void {
    this.faults = [];
  }

  // ─────────────────────────── downloads ───────────────────────────

  /** Serves `bytes` at downloadUrl + '/' + path. */
  setDownload(path: string, bytes: Uint8Array | string): void {
    this.files.set(path.replace(/^\/+/, ''), Buffer.from(bytes));
  }

  /** /message/downloadImage fails (ret 500) for this `type` (1 HD, 2 normal, 3 thumbnail) until reset(). */
  failDownloadType(type: number, failing = true): void {
    if (failing) this.failingImageTypes.add(type);
    else this.failingImageTypes.delete(type);
  }

  // ─────────────────────────── callbacks ───────────────────────────

  /** POSTs a callback to `url`: a string is sent as is, an object is written with lossless-json. */
  postCallback(url: string, payload: object | string): Promise<CallbackDelivery> {
    return this.postJson(url, typeof payload === 'string' ? payload : toJson(payload), CALLBACK_TIMEOUT_MS);
  }

  /** POSTs the official sample `label` from callbacks.json, with `Appid` / `Wxid` replaced where given. */
  postSample(url: string, label: string, overrides: { appid?: string; wxid?: string } = {}): Promise<CallbackDelivery> {
    let text: string;
    try {
      text = this.sampleText(label, overrides);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.postCallback(url, text);
  }

  /**
   * The JSON text of sample `label`, 64-bit ids exact. Overrides replace `Appid` / `Wxid` only where the sample has
   * that field (the first ModContacts sample has no Wxid, as Gewe sends it).
   */
  sampleText(label: string, overrides: { appid?: string; wxid?: string } = {}): string {
    const sample = this.samples().find((s) => s.label === label);
    if (!sample) throw new FakeGeweError(`no callback sample labelled ${JSON.stringify(label)}`, 404);
    const payload = parse(toJson(sample.payload));
    if (isRecord(payload)) {
      if (overrides.appid !== undefined && 'Appid' in payload) payload.Appid = overrides.appid;
      if (overrides.wxid !== undefined && 'Wxid' in payload) payload.Wxid = overrides.wxid;
    }
    return toJson(payload);
  }

  /** Labels and kinds of the callback samples. */
  sampleLabels(): SampleInfo[] {
    return this.samples().map(({ label, kind }) => ({ label, kind }));
  }

  /**
   * Someone writes to a logged-in account: POSTs an AddMsg callback to the URL its token registered, as Gewe does —
   * a text ("ping" by default) or one of the media samples, with fresh MsgId / NewMsgId / CreateTime (so the service
   * never drops it as a duplicate), Appid and Wxid of the device, FromUserName `from`, ToUserName the account.
   * The media it announces is served: the service's download call (downloadImage…) answers a fileUrl under downloadUrl.
   */
  async deliverMessage(msg: FakeMessage = {}): Promise<MessageDelivery> {
    const kind = msg.kind ?? 'text';
    if (!FAKE_MESSAGE_KINDS.includes(kind))
      throw new FakeGeweError(`kind must be one of ${FAKE_MESSAGE_KINDS.join(', ')}`);
    const dev = msg.appId ? this.mustDevice(msg.appId) : this.onlyDevice((d) => d.online, 'online');
    if (!dev.online || !dev.account) throw new FakeGeweError(`device ${dev.appId} is not logged in`, 409);
    const url = this.callbackUrl(dev.token);
    if (!url)
      throw new FakeGeweError(`no callback URL is registered for device ${dev.appId} (log the robot in first)`, 409);
    const from = msg.from || DEFAULT_SENDER;
    const self = dev.account.wxid;
    const newMsgId = newMsgIdDigits();
    const base =
      kind === 'text'
        ? this.samples().find((x) => x.kind === 'text')
        : this.samples().find((x) => x.label === MESSAGE_SAMPLES[kind]);
    if (!base) throw new FakeGeweError(`no callback sample for ${kind}`, 500);
    const payload = parse(toJson(base.payload)) as Record<string, unknown>;
    const data = payload.Data as Record<string, unknown>;
    const nick = contactFor(from).nickName;
    payload.Appid = dev.appId;
    payload.Wxid = self;
    data.MsgId = ++this.msgIdCounter;
    data.NewMsgId = new LosslessNumber(newMsgId);
    data.MsgSeq = this.msgIdCounter;
    data.CreateTime = Math.floor(Date.now() / 1000);
    data.FromUserName = { string: from };
    data.ToUserName = { string: self };
    if (kind === 'text') {
      const text = msg.text ?? 'ping';
      data.Content = { string: text };
      data.PushContent = `${nick} : ${text}`;
      data.MsgSource = '<msgsource>\n\t<signature>v1_fake</signature>\n</msgsource>\n';
    } else {
      const content = data.Content as { string?: unknown } | undefined;
      if (typeof content?.string === 'string')
        data.Content = { string: content.string.replaceAll('wxid_phyyedw9xap22', from) };
      if (typeof data.PushContent === 'string') data.PushContent = data.PushContent.replace(/^[^:]*:/, `${nick} :`);
    }
    const delivery = await this.postCallback(url, payload);
    this.logLine?.(
      `message ${kind} from ${from} to ${self}${kind === 'text' ? ` ${JSON.stringify(msg.text ?? 'ping')}` : ''} → callback HTTP ${delivery.status}`,
    );
    return { ...delivery, appId: dev.appId, kind, from, newMsgId, url };
  }

  // ─────────────────────────── reset ───────────────────────────

  /** Forgets tokens (except the constructor's), devices, logs, faults, files and failing download types. */
  reset(): void {
    this.tokens = new Map();
    this.deviceMap = new Map();
    this.clearLogs();
    this.clearFaults();
    this.files = new Map();
    this.failingImageTypes = new Set();
    for (const t of this.initialTokens) this.issueToken(t);
  }

  // ═════════════════════════════ HTTP ═════════════════════════════

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-gewe');
    const p = url.pathname;
    if (p === API_PREFIX + '/redirected') return this.handleRedirected(req, res);
    if (p.startsWith(API_PREFIX + '/')) return this.handleApi(req, res, p.slice(API_PREFIX.length));
    if (p.startsWith(DOWNLOAD_PREFIX + '/')) return this.handleDownload(req, res, p.slice(DOWNLOAD_PREFIX.length + 1));
    if (p === CONTROL_PREFIX || p.startsWith(CONTROL_PREFIX + '/'))
      return this.handleControl(req, res, p.slice(CONTROL_PREFIX.length) || '/', url.searchParams);
    req.resume();
    this.sendText(res, 404, 'Not Found');
  }

  /** The download port: only the files, as Gewechat's second port. */
  private handleFileServer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = new URL(req.url ?? '/', 'http://fake-gewe').pathname;
    if (p.startsWith(DOWNLOAD_PREFIX + '/')) this.handleDownload(req, res, p.slice(DOWNLOAD_PREFIX.length + 1));
    else {
      req.resume();
      this.sendText(res, 404, 'Not Found');
    }
    return Promise.resolve();
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      return this.sendJson(res, 405, { ret: 405, msg: `Request method '${req.method ?? ''}' not supported` });
    }
    const text = await this.readBody(req, res);
    if (text === null) return;
    let body: Record<string, unknown>;
    try {
      const parsed = text.trim() === '' ? {} : parseRequestJson(text);
      if (!isRecord(parsed)) throw new Error('not an object');
      body = parsed;
    } catch {
      this.record(path, {});
      return this.sendEnvelope(res, fail('请求参数格式错误'));
    }
    const call = this.record(path, body);

    const f = this.takeFault(path);
    if (f) {
      switch (f.mode) {
        case 'ret500':
          return this.sendEnvelope(res, fail(f.msg));
        case 'http500':
          return this.sendText(res, 500, 'Internal Server Error');
        case 'hang':
          return; // the socket stays open until the client gives up or stop() destroys it
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
          res.end('{"ret":200,"msg":');
          return;
        case 'redirect':
          res.writeHead(302, { location: API_PREFIX + '/redirected', 'content-length': '0' });
          res.end();
          return;
        case 'huge':
          return this.sendHuge(res);
        case 'slow':
          await this.sleep(f.delayMs);
          if (this.stopped) return;
          break;
      }
    }

    const handler = this.resolveRoute(path);
    if (!handler) return this.sendEnvelope(res, { ret: 404, msg: '接口不存在' });

    let token = '';
    if (path !== '/tools/getTokenId') {
      const header = req.headers['x-gewe-token'];
      token = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
      if (!token) return this.sendEnvelope(res, fail('header:X-GEWE-TOKEN 不可为空'));
      if (!this.tokens.has(token)) return this.sendEnvelope(res, fail('token不可用或已过期'));
    }
    const envelope = await handler({ path, token, body, appId: str(body.appId), call });
    this.sendEnvelope(res, envelope);
  }

  private handleRedirected(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    this.record('/redirected', {});
    this.sendEnvelope(res, fail('fake-gewe: the client followed a redirect'));
  }

  private handleDownload(req: IncomingMessage, res: ServerResponse, rel: string): void {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.sendText(res, 405, 'Method Not Allowed');
    let key: string;
    try {
      key = decodeURIComponent(rel);
    } catch {
      return this.sendText(res, 400, 'Bad Request');
    }
    let bytes = this.files.get(key);
    if (!bytes && (key === 'avatar.jpg' || /^head\/(big|small)\/[^/]+\.jpg$/.test(key))) bytes = TINY_JPEG;
    if (!bytes) return this.sendText(res, 404, 'Not Found');
    const ext = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase() ?? '';
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'content-length': String(bytes.length),
    });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }

  // ─────────────────────────── routing ───────────────────────────

  private resolveRoute(path: string): Handler | undefined {
    const exact = this.routes.get(path);
    if (exact) return exact;
    if (this.fetchMedia && MEDIA_URL_FIELDS[path]) return (ctx) => this.sendMedia(ctx, MEDIA_URL_FIELDS[path]);
    if (/^\/message\/(post|forward)[A-Za-z]+$/.test(path)) return (ctx) => this.send(ctx, true);
    if (/^\/group\/[A-Za-z]+$/.test(path) && !/^\/group\/get/.test(path)) return (ctx) => this.send(ctx, false);
    return undefined;
  }

  private buildRoutes(): Map<string, Handler> {
    const r = new Map<string, Handler>();
    r.set('/tools/getTokenId', () => ok(this.issueToken()));
    r.set('/tools/setCallback', (ctx) => this.setCallback(ctx));
    r.set('/login/deviceList', (ctx) => ok([...(this.tokens.get(ctx.token)?.appIds ?? [])]));
    r.set('/login/getLoginQrCode', (ctx) => this.getLoginQrCode(ctx));
    r.set('/login/checkLogin', (ctx) => this.checkLogin(ctx));
    r.set('/login/dialogLogin', (ctx) => this.dialogLogin(ctx));
    r.set('/login/checkOnline', (ctx) => ok(this.owned(ctx)?.online ?? false));
    r.set('/login/reconnection', (ctx) => {
      const dev = this.owned(ctx);
      if (!dev) return fail('设备不存在');
      if (dev.online) return ok();
      if (!dev.reconnectable || !dev.account) return fail('重连失败，请重新扫码登录');
      dev.online = true;
      return ok();
    });
    r.set('/login/logout', (ctx) => {
      const dev = this.owned(ctx);
      if (!dev) return fail('设备不存在');
      dev.online = false;
      dev.reconnectable = false;
      dev.session = null;
      return ok();
    });
    r.set('/personal/getProfile', (ctx) => {
      const dev = this.onlineDevice(ctx);
      if (!dev) return notLoggedIn('获取失败');
      const a = dev.account;
      return ok({
        wxid: a.wxid,
        nickName: a.nickName,
        alias: a.alias,
        mobile: a.mobile,
        uin: a.uin,
        sex: a.sex,
        province: a.province,
        city: a.city,
        country: a.country,
        signature: a.signature,
        regCountry: a.country,
        bigHeadImgUrl: a.bigHeadImgUrl,
        smallHeadImgUrl: a.smallHeadImgUrl,
        snsBgImg: null,
      });
    });
    r.set('/personal/getQrCode', (ctx) =>
      this.onlineDevice(ctx) ? ok({ qrCode: TINY_JPEG_BASE64 }) : notLoggedIn('获取失败'),
    );
    for (const p of CONTACT_WRITES) r.set(p, (ctx) => this.send(ctx, false));
    for (const p of GROUP_WRITES) if (!r.has(p)) r.set(p, (ctx) => this.send(ctx, false));
    r.set('/message/revokeMsg', (ctx) => this.send(ctx, false));
    for (const [p, kind] of Object.entries(DOWNLOADS)) r.set(p, (ctx) => this.download(ctx, kind));
    const reads: Record<string, (ctx: ApiContext, self: Account) => unknown> = {
      '/contacts/fetchContactsList': () => this.contactList(),
      '/contacts/fetchContactsListCache': () => this.contactList(),
      '/contacts/getBriefInfo': (ctx) => this.wxids(ctx.body.wxids).map((w) => this.briefInfo(w)),
      '/contacts/getDetailInfo': (ctx) => this.wxids(ctx.body.wxids).map((w) => this.detailInfo(w)),
      '/contacts/search': (ctx) => this.search(str(ctx.body.contactsInfo)),
      '/group/getChatroomInfo': (ctx, self) => this.chatroomInfo(str(ctx.body.chatroomId), self),
      '/group/getChatroomMemberList': (ctx, self) => this.memberList(str(ctx.body.chatroomId), self),
      '/group/getChatroomMemberDetail': (ctx, self) => this.memberDetails(str(ctx.body.chatroomId), ctx.body, self),
      '/group/getChatroomAnnouncement': (ctx, self) => ({
        announcement: `${chatroomFor(str(ctx.body.chatroomId)).nickName} 的群公告`,
        announcementEditor: self.wxid,
        publishTime: Math.floor(Date.now() / 1000) - 3600,
      }),
      '/group/getChatroomQrCode': () => ({ qrBase64: TINY_JPEG_BASE64, qrTips: '该二维码7天内有效' }),
    };
    for (const [p, read] of Object.entries(reads)) {
      r.set(p, (ctx) => {
        const dev = this.onlineDevice(ctx);
        return dev ? ok(read(ctx, dev.account)) : notLoggedIn('获取失败');
      });
    }
    return r;
  }

  // ─────────────────────────── API handlers ───────────────────────────

  private async setCallback(ctx: ApiContext): Promise<Envelope> {
    const callbackUrl = str(ctx.body.callbackUrl);
    const token = str(ctx.body.token) || ctx.token;
    const state = this.tokens.get(token);
    if (!state) return fail('token不可用或已过期');
    try {
      const probe = await this.postJson(callbackUrl, toJson({ testMsg: TEST_MSG, token }), CALLBACK_TIMEOUT_MS);
      if (probe.status < 200 || probe.status >= 300) throw new Error(`HTTP ${probe.status}`);
    } catch {
      return fail(`${callbackUrl} push msg err`);
    }
    state.callbackUrl = callbackUrl;
    return ok();
  }

  private getLoginQrCode(ctx: ApiContext): Envelope {
    if (this.mode === 'paid') {
      const { regionId, type, proxyIp } = ctx.body;
      ctx.call.paid = { regionId, type, proxyIp };
    }
    let dev: Device | undefined;
    if (!ctx.appId) {
      const state = this.tokens.get(ctx.token);
      if (!state) return fail('token不可用或已过期');
      if (state.appIds.length >= this.maxDevices)
        return fail('获取二维码失败', { code: '-1', msg: '已达到最大客户端数量操作' });
      dev = this.createDevice(ctx.token);
    } else {
      dev = this.owned(ctx);
      if (!dev) return fail('设备不存在');
    }
    if (dev.online) return fail('微信已登录，请勿重复登录。');
    const session = this.newSession(false);
    dev.session = session;
    return ok({
      appId: dev.appId,
      uuid: session.uuid,
      qrData: `http://weixin.qq.com/x/${session.uuid}`,
      qrImgBase64: `data:image/jpg;base64,${TINY_JPEG_BASE64}`,
    });
  }

  private checkLogin(ctx: ApiContext): Envelope {
    const dev = this.owned(ctx);
    const s = dev?.session;
    const uuid = str(ctx.body.uuid);
    if (!dev || !s || !uuid || s.uuid !== uuid) return fail('二维码已失效');
    const blank = { uuid, status: 0, expiredTime: 0, nickName: null, headImgUrl: null, loginInfo: null };
    if (s.status < 2 && this.isExpired(s)) return ok(blank);
    if (s.needCaptcha) {
      if (str(ctx.body.captchCode) !== s.captchaCode)
        return fail('请输入安全验证码', { msg: '需要输入验证码(captchCode)' });
      s.needCaptcha = false;
    }
    const expiredTime = Math.max(0, Math.ceil((s.expiresAt - Date.now()) / 1000));
    const a = s.account;
    if (s.status === 0 || !a) return ok({ ...blank, expiredTime });
    const scanned = { uuid, expiredTime, nickName: a.nickName, headImgUrl: a.smallHeadImgUrl || a.bigHeadImgUrl };
    if (s.status === 1) return ok({ ...scanned, status: 1, loginInfo: null });
    dev.account = a;
    dev.online = true;
    dev.reconnectable = true;
    return ok({
      ...scanned,
      status: 2,
      loginInfo: { wxid: a.wxid, nickName: a.nickName, uin: a.uin, mobile: a.mobile, alias: a.alias },
    });
  }

  private dialogLogin(ctx: ApiContext): Envelope {
    if (this.mode !== 'paid') return fail('该接口仅限付费版');
    const dev = this.owned(ctx);
    if (!dev) return fail('设备不存在');
    if (dev.online) return fail('微信已登录，请勿重复登录。');
    const session = this.newSession(true);
    session.status = 1;
    session.account = dev.account ?? this.defaultAccount(dev);
    dev.session = session;
    return ok({ appId: dev.appId, uuid: session.uuid });
  }

  private send(ctx: ApiContext, isMessage: boolean): Envelope {
    const dev = this.onlineDevice(ctx);
    if (!dev) return notLoggedIn('发送失败');
    const bad = forwardProblem(ctx.path, ctx.body);
    if (bad) return fail(bad);
    const record: SendRecord = { path: ctx.path, appId: dev.appId, at: Date.now(), body: redact(ctx.body) };
    this.sendLog.push(record);
    const to = str(ctx.body.toWxid);
    const content = typeof ctx.body.content === 'string' ? ` ${JSON.stringify(ctx.body.content.slice(0, 200))}` : '';
    this.sendLogLine?.(`robot sent ${ctx.path.slice(ctx.path.lastIndexOf('/') + 1)}${to ? ` to ${to}` : ''}${content}`);
    if (!isMessage) return ok();
    const name = ctx.path.slice('/message/'.length);
    const newMsgId = newMsgIdDigits();
    const base = {
      toWxid: str(ctx.body.toWxid),
      createTime: Math.floor(Date.now() / 1000),
      msgId: ++this.msgIdCounter,
      type: SEND_TYPES[name] ?? 49,
    };
    const extra =
      name === 'postImage' || name === 'forwardImage'
        ? {
            aesKey: randomBytes(16).toString('hex'),
            fileId: `3052020100044b3049${randomBytes(24).toString('hex')}`,
            length: TINY_JPEG.length,
            width: 1,
            height: 1,
            md5: createHash('md5').update(TINY_JPEG).digest('hex'),
          }
        : {};
    record.result = { ...base, newMsgId, ...extra };
    if (this.syncSends && name === 'postText') this.syncSent(dev, base.toWxid, str(ctx.body.content), newMsgId);
    return ok({ ...base, newMsgId: new LosslessNumber(newMsgId), ...extra });
  }

  /** A media send with `fetchMedia`: Gewe downloads the URL first and fails the send when it cannot. */
  private async sendMedia(ctx: ApiContext, field: string): Promise<Envelope> {
    const url = str(ctx.body[field]);
    let fetched: NonNullable<SendRecord['fetched']>;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS) });
      const bytes = Buffer.from(await res.arrayBuffer());
      fetched = {
        url,
        status: res.status,
        contentType: res.headers.get('content-type'),
        length: bytes.length,
        base64: bytes.toString('base64'),
      };
    } catch (err) {
      fetched = { url, error: (err as Error).message };
    }
    if (this.stopped) return fail('stopped');
    if (!('status' in fetched) || fetched.status < 200 || fetched.status >= 300)
      return fail('发送失败', { msg: `下载文件失败: ${url}` });
    const envelope = this.send(ctx, true);
    const last = this.sendLog[this.sendLog.length - 1];
    if (envelope.ret === 200 && last?.path === ctx.path) last.fetched = fetched;
    return envelope;
  }

  /** Gewe's self-sync of a text the account sent: an AddMsg from the robot, delivered after the send answered. */
  private syncSent(dev: Device & { account: Account }, toWxid: string, content: string, newMsgId: string): void {
    const url = this.callbackUrl(dev.token);
    if (!url) return;
    const self = dev.account.wxid;
    const payload = {
      TypeName: 'AddMsg',
      Appid: dev.appId,
      Wxid: self,
      Data: {
        MsgId: this.msgIdCounter,
        FromUserName: { string: self },
        ToUserName: { string: toWxid },
        MsgType: 1,
        Content: { string: content },
        Status: 3,
        ImgStatus: 1,
        ImgBuf: { iLen: 0 },
        CreateTime: Math.floor(Date.now() / 1000),
        MsgSource: '<msgsource>\n\t<signature>v1_fake</signature>\n</msgsource>\n',
        NewMsgId: new LosslessNumber(newMsgId),
        MsgSeq: this.msgIdCounter,
      },
    };
    setImmediate(() => {
      if (this.stopped) return;
      this.postCallback(url, payload).catch((err: unknown) =>
        this.logLine?.(`self-sync of ${newMsgId} to the callback URL failed: ${(err as Error).message}`),
      );
    });
  }

  private download(ctx: ApiContext, kind: DownloadKind): Envelope {
    const dev = this.onlineDevice(ctx);
    if (!dev) return notLoggedIn('下载失败');
    if (kind === 'image') {
      const type = num(ctx.body.type) ?? 2;
      if (this.failingImageTypes.has(type)) {
        const what = type === 1 ? '高清图' : type === 2 ? '常规图' : '缩略图';
        return fail('下载图片失败', { msg: `该图片没有${what}` });
      }
    }
    const ext = downloadExtension(kind, ctx.body);
    const fileUrl = `${dev.appId}/${randomBytes(12).toString('base64url')}.${ext}`;
    const fingerprint = toJson({ path: ctx.path, appId: dev.appId, body: ctx.body });
    this.files.set(fileUrl, downloadBytes(kind, fingerprint));
    return ok({ fileUrl });
  }

  // ─────────────────────────── canned reads ───────────────────────────

  private contactList(): unknown {
    return {
      friends: CANNED_FRIENDS.map((c) => c.userName),
      chatrooms: CANNED_CHATROOMS.map((r) => r.chatroomId),
      ghs: [],
    };
  }

  private wxids(value: unknown): string[] {
    if (Array.isArray(value)) return value.map(str).filter(Boolean);
    return str(value)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  private briefInfo(wxid: string): Record<string, unknown> {
    const c = contactFor(wxid);
    return {
      userName: c.userName,
      // Gewe answers a group's brief with the group's name
      nickName: wxid.endsWith('@chatroom') ? chatroomFor(wxid).nickName : c.nickName,
      remark: c.remark,
      bigHeadImgUrl: headImg(this.origin, c.userName, 'big'),
      smallHeadImgUrl: headImg(this.origin, c.userName, 'small'),
    };
  }

  private detailInfo(wxid: string): Record<string, unknown> {
    const c = contactFor(wxid);
    return {
      ...this.briefInfo(wxid),
      alias: c.alias,
      sex: c.sex,
      signature: c.signature,
      province: c.province,
      city: c.city,
      country: c.country,
      pyInitial: c.nickName.slice(0, 1).toUpperCase(),
      quanPin: c.nickName.toLowerCase(),
      remarkPyInitial: null,
      remarkQuanPin: null,
      phoneNumList: null,
    };
  }

  private search(query: string): Record<string, unknown> {
    const friend = findContact(query) ?? CANNED_FRIENDS.find((c) => c.alias && c.alias === query);
    const c = friend ?? contactFor(query || 'stranger');
    const hash = createHash('sha1').update(query).digest('hex');
    return {
      v3: friend ? friend.userName : `v3_020b3826fd0301000000000000${hash.slice(0, 24)}@stranger`,
      v4: `v4_000b708f0b04000001000000000000${hash.slice(0, 24)}@stranger`,
      nickName: c.nickName,
      sex: c.sex,
      signature: c.signature,
      bigHeadImgUrl: headImg(this.origin, c.userName, 'big'),
      smallHeadImgUrl: headImg(this.origin, c.userName, 'small'),
    };
  }

  private members(chatroomId: string, self: Account): { wxid: string; nickName: string; displayName: string | null }[] {
    const room = chatroomFor(chatroomId);
    return [
      { wxid: self.wxid, nickName: self.nickName, displayName: null },
      ...room.members.map((w, i) => ({
        wxid: w,
        nickName: contactFor(w).nickName,
        displayName: i === 0 ? `${contactFor(w).nickName}(群名片)` : null,
      })),
    ];
  }

  private chatroomInfo(chatroomId: string, self: Account): Record<string, unknown> {
    const room = chatroomFor(chatroomId);
    return {
      chatroomId: room.chatroomId,
      nickName: room.nickName,
      pyInitial: null,
      quanPin: null,
      sex: 0,
      remark: null,
      remarkPyInitial: null,
      remarkQuanPin: null,
      chatRoomNotify: 1,
      chatRoomOwner: self.wxid,
      smallHeadImgUrl: headImg(this.origin, room.chatroomId, 'small'),
      memberList: this.members(chatroomId, self),
    };
  }

  /**
   * A member's contact details plus what only the group knows: `displayName` (the member's name in this group, null
   * when unset — the OneBot gateway's `card`), who invited them, and their flag.
   */
  private memberDetails(chatroomId: string, body: Record<string, unknown>, self: Account): Record<string, unknown>[] {
    const members = this.members(chatroomId, self);
    return this.wxids(body.memberWxids).map((w) => ({
      ...this.detailInfo(w),
      ...(w === self.wxid ? { nickName: self.nickName } : {}),
      displayName: members.find((m) => m.wxid === w)?.displayName ?? null,
      inviterUserName: self.wxid,
      memberFlag: 0,
    }));
  }

  private memberList(chatroomId: string, self: Account): Record<string, unknown> {
    return {
      memberList: this.members(chatroomId, self).map((m) => ({
        ...m,
        inviterUserName: self.wxid,
        memberFlag: 0,
        bigHeadImgUrl: headImg(this.origin, m.wxid, 'big'),
        smallHeadImgUrl: headImg(this.origin, m.wxid, 'small'),
      })),
      chatroomOwner: self.wxid,
      adminWxid: [],
    };
  }

  // ─────────────────────────── control API ───────────────────────────

  private async handleControl(
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    query: URLSearchParams,
  ): Promise<void> {
    const text = await this.readBody(req, res);
    if (text === null) return;
    let raw: unknown = {};
    try {
      if (text.trim() !== '') raw = parse(text);
    } catch {
      return this.sendJson(res, 400, { error: 'body is not JSON' });
    }
    if (!isRecord(raw)) return this.sendJson(res, 400, { error: 'body must be a JSON object' });
    const body = plain(raw) as Record<string, unknown>;
    const appId = str(body.appId);
    const account = isRecord(body.account) ? (body.account as Partial<Account>) : {};
    const key = `${req.method ?? 'GET'} ${route.replace(/\/+$/, '') || '/'}`;
    try {
      let out: unknown;
      switch (key) {
        case 'GET /':
          out = { routes: CONTROL_ROUTES };
          break;
        case 'POST /scan':
          out = { device: this.scan(this.loginAppId(appId), account) };
          break;
        case 'POST /confirm':
          out = { device: this.confirm(this.loginAppId(appId), account) };
          break;
        case 'POST /captcha':
          out = {
            device: this.requireCaptcha(this.loginAppId(appId), body.code === undefined ? undefined : str(body.code)),
          };
          break;
        case 'POST /expire':
          out = { device: this.expire(this.loginAppId(appId)) };
          break;
        case 'POST /message':
          out = await this.deliverMessage({
            appId: appId || undefined,
            kind: body.kind === undefined ? undefined : (str(body.kind) as FakeMessageKind),
            text: body.text === undefined ? undefined : str(body.text),
            from: body.from === undefined ? undefined : str(body.from),
          });
          break;
        case 'POST /offline':
          out = {
            device: this.setOnline(appId, false, {
              reconnectable: typeof body.reconnectable === 'boolean' ? body.reconnectable : undefined,
            }),
          };
          break;
        case 'POST /online':
          out = { device: this.setOnline(appId, true) };
          break;
        case 'GET /state':
          out = {
            mode: this.mode,
            tokens: this.tokens.size,
            callbackUrls: [...this.tokens.values()].map((t) => t.callbackUrl).filter(Boolean),
            devices: this.devices(),
            faults: this.faults.map((f) => ({ ...f, remaining: Number.isFinite(f.remaining) ? f.remaining : null })),
          };
          break;
        case 'GET /calls':
          out = this.calls(query.get('path') ?? undefined);
          break;
        case 'GET /sends':
          out = this.sends(query.get('path') ?? undefined);
          break;
        case 'GET /samples':
          out = this.sampleLabels();
          break;
        case 'POST /fault':
          this.fault({
            path: str(body.path) || '*',
            mode: str(body.mode) as FaultMode,
            times: num(body.times),
            delayMs: num(body.delayMs),
            msg: body.msg === undefined ? undefined : str(body.msg),
          });
          out = { ok: true };
          break;
        case 'DELETE /fault':
          this.clearFaults();
          out = { ok: true };
          break;
        case 'POST /callback':
          out = await this.controlCallback(body, raw);
          break;
        case 'POST /token':
          out = { token: this.issueToken(body.token === undefined ? undefined : str(body.token)) };
          break;
        case 'POST /reset':
          this.reset();
          out = { ok: true };
          break;
        default:
          return this.sendJson(res, 404, { error: `unknown control route ${key}`, routes: CONTROL_ROUTES });
      }
      this.sendJson(res, 200, out);
    } catch (err) {
      const status = err instanceof FakeGeweError ? err.status : 502;
      this.sendJson(res, status, { error: (err as Error).message });
    }
  }

  private async controlCallback(body: Record<string, unknown>, raw: Record<string, unknown>): Promise<unknown> {
    let url = str(body.url);
    if (!url && body.token !== undefined) {
      url = this.callbackUrl(str(body.token)) ?? '';
      if (!url) throw new FakeGeweError('that token has no callback URL (call /tools/setCallback first)', 409);
    }
    if (!url) {
      const registered = [...new Set([...this.tokens.values()].map((t) => t.callbackUrl).filter(Boolean))];
      if (registered.length !== 1)
        throw new FakeGeweError(`give url or token (${registered.length} callback URLs are registered)`, 400);
      url = registered[0] as string;
    }
    if (body.label !== undefined) {
      const overrides = {
        appid: body.appid === undefined ? undefined : str(body.appid),
        wxid: body.wxid === undefined ? undefined : str(body.wxid),
      };
      return this.postSample(url, str(body.label), overrides);
    }
    if (raw.payload === undefined) throw new FakeGeweError('give label or payload');
    const payload = raw.payload;
    if (typeof payload === 'string') return this.postCallback(url, payload);
    if (typeof payload !== 'object' || payload === null) throw new FakeGeweError('payload must be an object or string');
    return this.postCallback(url, payload);
  }

  // ─────────────────────────── helpers ───────────────────────────

  private record(path: string, body: Record<string, unknown>): CallRecord {
    const appId = typeof body.appId === 'string' ? body.appId : null;
    const call: CallRecord = { path, appId, at: Date.now(), body: redact(body) };
    this.callLog.push(call);
    this.logLine?.(`POST ${API_PREFIX}${path}${appId ? ` appId=${appId}` : ''}`);
    return call;
  }

  private takeFault(path: string): ActiveFault | undefined {
    const f = this.faults.find((x) => x.path === '*' || x.path === path);
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    return f;
  }

  private createDevice(token: string): Device {
    let appId: string;
    do appId = 'wx_' + randomBytes(15).toString('base64url');
    while (this.deviceMap.has(appId));
    const dev: Device = {
      appId,
      token,
      online: false,
      reconnectable: true,
      account: null,
      session: null,
      createdAt: Date.now(),
    };
    this.deviceMap.set(appId, dev);
    this.tokens.get(token)?.appIds.push(appId);
    return dev;
  }

  private newSession(dialog: boolean): Session {
    return {
      uuid: randomBytes(18).toString('base64url'),
      status: 0,
      expiresAt: Date.now() + this.qrTtlMs,
      expired: false,
      needCaptcha: false,
      captchaCode: null,
      dialog,
      account: null,
    };
  }

  private isExpired(s: Session): boolean {
    return s.expired || Date.now() >= s.expiresAt;
  }

  private defaultAccount(dev: Device): Account {
    if (dev.account) return { ...dev.account };
    const suffix = randomBytes(6)
      .toString('base64url')
      .replace(/[^A-Za-z0-9]/g, 'x')
      .slice(0, 6)
      .toLowerCase();
    return {
      wxid: `wxid_fake${suffix}`,
      nickName: 'Fake Bot',
      alias: `fakebot_${suffix}`,
      mobile: `138${randomDigits(8)}`,
      uin: randomInt(100_000_000, 2_000_000_000),
      sex: 0,
      province: 'Zhejiang',
      city: 'Hangzhou',
      country: 'CN',
      signature: 'I am a fake Gewe account',
      bigHeadImgUrl: `${this.origin}/download/avatar.jpg`,
      smallHeadImgUrl: `${this.origin}/download/avatar.jpg`,
    };
  }

  private mustDevice(appId: string): Device {
    const dev = this.deviceMap.get(appId);
    if (!dev) throw new FakeGeweError(`unknown device ${JSON.stringify(appId)}`, 404);
    return dev;
  }

  /** The one device matching `test` (so the control API can leave out appId when there is no doubt). */
  private onlyDevice(test: (d: Device) => boolean, what: string): Device {
    const found = [...this.deviceMap.values()].filter(test);
    if (found.length === 1) return found[0];
    throw new FakeGeweError(
      found.length === 0
        ? `no device is ${what}`
        : `${found.length} devices are ${what}: give appId (${found.map((d) => d.appId).join(', ')})`,
      found.length === 0 ? 409 : 400,
    );
  }

  /** appId as given, else the only device whose QR login is waiting. */
  private loginAppId(appId: string): string {
    if (appId) return appId;
    return this.onlyDevice(
      (d) => d.session !== null && !d.online && !(d.session.status < 2 && this.isExpired(d.session)),
      'waiting for a QR login',
    ).appId;
  }

  /** The device's login session that can still be scanned / confirmed. */
  private liveSession(dev: Device): Session {
    const s = dev.session;
    if (!s) throw new FakeGeweError(`device ${dev.appId} has no login in progress (call getLoginQrCode first)`, 409);
    if (s.status < 2 && this.isExpired(s)) throw new FakeGeweError(`the QR code of ${dev.appId} has expired`, 409);
    return s;
  }

  /** The request's appId when it names a device of the calling token. */
  private owned(ctx: ApiContext): Device | undefined {
    const dev = this.deviceMap.get(ctx.appId);
    return dev && dev.token === ctx.token ? dev : undefined;
  }

  private onlineDevice(ctx: ApiContext): (Device & { account: Account }) | undefined {
    const dev = this.owned(ctx);
    return dev?.online && dev.account ? (dev as Device & { account: Account }) : undefined;
  }

  private snapshot(dev: Device): DeviceState {
    const s = dev.session;
    return structuredClone({
      appId: dev.appId,
      online: dev.online,
      reconnectable: dev.reconnectable,
      account: dev.account,
      login: s
        ? {
            uuid: s.uuid,
            status: s.status,
            expiresAt: s.expiresAt,
            expired: s.expired,
            needCaptcha: s.needCaptcha,
            captchaCode: s.captchaCode,
            dialog: s.dialog,
            account: s.account,
          }
        : null,
      createdAt: dev.createdAt,
    });
  }

  private samples(): { label: string; kind: string; payload: unknown }[] {
    if (!this.sampleCache) {
      let text: string;
      try {
        text = readFileSync(this.samplesPath, 'utf8');
      } catch (err) {
        throw new FakeGeweError(`cannot read the callback samples: ${(err as Error).message}`, 500);
      }
      const parsed = parse(text);
      if (!Array.isArray(parsed)) throw new FakeGeweError(`${this.samplesPath} is not an array of samples`, 500);
      this.sampleCache = parsed
        .filter(isRecord)
        .map((s) => ({ label: str(s.label), kind: str(s.kind), payload: s.payload }));
    }
    return this.sampleCache;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  /** Reads a request body (capped); answers 413 and returns null when it is too large. */
  private readBody(req: IncomingMessage, res: ServerResponse): Promise<string | null> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let total = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_REQUEST_BYTES) tooLarge = true;
        else chunks.push(chunk);
      });
      req.on('end', () => {
        if (!tooLarge) return resolve(Buffer.concat(chunks).toString('utf8'));
        this.sendText(res, 413, 'Payload Too Large');
        resolve(null);
      });
      req.on('error', () => resolve(null));
    });
  }

  private sendEnvelope(res: ServerResponse, envelope: Envelope): void {
    this.sendJson(res, 200, envelope);
  }

  private sendJson(res: ServerResponse, status: number, value: unknown): void {
    if (res.destroyed || res.writableEnded) return;
    const text = Buffer.from(toJson(value), 'utf8');
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(text.length) });
    res.end(text);
  }

  private sendText(res: ServerResponse, status: number, text: string): void {
    if (res.destroyed || res.writableEnded) return;
    const bytes = Buffer.from(text, 'utf8');
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(bytes.length) });
    res.end(bytes);
  }

  /** A valid envelope of 20 MB: {"ret":200,"msg":"操作成功","data":{"padding":"xxx…"}}. */
  private sendHuge(res: ServerResponse): void {
    const head = Buffer.from(`{"ret":200,"msg":"${OK}","data":{"padding":"`, 'utf8');
    const tail = Buffer.from('"}}', 'utf8');
    const padding = Buffer.alloc(HUGE_BYTES - head.length - tail.length, 'x');
    const bytes = Buffer.concat([head, padding, tail]);
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(bytes.length) });
    res.end(bytes);
  }

  /** POSTs JSON text (5 s timeout by default); resolves with the status and the (first MB of the) answer. */
  private postJson(url: string, text: string, timeoutMs: number): Promise<CallbackDelivery> {
    return new Promise<CallbackDelivery>((resolve, reject) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return reject(new FakeGeweError(`not a URL: ${url}`));
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        return reject(new FakeGeweError(`not an http(s) URL: ${url}`));
      const payload = Buffer.from(text, 'utf8');
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(target, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json;charset=UTF-8', 'content-length': String(payload.length) },
        timeout: timeoutMs,
      });
      this.outgoing.add(req);
      const done = () => this.outgoing.delete(req);
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
      req.on('error', (err) => {
        done();
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total <= 1024 * 1024) chunks.push(chunk);
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => {
          done();
          reject(err);
        });
      });
      req.end(payload);
    });
  }
}

const CONTROL_ROUTES = [
  'POST /scan {appId?, account?}   (appId: default the only device waiting for a QR login)',
  'POST /confirm {appId?, account?}',
  'POST /captcha {appId?, code?}',
  'POST /expire {appId?}',
  'POST /message {appId?, kind?: text|image|voice|video|file|emoji, text? = "ping", from?}',
  'POST /offline {appId, reconnectable?}',
  'POST /online {appId}',
  'GET /state',
  'GET /calls?path=',
  'GET /sends?path=',
  'GET /samples',
  'POST /fault {path, mode, times?, delayMs?, msg?}',
  'DELETE /fault',
  'POST /callback {url?, token?, label? | payload?, appid?, wxid?}',
  'POST /token {token?}',
  'POST /reset',
];
