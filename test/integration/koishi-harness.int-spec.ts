/**
 * The Koishi harness (test/support/koishi.ts) against a minimal OneBot v11 implementation written here: it proves a
 * real Koishi runs under jest, in both directions, receives a group message in a middleware, answers it with
 * send_group_msg, and stops cleanly — so the gateway's Koishi e2e suite fails only for the gateway's reasons.
 */
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { h, KoishiClient, startKoishi } from '../support/koishi';
import { waitFor } from '../support/wait';

const SELF = 10001;

interface Call {
  action: string;
  params: Record<string, unknown>;
  echo: unknown;
}

/** A OneBot implementation for one socket: answers what Koishi asks on connect, records every action. */
function serve(ws: WebSocket, calls: Call[]): void {
  ws.on('message', (raw: Buffer) => {
    const call = JSON.parse(raw.toString()) as Call;
    calls.push(call);
    const ok = (data: unknown) => ws.send(JSON.stringify({ status: 'ok', retcode: 0, data, echo: call.echo }));
    if (call.action === 'get_login_info') ok({ user_id: SELF, nickname: '机器人' });
    else if (call.action === 'send_group_msg') ok({ message_id: 700 + calls.length });
    else ws.send(JSON.stringify({ status: 'failed', retcode: 1404, data: null, echo: call.echo }));
  });
}

const groupMessage = () => ({
  time: Math.floor(Date.now() / 1000),
  self_id: SELF,
  post_type: 'message',
  message_type: 'group',
  sub_type: 'normal',
  message_id: 5,
  group_id: 200,
  user_id: 300,
  message: [
    { type: 'at', data: { qq: String(SELF) } },
    { type: 'text', data: { text: ' ping' } },
  ],
  raw_message: `[CQ:at,qq=${SELF}] ping`,
  font: 0,
  sender: { user_id: 300, nickname: '张三', card: '' },
});

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==';
const answer = (m: { userId: string }) => [h.at(m.userId), ' pong', h.image(PNG)];

function expectAnswered(calls: Call[]) {
  // the probes Koishi makes on connect
  expect(calls.map((c) => c.action)).toEqual(expect.arrayContaining(['get_login_info', 'get_guild_service_profile']));
  const send = calls.find((c) => c.action === 'send_group_msg')!;
  expect(send.params.group_id).toBe(200);
  expect(send.params.message).toEqual([
    { type: 'at', data: { qq: '300' } },
    { type: 'text', data: { text: ' pong' } },
    { type: 'image', data: { file: `base64://${PNG.slice(PNG.indexOf(',') + 1)}`, cache: 0 } },
  ]);
}

describe('Koishi harness against a minimal OneBot implementation', () => {
  let koishi: KoishiClient | undefined;
  let wss: WebSocketServer | undefined;
  const sockets: WebSocket[] = [];

  afterEach(async () => {
    await koishi?.stop();
    koishi = undefined;
    for (const s of sockets.splice(0)) s.terminate();
    await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
    wss = undefined;
  });

  it('forward (ws): Koishi dials us with the token, sees the @-message in a middleware and answers with send_group_msg', async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss!.once('listening', r));
    const calls: Call[] = [];
    const headers: Record<string, string | string[] | undefined>[] = [];
    wss.on('connection', (ws, req) => {
      sockets.push(ws);
      headers.push(req.headers);
      serve(ws, calls);
    });
    const port = (wss.address() as AddressInfo).port;
    koishi = await startKoishi({
      protocol: 'ws',
      endpoint: `ws://127.0.0.1:${port}/onebot/v11/1`,
      token: 'tok-1',
      selfId: String(SELF),
      reply: answer,
    });
    await koishi.waitOnline();
    expect(headers[0].authorization).toBe('Bearer tok-1');
    expect(koishi.bot().user.name).toBe('机器人');

    sockets[0].send(JSON.stringify(groupMessage()));
    const m = await koishi.waitMessage();
    expect(m).toMatchObject({ selfId: '10001', userId: '300', guildId: '200', channelId: '200', isDirect: false });
    expect(m.atSelf).toBe(true);
    expect(m.ats).toEqual(['10001']);
    expect(m.content).toContain('ping');
    expect(m.onebot.message_id).toBe(5);

    const reply = await koishi.waitReply();
    expect(reply.error).toBeNull();
    // a notice becomes a session of Koishi's own type
    sockets[0].send(
      JSON.stringify({
        time: 1,
        self_id: SELF,
        post_type: 'notice',
        notice_type: 'group_decrease',
        sub_type: 'kick',
        group_id: 200,
        user_id: 301,
        operator_id: SELF,
      }),
    );
    const notice = await koishi.waitSession((x) => x.type.startsWith('guild-member'));
    expect(notice).toMatchObject({ type: 'guild-member-removed', guildId: '200', userId: '301', operatorId: '10001' });
    expect(reply.ids).toEqual([String(700 + calls.findIndex((c) => c.action === 'send_group_msg') + 1)]);
    expectAnswered(calls);
  });

  it('reverse (ws-reverse): we dial Koishi with X-Self-ID and X-Client-Role Universal; the same round trip', async () => {
    koishi = await startKoishi({ protocol: 'ws-reverse', selfId: String(SELF), token: 'tok-2', reply: answer });
    expect(koishi.reverseUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/onebot$/);
    const calls: Call[] = [];
    const dial = (selfId: string, role: string) =>
      new Promise<WebSocket | { closed: number }>((resolve) => {
        const ws = new WebSocket(koishi!.reverseUrl!, {
          headers: { 'X-Self-ID': selfId, 'X-Client-Role': role, Authorization: 'Bearer tok-2' },
        });
        serve(ws, calls); // before it opens: Koishi asks get_login_info as soon as it accepts
        ws.once('open', () => resolve(ws));
        ws.once('error', () => resolve({ closed: -1 }));
        ws.once('close', (code) => resolve({ closed: code }));
      });
    // Koishi's server starts listening once the app is ready: dial until it answers
    const ws = await waitFor(async () => {
      const r = await dial(String(SELF), 'Universal');
      return r instanceof WebSocket ? r : null;
    });
    sockets.push(ws);
    await koishi.waitOnline();

    ws.send(JSON.stringify(groupMessage()));
    const m = await koishi.waitMessage();
    expect(m).toMatchObject({ selfId: '10001', userId: '300', guildId: '200', isDirect: false, atSelf: true });
    const reply = await koishi.waitReply();
    expect(reply.error).toBeNull();
    expectAnswered(calls);
  });

  it('reverse (ws-reverse): Koishi refuses another X-Self-ID or a role other than Universal with close 1008', async () => {
    koishi = await startKoishi({ protocol: 'ws-reverse', selfId: String(SELF) });
    const closeCode = (selfId: string, role: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(koishi!.reverseUrl!, { headers: { 'X-Self-ID': selfId, 'X-Client-Role': role } });
        ws.once('error', () => resolve(-1));
        ws.once('close', (code) => resolve(code));
      });
    await waitFor(async () => (await closeCode('999', 'Universal')) === 1008, 30_000, 'Koishi listening');
    expect(await closeCode(String(SELF), 'API')).toBe(1008);
  });
});
