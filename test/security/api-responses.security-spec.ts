import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LosslessNumber, stringify } from 'lossless-json';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApi } from '../../src/app.setup';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { AlertReceiver } from '../support/alert-receiver';
import { onlineRobot, OnlineRobot, pointCallbacksAtApp } from '../support/online-robot';
import { writePlugin } from '../support/plugin-runtime';
import { friendRequestCallback } from '../support/friend-requests';
import { loadSamples, textCallback } from '../support/samples';
import { bearer, createTestApp, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';
import { ResponseValidator } from './response-validator';
import { Operation, operations } from './support';

/**
 * The other direction of the fuzzer (api-fuzz): well-formed calls. Every operation is called anonymously, with an API
 * token that lacks its scope and as a user who is not an admin; every GET is called with the ids of real objects
 * (a robot online on the fake Gewe, a plugin, a logged message, a stored file, a user, an API token); and every other
 * operation is called once the way the console calls it. Each answer must be one the document declares, its body
 * valid against the declared schema — and every operation must have answered a 2xx at least once.
 */

/**
 * Operations no normal call makes succeed here (they are still called, and their answers checked): there is no failed
 * job, no login waiting for a security code (robots.e2e covers it; its 200 is the same schema as the login's), and
 * the event stream never ends (api-fuzz leaves it out too; events.e2e covers it).
 */
const NO_SUCCESS = new Set([
  'POST /api/queue/failed/{job_id}/retry',
  'DELETE /api/queue/failed/{job_id}',
  'POST /api/robots/{robot_id}/login/captcha',
  'GET /api/events',
  // a dead letter takes a receiver failing every try (outbound-webhooks.e2e covers its replay)
  'POST /api/outbound-webhooks/{webhook_id}/deliveries/{delivery_id}/replay',
]);

const PLUGIN_SCHEMA = {
  type: 'object',
  properties: { greeting: { type: 'string', default: 'hi' } },
  additionalProperties: false,
};

/** Values a parameter's schema rules out (none when it rules out nothing a query string can say). */
function outside(s: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (s.format === 'date-time') out.push('1', '2024', '2024-05-01', 'yesterday', '2024-02-30T00:00:00Z');
  if (typeof s.pattern === 'string') out.push('x', '../x');
  if (typeof s.minimum === 'number') out.push(String(s.minimum - 1));
  if (typeof s.maximum === 'number') out.push(String(s.maximum + 1));
  if (s.type === 'integer') out.push('1.5', '1e3');
  if (s.type === 'integer' || s.type === 'number') out.push('abc');
  if (s.type === 'boolean') out.push('maybe');
  if (Array.isArray(s.enum)) out.push('not-one-of-them');
  return out;
}

describe('every operation answers what the document declares', () => {
  let t: TestApp & { database: TestDatabase };
  let fake: FakeGewe;
  const receiver = new AlertReceiver();
  let doc: OpenAPIObject;
  let ops: Operation[];
  let validator: ResponseValidator;
  let admin: string;
  let robot: OnlineRobot;
  const ids: Record<string, string> = {};
  const problems: string[] = [];
  const succeeded = new Set<string>();

  type Call = {
    op: string;
    query?: string;
    body?: unknown;
    token?: string | null;
    ids?: Record<string, string>;
    headers?: Record<string, string>;
  };

  /** Makes the call, checks its answer against the document and remembers a 2xx. */
  async function call(c: Call) {
    const [method, template] = c.op.split(' ');
    const values = { ...ids, ...c.ids };
    const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? '1'));
    const http = t.http();
    let req = http[method.toLowerCase() as 'get'](`${url}${c.query ? `?${c.query}` : ''}`);
    const token = c.token === undefined ? admin : c.token;
    if (token) req = req.set(bearer(token));
    if (c.headers) req = req.set(c.headers);
    const res = await (c.body === undefined ? req : req.send(c.body as object));
    for (const p of validator.check(method, template, res))
      problems.push(`${p} (${method} ${url}${c.query ? `?${c.query}` : ''})`);
    if (res.status >= 200 && res.status < 300) succeeded.add(c.op);
    return res;
  }
  const key = (o: Operation) => `${o.method.toUpperCase()} ${o.path}`;

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    await receiver.start();
    const dir = mkdtempSync(join(tmpdir(), 'og-sec-responses-'));
    writePlugin(
      join(dir, 'plugins'),
      'Walker',
      'module.exports = { handlers: [{ on: "text", handle() {} }], jobs: [{ name: "walk", intervalMs: 3600000, run() {} }] };',
      {
        author: 'tests',
        description: 'Does nothing',
        configSchema: PLUGIN_SCHEMA,
      },
    );
    t = await createTestApp({
      dir,
      overrides: {
        backend: { login_max_attempts_per_ip: 100_000, login_max_failures_per_user: 100_000 },
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
        plugins: { plugins_dir: join(dir, 'plugins'), enabled_plugins: ['Walker'] },
        // the receiver listens on 127.0.0.1
        outbound_webhooks: { allow_private_targets: true },
      },
    });
    await t.app.listen(0, '127.0.0.1');
    admin = (await login(t)).accessToken;
    await pointCallbacksAtApp(t, admin);
    robot = await onlineRobot(t, admin, fake, gewe.baseUrl, 'walker', 'wxid_robot_walker');
    doc = buildOpenApi(t.app);
    ops = operations(doc);
    validator = new ResponseValidator(doc);

    // a text message and a voice whose inline buffer is stored at once: a message id and a file name
    const textId = `71${String(Date.now() % 1e9).padStart(9, '0')}00001`;
    const res = await t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(robot.key)}`)
      .set('Content-Type', 'application/json')
      .send(
        textCallback({ appId: robot.appId, robotWxid: robot.wxid, from: 'wxid_friend', text: 'hi', newMsgId: textId }),
      );
    for (const p of validator.check('post', '/api/webhook', res)) problems.push(p);
    if (res.status === 200) succeeded.add('POST /api/webhook');
    const voice = loadSamples().find((s) => s.kind === 'voice')!;
    const silk = Buffer.concat([Buffer.from('\x02#!SILK_V3', 'latin1'), Buffer.from('walker voice')]);
    const voiceId = `71${String(Date.now() % 1e9).padStart(9, '0')}00002`;
    await t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(robot.key)}`)
      .set('Content-Type', 'application/json')
      .send(
        stringify({
          ...voice.payload,
          Appid: robot.appId,
          Wxid: robot.wxid,
          Data: {
            ...(voice.payload.Data as object),
            NewMsgId: new LosslessNumber(voiceId),
            ImgBuf: { iLen: silk.length, buffer: silk.toString('base64') },
          },
        }),
      )
      .expect(200);
    const logged = await waitFor(
      async () => {
        const items = (await t.http().get('/api/messages?limit=50').set(bearer(admin))).body.items as {
          id: number;
          newMsgId: string;
        }[];
        const text = items.find((m) => m.newMsgId === textId);
        const voiceRow = items.find((m) => m.newMsgId === voiceId);
        return text && voiceRow ? { text: text.id, voice: voiceRow.id } : null;
      },
      10_000,
      'both messages logged',
    );
    const file = await waitFor(
      async () => {
        const files = (await t.http().get(`/api/messages/${logged.voice}`).set(bearer(admin))).body.files as {
          filename: string | null;
          status: string;
        }[];
        return files?.find((f) => f.status === 'done')?.filename;
      },
      10_000,
      'the voice stored',
    );
    // two friend requests: one to accept, one to ignore
    for (const wxid of ['wxid_asker_one', 'wxid_asker_two'])
      await t
        .http()
        .post(`/api/webhook?key=${encodeURIComponent(robot.key)}`)
        .set('Content-Type', 'application/json')
        .send(friendRequestCallback({ appId: robot.appId, robotWxid: robot.wxid, wxid, nickname: wxid, content: 'hi' }))
        .expect(200);
    const requests = await waitFor(
      async () => {
        const items = (await t.http().get(`/api/robots/${robot.id}/friend-requests`).set(bearer(admin))).body.items as {
          id: number;
          wxid: string;
        }[];
        return items.length === 2 ? items : null;
      },
      10_000,
      'both friend requests listed',
    );
    const user = (await call({ op: 'POST /api/admin/users', body: { username: 'walker', password: 'walker-pass-1' } }))
      .body as { id: number };
    const token = (await call({ op: 'POST /api/admin/tokens', body: { name: 'walker', scopes: ['messages:send'] } }))
      .body as { id: number; token: string };
    // the user who is not an admin may edit, log out and delete robots: they get one of their own
    const spare = (
      await call({
        op: 'POST /api/robots',
        query: 'verify=false',
        body: { name: 'spare', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'spare-gewe-token', appId: 'wx_spare' },
      })
    ).body as { id: number };
    const hook = (await call({ op: 'POST /api/outbound-webhooks', body: { url: receiver.url, description: 'walker' } }))
      .body as { id: number };
    const delivery = (
      await call({ op: 'POST /api/outbound-webhooks/{webhook_id}/test', ids: { webhook_id: String(hook.id) } })
    ).body as { deliveryId: number };
    Object.assign(ids, {
      robot_id: String(robot.id),
      message_id: String(logged.text),
      filename: file,
      plugin_name: 'Walker',
      job_name: 'walk',
      chat_id: '12345678901@chatroom',
      wxid: 'wxid_fake_alice01',
      request_id: String(requests[0].id),
      otherRequest: String(requests[1].id),
      user_id: String(user.id),
      token_id: String(token.id),
      job_id: '1',
      outgoing_id: '1',
      apiToken: token.token,
      spareRobot: String(spare.id),
      webhook_id: String(hook.id),
      delivery_id: String(delivery.deliveryId),
    });
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    await receiver.stop();
  });

  it('answers anonymous callers as documented (401 on every operation that needs a token)', async () => {
    for (const o of ops.filter((x) => !x.streaming)) {
      const res = await call({ op: key(o), token: null });
      if (!o.isPublic) expect(`${key(o)} → ${res.status}`).toBe(`${key(o)} → 401`);
    }
  });

  it('answers an API token without the scope as documented (403)', async () => {
    for (const o of ops.filter((x) => !x.streaming && !x.isPublic)) {
      const res = await call({ op: key(o), token: ids.apiToken });
      if (key(o) !== 'POST /api/robots/{robot_id}/messages')
        expect(`${key(o)} → ${res.status}`).toBe(`${key(o)} → 403`);
    }
  });

  it('answers a user who is not an admin as documented (403 on the admin operations)', async () => {
    for (const o of ops.filter((x) => !x.streaming && !x.isPublic)) {
      // a fresh session each time: logout and change-password end it
      const { accessToken } = await login(t, 'walker', 'walker-pass-1');
      const res = await call({ op: key(o), token: accessToken, ids: { robot_id: ids.spareRobot } });
      if (o.adminOnly) expect(`${key(o)} → ${res.status}`).toBe(`${key(o)} → 403`);
    }
  });

  it('answers every GET of real objects with a body that matches its schema', async () => {
    for (const o of ops.filter((x) => x.method === 'get' && !x.streaming)) await call({ op: key(o) });
    // the lists' filters, with values they accept
    await call({ op: 'GET /api/messages', query: `robotId=${robot.id}&isGroup=false&since=2020-01-01T00:00:00Z&q=hi` });
    await call({ op: 'GET /api/files', query: `robotId=${robot.id}&kind=voice&status=done` });
    await call({ op: 'GET /api/system/logs', query: 'level=info&limit=5' });
    await call({ op: 'GET /api/admin/audit', query: 'result=success&limit=5' });
    // a part of the file (206), and not modified (304)
    const whole = await call({ op: 'GET /api/files/{filename}', headers: { Range: 'bytes=0-3' } });
    expect(whole.status).toBe(206);
    const etag = String(whole.headers.etag);
    expect((await call({ op: 'GET /api/files/{filename}', headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('refuses with a 400 every parameter value the document rules out (format, pattern, minimum, maximum, enum)', async () => {
    type Param = { name: string; in: string; schema?: Record<string, unknown> };
    const accepted: string[] = [];
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item as Record<string, { parameters?: Param[] }>)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        if (ops.find((o) => o.path === path && o.method === method)?.streaming) continue;
        for (const p of op.parameters ?? []) {
          if (p.in !== 'path' && p.in !== 'query') continue;
          for (const bad of outside(p.schema ?? {})) {
            const c: Call = { op: `${method.toUpperCase()} ${path}` };
            if (p.in === 'path') c.ids = { [p.name]: bad };
            else c.query = `${p.name}=${encodeURIComponent(bad)}`;
            const res = await call(c);
            if (res.status !== 400)
              accepted.push(`${c.op} with ${p.in} ${p.name}=${bad} → ${res.status} ${res.text.slice(0, 200)}`);
          }
        }
      }
    expect(accepted).toEqual([]);
  });

  it('answers the other operations, called as the console calls them, as documented', async () => {
    const { refreshToken } = await login(t);
    const steps: Call[] = [
      { op: 'PUT /api/system/log-level', body: { level: 'info' } },
      { op: 'PUT /api/system/config', body: { settings: { 'logging.level': 'info' } } },
      { op: 'POST /api/auth/login', token: null, body: { username: 'walker', password: 'walker-pass-1' } },
      { op: 'PATCH /api/robots/{robot_id}', query: 'verify=false', body: { name: 'walker-2' } },
      { op: 'POST /api/robots/{robot_id}/login' },
      { op: 'POST /api/robots/{robot_id}/login/captcha', body: { code: '123456' } },
      { op: 'POST /api/robots/{robot_id}/callback' },
      { op: 'POST /api/robots/{robot_id}/webhook/rotate' },
      {
        op: 'PUT /api/robots/{robot_id}/onebot',
        body: { enabled: true, reverseWs: [{ url: 'ws://127.0.0.1:9/onebot/v11/ws', accessToken: 'walker-ob' }] },
      },
      { op: 'POST /api/robots/{robot_id}/messages', body: { type: 'text', toWxid: 'wxid_friend', content: 'hello' } },
      { op: 'POST /api/plugins/{plugin_name}/jobs/{job_name}/run', query: 'wait=true' },
      { op: 'POST /api/plugins/{plugin_name}/disable' },
      { op: 'POST /api/plugins/{plugin_name}/enable' },
      { op: 'PUT /api/plugins/{plugin_name}/config', body: { greeting: 'hello' } },
      { op: 'PUT /api/robots/{robot_id}/plugins/{plugin_name}', body: { enabled: false } },
      { op: 'PUT /api/robots/{robot_id}/chats/{chat_id}/plugins/{plugin_name}', body: { enabled: false } },
      { op: 'POST /api/plugins/reload' },
      { op: 'POST /api/messages/{message_id}/replay', body: {} },
      { op: 'PUT /api/alerts/config', body: { rules: null, webhookUrl: receiver.url } },
      { op: 'POST /api/alerts/test' },
      { op: 'POST /api/robots/{robot_id}/friend-requests/{request_id}/accept', body: { greeting: 'hello' } },
      { op: 'POST /api/robots/{robot_id}/friend-requests/{request_id}/ignore', ids: { request_id: ids.otherRequest } },
      { op: 'POST /api/robots/{robot_id}/groups/{chat_id}/invite', body: { wxids: ['wxid_friend'], reason: 'hi' } },
      { op: 'POST /api/robots/{robot_id}/groups/{chat_id}/remove', body: { wxids: ['wxid_fake_alice01'] } },
      { op: 'PUT /api/robots/{robot_id}/groups/{chat_id}/name', body: { name: 'walkers' } },
      { op: 'PUT /api/robots/{robot_id}/groups/{chat_id}/announcement', body: { content: 'hello' } },
      { op: 'POST /api/robots/{robot_id}/groups/{chat_id}/quit' },
      { op: 'PUT /api/admin/users/{user_id}', body: { isActive: true } },
      { op: 'POST /api/auth/refresh', token: null, body: { refreshToken } },
      {
        op: 'POST /api/auth/change-password',
        token: (await login(t, 'walker', 'walker-pass-1')).accessToken,
        body: { currentPassword: 'walker-pass-1', newPassword: 'walker-pass-2' },
      },
      { op: 'PUT /api/outbound-webhooks/{webhook_id}', body: { description: 'walker 2', eventKinds: ['text'] } },
      { op: 'POST /api/outbound-webhooks/{webhook_id}/rotate-secret' },
      { op: 'POST /api/outbound-webhooks/{webhook_id}/deliveries/replay' },
      { op: 'POST /api/outbound-webhooks/{webhook_id}/deliveries/{delivery_id}/replay' },
      { op: 'DELETE /api/outbound-webhooks/{webhook_id}' },
      { op: 'DELETE /api/files/{filename}' },
      { op: 'DELETE /api/admin/tokens/{token_id}' },
      { op: 'DELETE /api/admin/users/{user_id}' },
      { op: 'POST /api/robots/{robot_id}/logout' },
      { op: 'DELETE /api/robots/{robot_id}' },
      { op: 'POST /api/auth/logout' },
    ];
    // a read mark; a send Gewe refuses, which stays in the chat as failed until it is dismissed
    await call({ op: 'PUT /api/robots/{robot_id}/conversations/{chat_id}/read', body: {} });
    fake.fault({ path: '/message/postText', mode: 'ret500', msg: '发送失败', times: 1 });
    await call({
      op: 'POST /api/robots/{robot_id}/messages',
      body: { type: 'text', toWxid: 'wxid_friend', content: 'x' },
    });
    const thread = await call({
      op: 'GET /api/robots/{robot_id}/conversations/{chat_id}/messages',
      ids: { chat_id: 'wxid_friend' },
    });
    ids.outgoing_id = String((thread.body as { outgoing: { id: number }[] }).outgoing[0].id);
    await call({ op: 'DELETE /api/robots/{robot_id}/outgoing/{outgoing_id}' });
    // the directory: a sync (202), then one of the contacts it fetched
    await call({ op: 'POST /api/robots/{robot_id}/directory/sync' });
    await waitFor(
      async () =>
        (await call({ op: 'GET /api/robots/{robot_id}/directory/sync' })).body.state === 'done' ? true : null,
      10_000,
      'the directory synced',
    );
    await call({ op: 'GET /api/robots/{robot_id}/contacts/{wxid}' });
    for (const s of steps) await call(s);
  });

  it('found nothing the document does not say, and made every operation succeed once', () => {
    expect(problems).toEqual([]);
    const never = ops.map(key).filter((k) => !succeeded.has(k) && !NO_SUCCESS.has(k));
    expect(never).toEqual([]);
  });
});
