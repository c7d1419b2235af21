import { AddressInfo } from 'node:net';
import { LosslessNumber, stringify } from 'lossless-json';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { loadSamples, newMsgIdOf, sampleBody, textCallback } from '../support/samples';
import { cleanRedis, describeWithRedis, queueOverrides, type QueueMode } from '../support/services';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };
type Mode = QueueMode;

function pipelineSuite(mode: Mode) {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let gewe: { baseUrl: string };
  let robot: { id: number; appId: string; callbackUrl: string; wxid: string };
  let key: string;
  const prefix = `og-pipe:${mode}:${process.pid}:${Date.now().toString(36)}:`;

  beforeAll(async () => {
    fake = new FakeGewe();
    gewe = await fake.start();
    t = await createTestApp({
      overrides: {
        ...queueOverrides(mode, prefix),
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
        plugins: { plugins_dir: 'plugins', enabled_plugins: ['ExamplePlugin'] },
      },
    });
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    admin = (await login(t)).accessToken;
    await t
      .http()
      .put('/api/system/config')
      .set(bearer(admin))
      .send({ settings: { 'gewe.callback_url': `http://127.0.0.1:${port}/api/webhook` } })
      .expect(200);

    // a robot logged in on the fake Gewe: its callback URL is registered there
    const token = fake.issueToken();
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer(admin))
        .send({ name: 'pipeline', baseUrl: gewe.baseUrl, token, isGewe: false })
        .expect(201)
    ).body;
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer(admin)).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer(admin))).body.appId as string;
    fake.confirm(appId, { wxid: 'wxid_robot_pipe' });
    const online = await waitFor(
      async () => {
        const s = (await t.http().get(`/api/robots/${created.id}/status`).set(bearer(admin))).body;
        return s.status === 'online' ? s : null;
      },
      5000,
      'robot online',
    );
    expect(online.callbackRegistered).toBe(true);
    robot = { id: created.id, appId, callbackUrl: created.callbackUrl, wxid: 'wxid_robot_pipe' };
    key = new URL(created.callbackUrl).searchParams.get('key')!;
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    if (mode === 'advanced') await cleanRedis(prefix);
  });

  const post = (body: string, k: string | null = key) =>
    t
      .http()
      .post(`/api/webhook${k === null ? '' : `?key=${encodeURIComponent(k)}`}`)
      .set('Content-Type', 'application/json')
      .send(body);
  const messages = async (q = '') =>
    (await t.http().get(`/api/messages?robotId=${robot.id}&limit=200${q}`).set(bearer(admin)).expect(200)).body as {
      items: { id: number; kind: string; newMsgId: string | null; handled: boolean }[];
      total: number;
    };

  it('answers the Gewe probe sent while registering the callback URL', async () => {
    // setCallback during the login already probed the real webhook; a direct probe:
    const token = fake.issueToken();
    await t
      .http()
      .post(`/api/robots?verify=false`)
      .set(bearer(admin))
      .send({ name: 'probe', baseUrl: gewe.baseUrl, token })
      .expect(201);
    const probeKey = new URL(
      (await t.http().get('/api/robots?search=probe').set(bearer(admin))).body.items[0].callbackUrl,
    ).searchParams.get('key')!;
    await post(JSON.stringify({ testMsg: '回调地址链接成功！', token }), probeKey).expect(200);
    // whether a robot uses a token is not told: the same 401 as for a wrong key
    const unused = await post(JSON.stringify({ testMsg: 'x', token: 'nobody-has-this' }), probeKey).expect(401);
    const wrongKey = await post(JSON.stringify({ testMsg: 'x', token }), key).expect(401);
    const noKey = await post(JSON.stringify({ testMsg: 'x', token }), 'x'.repeat(32)).expect(401);
    for (const r of [unused, wrongKey, noKey])
      expect([r.body.code, r.body.message]).toEqual([unused.body.code, unused.body.message]);
    expect(unused.body.code).toBe('WEBHOOK_UNAUTHORIZED');
  });

  it('refuses a missing or wrong key and an unknown Appid with one 401, bad bodies with 400 and 413', async () => {
    const body = textCallback({
      appId: robot.appId,
      robotWxid: robot.wxid,
      from: 'wxid_a',
      text: 'hi',
      newMsgId: '7000000000000000001',
    });
    const other = textCallback({
      appId: 'wx_nobody',
      robotWxid: robot.wxid,
      from: 'wxid_a',
      text: 'hi',
      newMsgId: '7000000000000000002',
    });
    // one answer for every failure: no key, a wrong key, an unknown Appid with the right key or with a wrong one
    const refusals = [
      await post(body, null).expect(401),
      await post(body, 'x'.repeat(32)).expect(401),
      await post(other).expect(401),
      await post(other, 'x'.repeat(32)).expect(401),
      await post('{"TypeName":', 'x'.repeat(32)).expect(401), // the key is checked before the body
    ];
    for (const r of refusals)
      expect({ code: r.body.code, message: r.body.message }).toEqual({
        code: 'WEBHOOK_UNAUTHORIZED',
        message: refusals[0].body.message,
      });
    expect((await post('{"TypeName":').expect(400)).body.code).toBe('MALFORMED_JSON');
    await post('[1,2]').expect(400);
    await post('"text"').expect(400);
    await post('{"TypeName":"AddMsg"}').expect(400);
    await post('['.repeat(100) + ']'.repeat(100)).expect(400);
    const huge = JSON.stringify({ Appid: robot.appId, pad: 'x'.repeat(3 * 1024 * 1024) });
    expect((await post(huge).expect(413)).body.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await messages('&kind=text')).items.some((m) => m.newMsgId === '7000000000000000001')).toBe(false);
  });

  it('turns all 31 official samples into message-log rows of the expected kind with exact 64-bit ids', async () => {
    const samples = loadSamples();
    expect(samples).toHaveLength(31);
    for (const s of samples) await post(sampleBody(s, robot.appId)).expect(200);
    const expected = samples.map((s) => ({ kind: s.kind, newMsgId: newMsgIdOf(s) }));
    const rows = await waitFor(
      async () => {
        const m = await messages();
        const sampleRows = m.items.filter(
          (r) => expected.some((e) => e.newMsgId !== null && e.newMsgId === r.newMsgId) || r.newMsgId === null,
        );
        return sampleRows.length >= 31 ? sampleRows : null;
      },
      10_000,
      '31 logged samples',
    );
    for (const e of expected.filter((x) => x.newMsgId !== null))
      expect(rows.find((r) => r.newMsgId === e.newMsgId)?.kind).toBe(e.kind);
    const withoutId = expected
      .filter((x) => x.newMsgId === null)
      .map((x) => x.kind)
      .sort();
    expect(
      rows
        .filter((r) => r.newMsgId === null)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(withoutId);
    // exact: the ids are the decimal strings of the file, beyond 2^53
    expect(rows.some((r) => r.newMsgId !== null && BigInt(r.newMsgId) > 2n ** 53n)).toBe(true);
  });

  it('accepts a callback carrying a large inline voice buffer', async () => {
    const voice = loadSamples().find((x) => x.kind === 'voice')!;
    const payload: Record<string, unknown> = { ...voice.payload, Appid: robot.appId };
    const data: Record<string, unknown> = {
      ...(payload.Data as Record<string, unknown>),
      NewMsgId: new LosslessNumber('7456789012345678901'),
    };
    data.ImgBuf = { iLen: 150_000, buffer: Buffer.alloc(112_500, 7).toString('base64') };
    const body = stringify({ ...payload, Data: data })!;
    await post(body).expect(200);
    const row = await waitFor(
      async () => (await messages()).items.find((m) => m.newMsgId === '7456789012345678901'),
      5000,
      'the voice logged',
    );
    expect(row.kind).toBe('voice');
  });

  it('handles a callback sent twice only once', async () => {
    const body = textCallback({
      appId: robot.appId,
      robotWxid: robot.wxid,
      from: 'wxid_twice',
      text: 'ping',
      newMsgId: '7234567890123456789',
    });
    await post(body).expect(200);
    const again = await post(body).expect(200);
    const row = await waitFor(
      async () => (await messages()).items.find((m) => m.newMsgId === '7234567890123456789' && m.handled),
      5000,
      'the message handled',
    );
    // a later repeat (after processing) is dropped by the message log
    await post(body).expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await messages()).items.filter((m) => m.newMsgId === '7234567890123456789')).toHaveLength(1);
    expect(again.body.duplicate === true || row.id > 0).toBe(true);
    const pongs = fake.sends('/message/postText').filter((s) => (s.body as { toWxid: string }).toWxid === 'wxid_twice');
    expect(pongs).toHaveLength(1);
  });

  it('lets ExamplePlugin answer "ping" with "pong" through Gewe', async () => {
    await fake.postCallback(
      robot.callbackUrl,
      textCallback({
        appId: robot.appId,
        robotWxid: robot.wxid,
        from: 'wxid_friend',
        text: ' PING ',
        newMsgId: '7345678901234567890',
      }),
    );
    const sent = await waitFor(
      () => fake.sends('/message/postText').find((s) => (s.body as { toWxid: string }).toWxid === 'wxid_friend'),
      5000,
      'the pong',
    );
    expect(sent.body).toMatchObject({ toWxid: 'wxid_friend', content: 'pong' });
    const m = (await messages()).items.find((x) => x.newMsgId === '7345678901234567890')!;
    const detail = (await t.http().get(`/api/messages/${m.id}`).set(bearer(admin)).expect(200)).body;
    expect(detail).toMatchObject({
      kind: 'text',
      text: 'PING',
      senderWxid: 'wxid_friend',
      chatId: 'wxid_friend',
      isGroup: false,
    });
    expect(
      detail.results.some((r: { plugin: string; status: string }) => r.plugin === 'ExamplePlugin' && r.status === 'ok'),
    ).toBe(true);
    expect(JSON.stringify(detail.raw)).toContain('7345678901234567890');
  });

  it('replays a logged message to the plugins on demand', async () => {
    const m = (await messages()).items.find((x) => x.newMsgId === '7345678901234567890')!;
    const before = fake.sends('/message/postText').length;
    const res = await t
      .http()
      .post(`/api/messages/${m.id}/replay`)
      .set(bearer(admin))
      .send({ plugin: 'ExamplePlugin' })
      .expect(200);
    expect(res.body.results.some((r: { plugin: string }) => r.plugin === 'ExamplePlugin')).toBe(true);
    await waitFor(() => fake.sends('/message/postText').length > before, 3000, 'the replayed pong');
  });

  it('lists the message log with filters and validates them', async () => {
    const texts = await messages('&kind=text');
    expect(texts.items.every((m) => m.kind === 'text')).toBe(true);
    await t.http().get('/api/messages?kind=nope').set(bearer(admin)).expect(400);
    await t.http().get('/api/messages/999999').set(bearer(admin)).expect(404);
    await t.http().get('/api/messages').expect(401);
  });

  it('reports queue depth and an empty dead-letter list', async () => {
    const depth = (await t.http().get('/api/queue').set(bearer(admin)).expect(200)).body;
    expect(depth).toMatchObject({ type: mode, failed: 0 });
    // the pongs went through the send governor
    expect(depth.sends.find((x: { robotId: number }) => x.robotId === robot.id)?.sent).toBeGreaterThanOrEqual(2);
    expect((await t.http().get('/api/queue/failed').set(bearer(admin)).expect(200)).body.total).toBe(0);
    await t.http().post('/api/queue/failed/12345/retry').set(bearer(admin)).expect(404);
  });

  it('writes the access line of an accepted callback at debug only, and of a refused one at warn', async () => {
    const tag = `${mode}-${Date.now().toString(36)}`;
    const body = (newMsgId: string) =>
      textCallback({ appId: robot.appId, robotWxid: robot.wxid, from: 'wxid_log', text: 'hi', newMsgId });
    const lines = async (requestId: string) =>
      (await t.http().get(`/api/system/logs?requestId=${requestId}`).set(bearer(admin)).expect(200)).body.items as {
        level: string;
        message: string;
      }[];
    const send = (newMsgId: string, requestId: string, k = key) =>
      t
        .http()
        .post(`/api/webhook?key=${encodeURIComponent(k)}`)
        .set('Content-Type', 'application/json')
        .set('X-Request-Id', requestId)
        .send(body(newMsgId));

    await send('7456000000000000001', `ok-${tag}`).expect(200);
    await send('7456000000000000002', `bad-${tag}`, 'x'.repeat(32)).expect(401);
    // the refused call came second: once its line is in the file, the accepted one's would be too
    const refused = await waitFor(async () => (await lines(`bad-${tag}`)).length > 0 || null, 3000, 'the 401 line');
    expect(refused).toBe(true);
    expect(await lines(`bad-${tag}`)).toEqual([
      expect.objectContaining({ level: 'warn', message: 'request completed' }),
    ]);
    expect((await lines(`ok-${tag}`)).filter((l) => l.message === 'request completed')).toEqual([]);

    // at debug it is there, with its request id (the message log keeps the id as well)
    await t.http().put('/api/system/log-level').set(bearer(admin)).send({ level: 'debug' }).expect(200);
    try {
      await send('7456000000000000003', `dbg-${tag}`).expect(200);
      const line = await waitFor(
        async () => (await lines(`dbg-${tag}`)).find((l) => l.message === 'request completed'),
        3000,
        'the debug access line',
      );
      expect(line.level).toBe('debug');
    } finally {
      await t.http().put('/api/system/log-level').set(bearer(admin)).send({ level: 'info' }).expect(200);
    }
  });

  it('starts a reconnection when Gewe sends an Offline callback', async () => {
    fake.setOnline(robot.appId, false, { reconnectable: true });
    await post(JSON.stringify({ TypeName: 'Offline', Appid: robot.appId, Wxid: robot.wxid })).expect(200);
    await waitFor(() => fake.calls('/login/reconnection').some((c) => c.appId === robot.appId), 5000, 'a reconnection');
    await waitFor(
      async () => (await t.http().get(`/api/robots/${robot.id}/status`).set(bearer(admin))).body.status === 'online',
      5000,
      'online again',
    );
  });
}

describeE2E('callback pipeline, simple queue', () => pipelineSuite('simple'));
describeE2E('callback pipeline, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => pipelineSuite('advanced')),
);
