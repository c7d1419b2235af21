import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { OneBotActions } from '../../src/onebot/onebot.actions';
import { OneBotHub } from '../../src/onebot/onebot.hub';
import { OneBotSettingsService } from '../../src/onebot/onebot-settings.service';
import { DEFAULT_SETTINGS } from '../../src/onebot/onebot.types';
import type { ActionRequest, OneBotEvent, OneBotSettings } from '../../src/onebot/onebot.types';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { waitFor } from '../support/wait';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/**
 * The transports own the wire: auth, handshakes, framing, delivery, HTTP mapping, signatures, reverse dialing. The
 * settings are set by the test (the settings service is faked on its prototype); the actions, the id aliases and the
 * meta events are the real ones.
 */
const settingsById = new Map<number, OneBotSettings>();
let settingsListener: ((robotId: number, s: OneBotSettings | null) => void) | undefined;
const setSettings = (robotId: number, s: Partial<OneBotSettings>) => {
  const value = { ...DEFAULT_SETTINGS, robotId, ...s };
  settingsById.set(robotId, value);
  settingsListener?.(robotId, value);
};
Object.assign(OneBotSettingsService.prototype, {
  get: (robotId: number) => Promise.resolve(settingsById.get(robotId) ?? { ...DEFAULT_SETTINGS, robotId }),
  enabled: () => Promise.resolve([...settingsById.values()].filter((s) => s.enabled)),
  onChange: (l: typeof settingsListener) => {
    settingsListener = l;
    return () => (settingsListener = undefined);
  },
});

/** Every action call the gateway made, with the client it named. */
const calls: { robotId: number; req: ActionRequest; client: string }[] = [];
const realHandle = OneBotActions.prototype.handle;
OneBotActions.prototype.handle = function (robotId, req, client) {
  calls.push({ robotId, req, client: client.transport });
  return realHandle.call(this, robotId, req, client);
};

/** A raw WebSocket client: the frames it got, and how its handshake ended. */
interface Client {
  ws: WebSocket;
  got: Record<string, unknown>[];
}

