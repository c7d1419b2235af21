/**
 * What the OneBot e2e suites share: turning a robot's OneBot on, an API token for it, the group @-message callback,
 * and a raw OneBot v11 WebSocket client (events collected, actions answered by `echo`).
 */
import WebSocket from 'ws';
import { bearer, TestApp } from './test-app';
import { waitFor } from './wait';

export interface OneBotSettingsView {
  robotId: number;
  enabled: boolean;
  idMode: 'alias' | 'string';
  forwardWs: boolean;
  wsPath: string;
  selfId: number | string | null;
  [k: string]: unknown;
}

/** PUT /api/robots/{id}/onebot: answers the settings (selfId is the robot's alias once it has a wxid). */
export async function setOneBot(t: TestApp, admin: string, robotId: number, body: object): Promise<OneBotSettingsView> {
  const res = await t.http().put(`/api/robots/${robotId}/onebot`).set(bearer(admin)).send(body);
  if (res.status !== 200) throw new Error(`PUT onebot of robot ${robotId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as OneBotSettingsView;
}

/** An API token with the `onebot` scope, limited to `robotIds` when given. */
export async function oneBotToken(t: TestApp, admin: string, name: string, robotIds?: number[]): Promise<string> {
  const res = await t
    .http()
    .post('/api/admin/tokens')
    .set(bearer(admin))
    .send({ name, scopes: ['onebot'], ...(robotIds ? { robotIds } : {}) });
  if (res.status !== 201) throw new Error(`token ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/** The robot's forward WebSocket URL on the listening app. */
export function forwardUrl(t: TestApp, robotId: number, suffix = ''): string {
  const port = (t.app.getHttpServer().address() as { port: number }).port;
  return `ws://127.0.0.1:${port}/onebot/v11/${robotId}${suffix}`;
}

/** POST /onebot/v11/{id}/{action} (the HTTP API) with the token. */
export async function httpAction(
  t: TestApp,
  token: string,
  robotId: number,
  action: string,
  params: object = {},
): Promise<ActionAnswer> {
  const res = await t.http().post(`/onebot/v11/${robotId}/${action}`).set(bearer(token)).send(params);
  if (res.status !== 200) throw new Error(`HTTP API ${action}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ActionAnswer;
}

let seq = 0;

/** A NewMsgId no other callback of this process used (19 digits, above 2^53 like Gewe's). */
export function newMsgId(): string {
  return `${8_100_000_000_000_000_000n + BigInt(process.pid) * 1_000_000n + BigInt(++seq)}`;
}

/**
 * A group text as Gewe posts it (the official text sample's shape): from the chatroom, the sender's wxid before
 * `:\n`, and `MsgSource` `<atuserlist>` naming `atWxids` (the robot's wxid: an @ of the robot).
 */
export function groupTextCallback(o: {
  appId: string;
  robotWxid: string;
  chatroom: string;
  from: string;
  text: string;
  atWxids?: string[];
  newMsgId?: string;
}): string {
  const ats = o.atWxids?.length ? `\n\t<atuserlist><![CDATA[,${o.atWxids.join(',')}]]></atuserlist>` : '';
  const source = `<msgsource>${ats}\n\t<silence>0</silence>\n\t<membercount>3</membercount>\n\t<signature>v1_fake</signature>\n</msgsource>\n`;
  const id = o.newMsgId ?? newMsgId();
  return (
    `{"TypeName":"AddMsg","Appid":${JSON.stringify(o.appId)},"Wxid":${JSON.stringify(o.robotWxid)},"Data":{` +
    `"MsgId":${1_040_000_000 + seq},"FromUserName":{"string":${JSON.stringify(o.chatroom)}},` +
    `"ToUserName":{"string":${JSON.stringify(o.robotWxid)}},"MsgType":1,` +
    `"Content":{"string":${JSON.stringify(`${o.from}:\n${o.text}`)}},"Status":3,"ImgStatus":1,"ImgBuf":{"iLen":0},` +
    `"CreateTime":${Math.floor(Date.now() / 1000)},"MsgSource":${JSON.stringify(source)},` +
    `"PushContent":${JSON.stringify(`${o.from} 在群聊中@了你`)},"NewMsgId":${id},"MsgSeq":${640_000_000 + seq}}}`
  );
}

/** POSTs a callback body to the app's webhook with the robot's key; resolves with the HTTP status. */
export async function postCallback(t: TestApp, key: string, body: string): Promise<number> {
  const res = await t
    .http()
    .post(`/api/webhook?key=${encodeURIComponent(key)}`)
    .set('Content-Type', 'application/json')
    .send(body);
  return res.status;
}

export interface ActionAnswer {
  status: 'ok' | 'async' | 'failed';
  retcode: number;
  data: unknown;
  echo?: unknown;
  message?: string;
  wording?: string;
}

export type OneBotEventJson = Record<string, unknown> & { post_type: string; self_id: unknown };

/** A raw OneBot v11 client over one WebSocket: what the standard says, nothing a framework adds. */
export class RawOneBotClient {
  readonly events: OneBotEventJson[] = [];
  readonly answers: ActionAnswer[] = [];
  closed: { code: number; reason: string } | null = null;
  private echo = 0;
  private pending = new Map<string, (a: ActionAnswer) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      const msg = JSON.parse(raw.toString()) as Record<string, unknown>;
      if ('post_type' in msg) {
        this.events.push(msg as OneBotEventJson);
        return;
      }
      const answer = msg as unknown as ActionAnswer;
      this.answers.push(answer);
      const key = JSON.stringify(answer.echo);
      this.pending.get(key)?.(answer);
      this.pending.delete(key);
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  /** Opens the socket; rejects with the handshake's HTTP status (`status`) or close code when it is refused. */
  static connect(url: string, token?: string, via: 'header' | 'query' = 'header'): Promise<RawOneBotClient> {
    const target = token && via === 'query' ? `${url}?access_token=${encodeURIComponent(token)}` : url;
    const ws = new WebSocket(target, {
      headers: token && via === 'header' ? { Authorization: `Bearer ${token}` } : {},
    });
    const client = new RawOneBotClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode })),
      );
      ws.once('close', (code) => reject(Object.assign(new Error(`closed: ${code}`), { code })));
      ws.once('error', (e) => reject(e));
    });
  }

  /** Calls an action and resolves with its answer (matched by echo). */
  call(action: string, params: Record<string, unknown> = {}, echo?: unknown): Promise<ActionAnswer> {
    const e = echo ?? `e${++this.echo}`;
    return new Promise((resolve) => {
      this.pending.set(JSON.stringify(e), resolve);
      this.ws.send(JSON.stringify({ action, params, echo: e }));
    });
  }

  waitEvent(match: (e: OneBotEventJson) => boolean, what = 'an event'): Promise<OneBotEventJson> {
    return waitFor(() => this.events.find(match), 30_000, what);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Every `…_id` field of an event (nested objects too), with its path: the values OneBot declares integers. */
export function idFields(value: unknown, path = ''): { path: string; value: unknown }[] {
  if (!value || typeof value !== 'object') return [];
  const out: { path: string; value: unknown }[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    if (/_id$/.test(k)) out.push({ path: p, value: v });
    else if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...idFields(v, p));
  }
  return out;
}
