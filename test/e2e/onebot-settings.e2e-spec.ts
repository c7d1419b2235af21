import { DataSource } from 'typeorm';
import { MessageLogService } from '../../src/message-log/message-log.service';
import { OneBotGateway } from '../../src/onebot/onebot.gateway';
import { OneBotIdStore } from '../../src/onebot/onebot-ids.service';
import { EventBus } from '../../src/live-events/event-bus';
import type { OneBotEvent } from '../../src/onebot/onebot.types';
import { textCallback } from '../support/samples';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

const TOKEN = 'onebot-reverse-access-token-e2e';
const SECRET = 'onebot-http-post-secret-e2e';

describeE2E('OneBot settings API, alias tables and recordSent', () => {
  let t: App;
  let admin: string;
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    admin = (await login(t)).accessToken;
  });
  afterAll(() => destroyTestApp(t));

  const api = (token = admin) => ({
    get: (p: string) => t.http().get(p).set(bearer(token)),
    put: (p: string, body: object) => t.http().put(p).set(bearer(token)).send(body),
    del: (p: string) => t.http().delete(p).set(bearer(token)),
  });
  async function robot(wxid: string | null = null) {
    const appId = `wx_onebot_${++n}`;
    const r = (
      await t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(admin))
        .send({ name: `ob${n}`, token: `tok-ob-${n}`, appId })
        .expect(201)
    ).body as { id: number; callbackUrl: string };
    if (wxid) await t.app.get(DataSource).query(`UPDATE robots SET wxid = '${wxid}' WHERE id = ${r.id}`);
    return { id: r.id, appId, key: new URL(r.callbackUrl).searchParams.get('key')! };
  }

  it('answers the defaults for a robot without settings, with its paths', async () => {
    const r = await robot();
    const res = await api().get(`/api/robots/${r.id}/onebot`).expect(200);
    expect(res.body).toEqual({
      robotId: r.id,
      enabled: false,
      idMode: 'alias',
      forwardWs: true,
      reverseWs: [],
      httpPost: [],
      postSelf: false,
      heartbeatIntervalMs: 15000,
      wsPath: `/onebot/v11/${r.id}`,
      httpPath: `/onebot/v11/${r.id}`,
      selfId: null,
    });
  });

  it('merges a PUT, keeps the secrets without ever answering them, and audits it with the secrets masked', async () => {
    const r = await robot('wxid_onebot_self');
    const first = await api()
      .put(`/api/robots/${r.id}/onebot`, {
        enabled: true,
        reverseWs: [{ url: 'ws://127.0.0.1:8080/onebot/v11/ws', accessToken: TOKEN }],
        httpPost: [{ url: 'http://127.0.0.1:8080/post', secret: SECRET }],
      })
      .expect(200);
    expect(first.body).toMatchObject({
      enabled: true,
      idMode: 'alias',
      reverseWs: [{ url: 'ws://127.0.0.1:8080/onebot/v11/ws', accessTokenSet: true, reconnectIntervalMs: 3000 }],
      httpPost: [{ url: 'http://127.0.0.1:8080/post', secretSet: true, timeoutMs: 5000 }],
    });
    expect(typeof first.body.selfId).toBe('number');
    // a second PUT changes one field; the targets and their secrets stay
    const second = await api().put(`/api/robots/${r.id}/onebot`, { postSelf: true }).expect(200);
    expect(second.body).toMatchObject({ enabled: true, postSelf: true, selfId: first.body.selfId });
    expect(second.body.reverseWs[0].accessTokenSet).toBe(true);
    // a target listed without its token keeps the stored one
    await api()
      .put(`/api/robots/${r.id}/onebot`, { reverseWs: [{ url: 'ws://127.0.0.1:8080/onebot/v11/ws' }] })
      .expect(200);
    const read = await api().get(`/api/robots/${r.id}/onebot`).expect(200);
    expect(read.body.reverseWs).toEqual([
      { url: 'ws://127.0.0.1:8080/onebot/v11/ws', accessTokenSet: true, reconnectIntervalMs: 3000 },
    ]);
    for (const body of [first.body, second.body, read.body]) expect(JSON.stringify(body)).not.toMatch(/onebot-.*-e2e/);
    const [row] = await t.app.get(DataSource).query(`SELECT reverse_ws FROM onebot_settings WHERE robot_id = ${r.id}`);
    expect(JSON.parse(row.reverse_ws)).toEqual([
      { url: 'ws://127.0.0.1:8080/onebot/v11/ws', accessToken: TOKEN, reconnectIntervalMs: 3000 },
    ]);
    // string mode: selfId is the wxid
    const str = await api().put(`/api/robots/${r.id}/onebot`, { idMode: 'string' }).expect(200);
    expect(str.body.selfId).toBe('wxid_onebot_self');

    const audit = (await api().get('/api/admin/audit?action=robot.onebot_update&limit=20').expect(200)).body;
    const mine = audit.items.filter((a: { targetId: string }) => a.targetId === String(r.id));
    expect(mine.length).toBe(4);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    const firstRow = mine[mine.length - 1];
    expect(firstRow).toMatchObject({ action: 'robot.onebot_update', result: 'ok' });
    expect(firstRow.details.body.reverseWs[0]).toMatchObject({ url: 'ws://127.0.0.1:8080/onebot/v11/ws' });
    expect(firstRow.details.body.reverseWs[0].accessToken).not.toBe(TOKEN);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const r = await robot();
    const cases: [object, string, string][] = [
      [{ idMode: 'numbers' }, 'VALIDATION_FAILED', 'idMode'],
      [{ enabled: 'yes' }, 'VALIDATION_FAILED', 'enabled'],
      [{ reverseWs: [{ url: 'http://not-a-ws/' }] }, 'VALIDATION_FAILED', 'reverseWs.0.url'],
      [{ httpPost: [{ url: 'http://x/post', timeoutMs: 10 }] }, 'VALIDATION_FAILED', 'httpPost.0.timeoutMs'],
      [{ unknownField: 1 }, 'VALIDATION_FAILED', 'unknownField'],
      [{ heartbeatIntervalMs: 500 }, 'ONEBOT_HEARTBEAT_TOO_SHORT', 'heartbeatIntervalMs'],
      [{ reverseWs: [{ url: 'ws://a/ws' }, { url: 'ws://a/ws' }] }, 'ONEBOT_TARGET_DUPLICATE', 'reverseWs'],
    ];
    for (const [body, code, field] of cases) {
      const res = await api().put(`/api/robots/${r.id}/onebot`, body).expect(400);
      expect(res.body.code).toBe(code);
      expect(JSON.stringify(res.body)).toContain(field);
    }
    const rows = await t.app.get(DataSource).query(`SELECT * FROM onebot_settings WHERE robot_id = ${r.id}`);
    expect(rows).toEqual([]);
  });

  it('answers 404 for an unknown robot, 401 without a token, and a status even before any transport runs', async () => {
    for (const p of ['/api/robots/999999/onebot', '/api/robots/999999/onebot/status'])
      expect((await api().get(p).expect(404)).body.code).toBe('ROBOT_NOT_FOUND');
    expect((await api().put('/api/robots/999999/onebot', { enabled: true }).expect(404)).body.code).toBe(
      'ROBOT_NOT_FOUND',
    );
    const r = await robot();
    await t.http().get(`/api/robots/${r.id}/onebot`).expect(401);
    const status = await api().get(`/api/robots/${r.id}/onebot/status`).expect(200);
    expect(status.body).toMatchObject({ robotId: r.id, enabled: false, clients: expect.any(Array) as unknown[] });
  });

  it("deletes a robot's settings with the robot", async () => {
    const r = await robot();
    await api().put(`/api/robots/${r.id}/onebot`, { enabled: true }).expect(200);
    await api().del(`/api/robots/${r.id}`).expect(200);
    const rows = await t.app.get(DataSource).query(`SELECT * FROM onebot_settings WHERE robot_id = ${r.id}`);
    expect(rows).toEqual([]);
  });

  it('hands a callback new to the log to the gateway of an enabled robot, once, and relays its events', async () => {
    const r = await robot('wxid_onebot_pipe');
    await api().put(`/api/robots/${r.id}/onebot`, { enabled: true }).expect(200);
    const gateway = t.app.get(OneBotGateway);
    const translate = gateway.translate;
    const seen: { robotId: number; events: OneBotEvent[] }[] = [];
    const stop = t.app.get(EventBus).onRelay('onebot.event', (d) => seen.push(d as (typeof seen)[number]));
    gateway.translate = (e, ctx) =>
      Promise.resolve(
        e.robotId === r.id
          ? [{ time: e.createTime ?? 0, self_id: ctx.selfId, post_type: 'message' as const, raw_message: e.text }]
          : [],
      );
    try {
      const body = textCallback({
        appId: r.appId,
        robotWxid: 'wxid_onebot_pipe',
        from: 'wxid_friend',
        text: 'hello onebot',
        newMsgId: '7311111111111111111',
      });
      const post = () =>
        t
          .http()
          .post(`/api/webhook?key=${encodeURIComponent(r.key)}`)
          .set('Content-Type', 'application/json')
          .send(body)
          .expect(200);
      await post();
      await waitFor(() => seen.length > 0, 30_000, 'the OneBot event');
      await post(); // a repeat
      await waitFor(async () => {
        const list = (await api().get(`/api/messages?robotId=${r.id}`).expect(200)).body;
        return list.total === 1 && list.items[0].handled;
      });
      await gateway.idle();
      expect(seen).toHaveLength(1);
      const selfId = await t.app.get(OneBotIdStore).mapper(r.id, 'alias').user('wxid_onebot_pipe');
      expect(seen[0]).toEqual({
        robotId: r.id,
        events: [
          { time: expect.any(Number) as number, self_id: selfId, post_type: 'message', raw_message: 'hello onebot' },
        ],
      });
    } finally {
      gateway.translate = translate;
      stop();
    }
  });

  it('logs a sent message once, as the robot’s own with who sent it; a repeat answers null', async () => {
    const r = await robot('wxid_onebot_sender');
    const log = t.app.get(MessageLogService);
    const sent = {
      robotId: r.id,
      chatId: '123@chatroom',
      isGroup: true,
      kind: 'text',
      text: 'hi from koishi',
      newMsgId: '7322222222222222222',
      msgId: '777',
      createTime: 1_700_000_000,
      sentBy: { via: 'onebot' as const, client: 'fws-1', transport: 'forward-ws', remote: '127.0.0.1:5555' },
    };
    const id = await log.recordSent(sent);
    expect(typeof id).toBe('number');
    expect(await log.recordSent(sent)).toBeNull();
    const detail = (await api().get(`/api/messages/${id}`).expect(200)).body;
    expect(detail).toMatchObject({
      robotId: r.id,
      newMsgId: '7322222222222222222',
      msgId: '777',
      kind: 'text',
      typeName: 'Sent',
      chatId: '123@chatroom',
      isGroup: true,
      isSelf: true,
      text: 'hi from koishi',
      createTime: 1_700_000_000,
      handled: true,
      results: [],
      sentBy: { via: 'onebot', client: 'fws-1', transport: 'forward-ws', remote: '127.0.0.1:5555' },
      details: { sentBy: sent.sentBy },
    });
    const list = (await api().get(`/api/messages?robotId=${r.id}`).expect(200)).body;
    expect(list.items[0].sentBy).toEqual(sent.sentBy);
    // Gewe's echo of the send is then a repeat: the unique (robot, NewMsgId) index holds it
    const echo = textCallback({
      appId: r.appId,
      robotWxid: 'wxid_onebot_sender',
      from: 'wxid_onebot_sender',
      text: 'hi from koishi',
      newMsgId: '7322222222222222222',
      group: '123@chatroom',
    });
    await t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(r.key)}`)
      .set('Content-Type', 'application/json')
      .send(echo)
      .expect(200);
    const again = await waitFor(async () => {
      const l = (await api().get(`/api/messages?robotId=${r.id}`).expect(200)).body;
      const q = (await api().get('/api/queue').expect(200)).body as {
        waiting: number;
        active: number;
        delayed: number;
      };
      return q.waiting + q.active + q.delayed === 0 ? l : null;
    });
    expect(again.total).toBe(1);
    // a message received from Gewe has no sentBy
    const other = await robot();
    await log.record(
      {
        kind: 'text',
        robotId: other.id,
        appId: other.appId,
        robotWxid: null,
        typeName: 'AddMsg',
        msgType: 1,
        newMsgId: '7333333333333333333',
        msgId: null,
        createTime: null,
        fromWxid: 'wxid_x',
        toWxid: null,
        chatId: 'wxid_x',
        isGroup: false,
        senderWxid: 'wxid_x',
        isSelf: false,
        mentions: [],
        mentionsAll: false,
        mentionsSelf: false,
        text: 'x',
        content: 'x',
        pushContent: null,
        details: {},
        raw: {},
      },
      null,
      new Date(),
      'done',
    );
    expect((await api().get(`/api/messages?robotId=${other.id}`).expect(200)).body.items[0].sentBy).toBeNull();
  });

  it('keeps the aliases across a restart on the same database', async () => {
    const r = await robot();
    const ids = t.app.get(OneBotIdStore).mapper(r.id, 'alias');
    const user = await ids.user('wxid_survivor');
    const group = await ids.group('4242@chatroom');
    const ref = {
      robotId: r.id,
      newMsgId: '7344444444444444444',
      msgId: '55',
      createTime: 1_700_000_123,
      chatId: '4242@chatroom',
      messageLogId: null,
    };
    const message = await ids.message(ref);
    await t.close();
    const again = await createTestApp({ dir: t.dir, database: t.database });
    t = { ...again, database: t.database };
    admin = (await login(t)).accessToken;
    const after = t.app.get(OneBotIdStore).mapper(r.id, 'alias');
    expect(await after.userWxid(user)).toBe('wxid_survivor');
    expect(await after.groupChatId(String(group))).toBe('4242@chatroom');
    expect(await after.user('wxid_survivor')).toBe(user);
    expect(await after.group('4242@chatroom')).toBe(group);
    expect(await after.messageRef(message)).toEqual(ref);
    expect(await after.message(ref)).toBe(message);
    // a new id after the restart gets a new alias, never one given before
    expect([user, group]).not.toContain(await after.user('wxid_newcomer'));
  });
});