describeE2E('OneBot transports: forward and reverse WebSocket, HTTP API, HTTP POST', () => {
  let t: TestApp & { database: TestDatabase };
  let fake: FakeGewe;
  let admin: string;
  let robotId: number;
  let otherRobotId: number;
  let base: string;
  let onebot: string;
  let noScope: string;
  let webDist: string;
  const open: WebSocket[] = [];
  let closedByTest = false;

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    webDist = mkdtempSync(join(tmpdir(), 'og-onebot-web-'));
    writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>console</title>');
    t = await createTestApp({ overrides: { gewe: { login_poll_interval: '50ms' } }, webDist });
    admin = (await login(t)).accessToken;
    const mk = async (name: string) =>
      (
        await t
          .http()
          .post('/api/robots')
          .set(bearer(admin))
          .send({ name, baseUrl: gewe.baseUrl, token: fake.issueToken(), isGewe: false })
          .expect(201)
      ).body.id as number;
    robotId = await mk('onebot');
    otherRobotId = await mk('quiet');
    await t.http().post(`/api/robots/${robotId}/login`).set(bearer(admin)).expect(200);
    const appId = (await t.http().get(`/api/robots/${robotId}`).set(bearer(admin))).body.appId as string;
    fake.confirm(appId, { wxid: 'wxid_onebot_robot' });
    await waitFor(
      async () =>
        (await t.http().get(`/api/robots/${robotId}/status`).set(bearer(admin))).body.status === 'online' || null,
      5000,
      'robot online',
    );
    const token = async (scopes: string[]) =>
      (
        await t
          .http()
          .post('/api/admin/tokens')
          .set(bearer(admin))
          .send({ name: `t-${scopes[0]}`, scopes })
          .expect(201)
      ).body.token as string;
    onebot = await token(['onebot']);
    noScope = await token(['messages:send']);
    setSettings(robotId, { enabled: true, heartbeatIntervalMs: 0 });
    await t.app.listen(0, '127.0.0.1');
    base = `127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const ws of open) ws.terminate();
    if (!closedByTest) await destroyTestApp(t);
    await fake.stop();
    rmSync(webDist, { recursive: true, force: true });
  });

  const hub = () => t.app.get(OneBotHub);

  /** Connects; resolves with the client once open, or rejects with the refused handshake's status. */
  function connect(path: string, headers: Record<string, string> = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${base}${path}`, { headers });
      open.push(ws);
      const got: Record<string, unknown>[] = [];
      ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString()) as Record<string, unknown>));
      ws.once('open', () => resolve({ ws, got }));
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`refused ${res.statusCode}`), {
              status: res.statusCode,
              body: Buffer.concat(chunks).toString(),
            }),
          ),
        );
      });
      ws.once('error', (err) => reject(err));
    });
  }
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => ({ status: 101, body: '' }),
      (err: { status?: number; body?: string }) => ({ status: err.status, body: err.body ?? '' }),
    );
  const frames = (c: Client, n: number, what: string) =>
    waitFor(() => (c.got.length >= n ? c.got : null), 10_000, what);

  describe('auth', () => {
    it('refuses a handshake without a token with 401, and one with a wrong token or without the scope with 403', async () => {
      const before = hub().status(robotId).authFailures;
      expect(await refusal(connect(`/onebot/v11/${robotId}`))).toMatchObject({ status: 401 });
      const wrong = `ogw_${'x'.repeat(43)}`;
      const r = await refusal(connect(`/onebot/v11/${robotId}`, bearer(wrong)));
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'INVALID_TOKEN' });
      expect(await refusal(connect(`/onebot/v11/${robotId}?access_token=${wrong}`))).toMatchObject({ status: 403 });
      const s = await refusal(connect(`/onebot/v11/${robotId}`, bearer(noScope)));
      expect(s.status).toBe(403);
      expect(JSON.parse(s.body)).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      const status = hub().status(robotId);
      expect(status.authFailures).toBe(before + 4);
      expect(status.lastErrors[0]).toMatchObject({ code: 'ONEBOT_AUTH_REFUSED_SCOPE' });
    });

    it('refuses a robot that does not exist (404) or whose OneBot is off (403)', async () => {
      expect(await refusal(connect('/onebot/v11/99999', bearer(onebot)))).toMatchObject({ status: 404 });
      const off = await refusal(connect(`/onebot/v11/${otherRobotId}`, bearer(onebot)));
      expect(off.status).toBe(403);
      expect(JSON.parse(off.body)).toMatchObject({ code: 'ONEBOT_NOT_ENABLED' });
    });

    it('answers the HTTP API 401 without a token and 403 with a wrong one or without the scope', async () => {
      const r1 = await t.http().get(`/onebot/v11/${robotId}/get_status`).expect(401);
      expect(r1.body).toMatchObject({ code: 'MISSING_TOKEN' });
      await t
        .http()
        .get(`/onebot/v11/${robotId}/get_status`)
        .set(bearer(`ogw_${'y'.repeat(43)}`))
        .expect(403);
      const r3 = await t.http().post(`/onebot/v11/${robotId}/get_status`).set(bearer(noScope)).send({}).expect(403);
      expect(r3.body).toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
      // an admin's login session is no OneBot token
      await t.http().get(`/onebot/v11/${robotId}/get_status`).set(bearer(admin)).expect(403);
    });
  });

  describe('forward WebSocket', () => {
    it('sends the lifecycle event on connect and answers actions with their echo, bad JSON with 1400', async () => {
      const c = await connect(`/onebot/v11/${robotId}`, bearer(onebot));
      const [first] = await frames(c, 1, 'the lifecycle event');
      expect(first).toMatchObject({ post_type: 'meta_event', meta_event_type: 'lifecycle', sub_type: 'connect' });
      c.ws.send(JSON.stringify({ action: 'get_status', params: {}, echo: 'e-1' }));
      c.ws.send('{not json');
      c.ws.send(JSON.stringify({ action: 'set_group_ban', params: { group_id: 1 }, echo: { n: 2 } }));
      const got = await frames(c, 4, 'three answers');
      const answers = got.slice(1);
      expect(answers).toContainEqual(expect.objectContaining({ status: 'ok', retcode: 0, echo: 'e-1' }));
      expect(answers).toContainEqual(expect.objectContaining({ status: 'failed', retcode: 1400 }));
      expect(answers).toContainEqual(expect.objectContaining({ status: 'failed', retcode: 1404, echo: { n: 2 } }));
      expect(calls.filter((x) => x.client === 'forward-ws').map((x) => x.req.action)).toEqual(
        expect.arrayContaining(['get_status', 'set_group_ban']),
      );
      c.ws.close();
    });

    it('takes the token as ?access_token=, delivers events to universal and /event clients but not /api ones', async () => {
      const uni = await connect(`/onebot/v11/${robotId}?access_token=${onebot}`);
      const ev = await connect(`/onebot/v11/${robotId}/event`, bearer(onebot));
      const api = await connect(`/onebot/v11/${robotId}/api`, bearer(onebot));
      await frames(uni, 1, 'lifecycle');
      await frames(ev, 1, 'lifecycle');
      await waitFor(
        () =>
          hub()
            .status(robotId)
            .clients.filter((x) => x.transport === 'forward-ws').length >= 3 || null,
      );
      const event: OneBotEvent = { time: 1, self_id: 10001, post_type: 'message', message_type: 'private', user_id: 5 };
      hub().deliver(robotId, event);
      expect((await frames(uni, 2, 'the event'))[1]).toEqual(event);
      expect((await frames(ev, 2, 'the event'))[1]).toEqual(event);
      api.ws.send(JSON.stringify({ action: 'get_status', echo: 'a' }));
      const [answer] = await frames(api, 1, 'the answer');
      expect(answer).toMatchObject({ retcode: 0, echo: 'a' }); // no lifecycle and no event before it
      expect(api.got).toHaveLength(1);
      const status = hub().status(robotId);
      expect(
        status.clients
          .filter((x) => x.transport === 'forward-ws')
          .map((x) => x.role)
          .sort(),
      ).toEqual(expect.arrayContaining(['api', 'event', 'universal']));
      expect(status.eventsPerMinute).toBeGreaterThanOrEqual(1);
      for (const c of [uni, ev, api]) c.ws.close();
      await waitFor(
        () =>
          hub()
            .status(robotId)
            .clients.every((x) => x.transport !== 'forward-ws') || null,
      );
    });

    it("sends heartbeats with the robot's online state", async () => {
      setSettings(robotId, { enabled: true, heartbeatIntervalMs: 1000 });
      try {
        const c = await connect(`/onebot/v11/${robotId}`, bearer(onebot));
        const got = await waitFor(
          () => c.got.find((f) => f.meta_event_type === 'heartbeat') ?? null,
          10_000,
          'a heartbeat',
        );
        expect(JSON.stringify(got)).toContain('"online":true');
        c.ws.close();
      } finally {
        setSettings(robotId, { enabled: true, heartbeatIntervalMs: 0 });
      }
    });

    it('drops a client that stops reading, and delivery never waits for it', async () => {
      const slow = await connect(`/onebot/v11/${robotId}`, bearer(onebot));
      const fast = await connect(`/onebot/v11/${robotId}`, bearer(onebot));
      await frames(slow, 1, 'lifecycle');
      await frames(fast, 1, 'lifecycle');
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const big: OneBotEvent = {
        time: 1,
        self_id: 10001,
        post_type: 'notice',
        notice_type: 'x',
        pad: 'p'.repeat(1 << 20),
      };
      const closed = new Promise<number>((r) => slow.ws.once('close', (code) => r(code)));
      // each deliver returns at once; the slow client's buffer grows until it passes the limit
      await waitFor(
        () => {
          for (let i = 0; i < 4; i++) hub().deliver(robotId, big);
          return (
            hub()
              .status(robotId)
              .lastErrors.some((e) => e.code === 'ONEBOT_CLIENT_TOO_SLOW') || null
          );
        },
        30_000,
        'the slow client dropped',
      );
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await closed;
      await waitFor(() => (fast.got.length > 4 ? true : null), 30_000, 'the fast client still receiving');
      fast.ws.close();
    });
  });

  describe('HTTP API', () => {
    it('answers GET with the query as params and POST with a JSON or form body', async () => {
      calls.length = 0;
      const g = await t.http().get(`/onebot/v11/${robotId}/get_status?access_token=${onebot}&x=1`).expect(200);
      expect(g.body).toMatchObject({ status: 'ok', retcode: 0 });
      expect(g.headers['content-type']).toMatch(/json/);
      const p = await t
        .http()
        .post(`/onebot/v11/${robotId}/send_msg`)
        .set(bearer(onebot))
        .send({ message_type: 'private', user_id: 'wxid_http_a', message: 'hi' })
        .expect(200);
      expect(p.body).toMatchObject({ status: 'ok', retcode: 0 });
      await t
        .http()
        .post(`/onebot/v11/${robotId}/send_msg`)
        .set(bearer(onebot))
        .type('form')
        .send('message_type=private&user_id=wxid_http_b&message=yo')
        .expect(200);
      const http = calls.filter((c) => c.client === 'http-api').map((c) => c.req);
      expect(http[0]).toEqual({ action: 'get_status', params: { x: '1' } });
      expect(http[1]).toEqual({
        action: 'send_msg',
        params: { message_type: 'private', user_id: 'wxid_http_a', message: 'hi' },
      });
      expect(http[2]).toEqual({
        action: 'send_msg',
        params: { message_type: 'private', user_id: 'wxid_http_b', message: 'yo' },
      });
      expect(hub().status(robotId).clients).toContainEqual(
        expect.objectContaining({ transport: 'http-api', role: 'api', tokenName: 't-onebot' }),
      );
    });

    it('answers an unknown action with HTTP 404 and retcode 1404 (never the console page)', async () => {
      const r = await t.http().get(`/onebot/v11/${robotId}/no_such_action`).set(bearer(onebot)).expect(404);
      expect(r.body).toMatchObject({ status: 'failed', retcode: 1404 });
      const page = await t.http().get('/onebot/v11').expect(404);
      expect(page.text).not.toContain('<title>console</title>');
      // the console still falls through elsewhere
      expect((await t.http().get('/robots').expect(200)).text).toContain('<title>console</title>');
    });
  });

  describe('HTTP POST and reverse WebSocket', () => {
    let receiver: Server;
    let received: { headers: IncomingMessage['headers']; body: string }[];
    let wss: WebSocketServer;
    let reverse: { req: IncomingMessage; client: Client }[];
    beforeAll(async () => {
      received = [];
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ reply: 'pong', at_sender: false }));
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      reverse = [];
      wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      await new Promise((r) => wss.once('listening', r));
      wss.on('connection', (ws, req) => {
        const client: Client = { ws, got: [] };
        ws.on('message', (d: Buffer) => client.got.push(JSON.parse(d.toString()) as Record<string, unknown>));
        reverse.push({ req, client });
      });
      setSettings(robotId, {
        enabled: true,
        heartbeatIntervalMs: 0,
        httpPost: [
          {
            url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/onebot`,
            secret: 'sig-key',
            timeoutMs: 5000,
          },
        ],
        reverseWs: [
          {
            url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/onebot/v11/ws`,
            accessToken: 'framework-token',
            reconnectIntervalMs: 500,
          },
        ],
      });
    });
    afterAll(async () => {
      setSettings(robotId, { enabled: true, heartbeatIntervalMs: 0 });
      await new Promise((r) => receiver.close(r));
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    });

    it('dials the reverse WebSocket with X-Self-ID, X-Client-Role and the access token, and answers its actions', async () => {
      const { req, client } = await waitFor(() => reverse[0] ?? null, 30_000, 'the reverse connection');
      expect(req.headers).toMatchObject({ 'x-client-role': 'Universal', authorization: 'Bearer framework-token' });
      expect(req.headers['x-self-id']).toMatch(/^\S+$/);
      expect(req.headers['user-agent']).toMatch(/^OpenGewe\//);
      const [first] = await frames(client, 1, 'the lifecycle event');
      expect(first).toMatchObject({ meta_event_type: 'lifecycle', sub_type: 'connect' });
      expect(String(first.self_id)).toBe(req.headers['x-self-id']);
      client.ws.send(JSON.stringify({ action: 'get_status', params: {}, echo: 'r1' }));
      const got = await frames(client, 2, 'the answer');
      expect(got[1]).toMatchObject({ retcode: 0, echo: 'r1' });
      await waitFor(
        () =>
          hub()
            .status(robotId)
            .clients.some((c) => c.transport === 'reverse-ws' && c.state === 'connected') || null,
      );
    });

    it('posts events signed with X-Signature, and runs the quick operation of the answer', async () => {
      await waitFor(
        () =>
          hub()
            .status(robotId)
            .clients.some((c) => c.transport === 'http-post') || null,
      );
      calls.length = 0;
      const event: OneBotEvent = {
        time: 2,
        self_id: 10001,
        post_type: 'message',
        message_type: 'private',
        user_id: 7,
        message_id: 3,
      };
      hub().deliver(robotId, event);
      const [post] = await waitFor(() => (received.length ? received : null), 30_000, 'the HTTP POST');
      expect(JSON.parse(post.body)).toEqual(event);
      expect(post.headers['content-type']).toMatch(/^application\/json/);
      expect(post.headers['x-self-id']).toBe('10001');
      expect(post.headers['x-signature']).toBe(`sha1=${createHmac('sha1', 'sig-key').update(post.body).digest('hex')}`);
      const quick = await waitFor(() => calls.find((c) => c.client === 'http-post') ?? null, 30_000, 'the quick reply');
      expect(quick.req).toEqual({
        action: 'send_msg',
        params: { message_type: 'private', user_id: 7, message: 'pong', auto_escape: false },
      });
      // the reverse client got the same event
      const { client } = reverse[0];
      await waitFor(() => client.got.some((f) => f.message_id === 3) || null, 30_000, 'the event over reverse WS');
    });
  });

  it('closes its clients when the service shuts down, without waiting for them to leave', async () => {
    const c = await connect(`/onebot/v11/${robotId}`, bearer(onebot));
    const code = new Promise<number>((r) => c.ws.once('close', (n) => r(n)));
    closedByTest = true;
    await destroyTestApp(t);
    expect(await code).toBe(1001);
  });
});
