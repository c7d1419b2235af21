import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { textCallback } from '../support/samples';
import { readSse, SseEvent, SseStream } from '../support/sse';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { sleep, waitFor } from '../support/wait';

describeE2E('live events (GET /api/events, Server-Sent Events)', () => {
  let t: TestApp & { database: TestDatabase };
  let fake: FakeGewe;
  let session: { accessToken: string; refreshToken: string };
  let robot: { id: number; appId: string; key: string };
  const streams: SseStream[] = [];
  const open = (path: string, headers: Record<string, string> = {}) => {
    const req = t.http().get(path);
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    const s = readSse(req);
    streams.push(s);
    return s;
  };
  const statusOf = (robotId: number, status: string) => (e: SseEvent) =>
    e.event === 'robot.status' &&
    (e.data as { robotId: number }).robotId === robotId &&
    (e.data as { status: string }).status === status;

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    t = await createTestApp({
      overrides: { gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' } },
    });
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    session = await login(t);
    await t
      .http()
      .put('/api/system/config')
      .set(bearer(session.accessToken))
      .send({ settings: { 'gewe.callback_url': `http://127.0.0.1:${port}/api/webhook` } })
      .expect(200);
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer(session.accessToken))
        .send({ name: 'live', baseUrl: gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    robot = { id: created.id, appId: '', key: new URL(created.callbackUrl).searchParams.get('key')! };
  });
  afterAll(async () => {
    for (const s of streams) await s.close();
    await destroyTestApp(t);
    await fake.stop();
  });

  it('answers 401 without a token, with a bad ?access_token= and with an access_token on any other route', async () => {
    expect((await t.http().get('/api/events').expect(401)).body.code).toBe('MISSING_TOKEN');
    expect((await t.http().get('/api/events?access_token=not.a.jwt').expect(401)).body.code).toBe('INVALID_TOKEN');
    const tok = encodeURIComponent(session.accessToken);
    expect((await t.http().get(`/api/robots?access_token=${tok}`).expect(401)).body.code).toBe('MISSING_TOKEN');
    expect((await t.http().get(`/api/auth/me?access_token=${tok}`).expect(401)).body.code).toBe('MISSING_TOKEN');
    await t.http().get(`/api/events?lastEventId=abc`).set(bearer(session.accessToken)).expect(400);
    await t.http().get(`/api/events?x=1`).set(bearer(session.accessToken)).expect(400);
  });

  it('refuses the query token of a session that logged out', async () => {
    const other = await login(t);
    await t.http().post('/api/auth/logout').set(bearer(other.accessToken)).send({}).expect(200);
    await t
      .http()
      .get(`/api/events?access_token=${encodeURIComponent(other.accessToken)}`)
      .expect(401);
  });

  it('streams the QR login of a robot: awaiting_scan, scanned, online, with increasing ids', async () => {
    const s = open(`/api/events?access_token=${encodeURIComponent(session.accessToken)}`);
    const ready = await s.next((e) => e.event === 'ready');
    expect(s.status()).toBe(200);
    expect(ready.id).toBeUndefined();
    expect(ready.data).toEqual({ lastEventId: expect.stringMatching(/^\d+$/), replayed: 0 });

    await t.http().post(`/api/robots/${robot.id}/login`).set(bearer(session.accessToken)).expect(200);
    await s.next(statusOf(robot.id, 'awaiting_scan'), 5000, 'awaiting_scan');
    robot.appId = (await t.http().get(`/api/robots/${robot.id}`).set(bearer(session.accessToken))).body.appId;
    fake.scan(robot.appId, { nickName: 'Scanner' });
    const scanned = await s.next(statusOf(robot.id, 'scanned'), 5000, 'scanned');
    expect(scanned.data).toMatchObject({ previous: 'awaiting_scan', reason: null, at: expect.any(String) });
    fake.confirm(robot.appId, { wxid: 'wxid_live_robot' });
    await s.next(statusOf(robot.id, 'online'), 5000, 'online');

    const ids = s.events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.min(...ids)).toBeGreaterThan(Number((ready.data as { lastEventId: string }).lastEventId));
  });

  const postText = (text: string, newMsgId: string) =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(robot.key)}`)
      .set('Content-Type', 'application/json')
      .send(textCallback({ appId: robot.appId, robotWxid: 'wxid_live_robot', from: 'wxid_friend', text, newMsgId }))
      .expect(200);

  it('streams each new message once it is logged (the Authorization header works too)', async () => {
    const s = open('/api/events', bearer(session.accessToken));
    await s.next((e) => e.event === 'ready');
    await postText('hello live', '7100000000000000001');
    const m = await s.next((e) => e.event === 'message', 5000, 'message');
    expect(m.data).toEqual({
      id: expect.any(Number),
      robotId: robot.id,
      kind: 'text',
      chatId: 'wxid_friend',
      isGroup: false,
      senderWxid: 'wxid_friend',
      isSelf: false,
      text: 'hello live',
      newMsgId: '7100000000000000001',
      receivedAt: expect.any(String),
    });
    const logged = (
      await t
        .http()
        .get(`/api/messages/${(m.data as { id: number }).id}`)
        .set(bearer(session.accessToken))
        .expect(200)
    ).body;
    expect(logged.newMsgId).toBe('7100000000000000001');
    // a repeated callback is dropped by the pipeline: no second event
    await postText('hello live', '7100000000000000001');
    await sleep(300);
    expect(s.events.filter((e) => e.event === 'message')).toHaveLength(1);
  });

  it('resumes after Last-Event-ID with what was missed, and asks for a resync when it cannot', async () => {
    const first = open('/api/events', bearer(session.accessToken));
    await first.next((e) => e.event === 'ready');
    await postText('one', '7100000000000000002');
    const seen = await first.next((e) => e.event === 'message' && (e.data as { text: string }).text === 'one');
    await first.close();

    // one after the other, each seen published on a second stream: the queue's workers run callbacks concurrently,
    // so two posted together may be logged (and published) in either order
    const watch = open('/api/events', bearer(session.accessToken));
    await watch.next((e) => e.event === 'ready');
    for (const [text, id] of [
      ['two', '7100000000000000003'],
      ['three', '7100000000000000004'],
    ]) {
      await postText(text, id);
      await watch.next((e) => e.event === 'message' && (e.data as { text: string }).text === text);
    }
    await watch.close();

    const resumed = open('/api/events', { ...bearer(session.accessToken), 'Last-Event-ID': seen.id! });
    const ready = await resumed.next((e) => e.event === 'ready');
    // what was missed: the two messages, and whatever else was published meanwhile (a queue.depth change on a busy
    // machine) — the messages are checked below
    const replayed = (ready.data as { replayed: number }).replayed;
    expect(replayed).toBeGreaterThanOrEqual(2);
    await resumed.next((e) => e.event === 'message' && (e.data as { text: string }).text === 'three');
    const texts = resumed.events.filter((e) => e.event === 'message').map((e) => (e.data as { text: string }).text);
    expect(texts).toEqual(['two', 'three']);

    // the same through ?lastEventId= (a new EventSource cannot send the header)
    const viaQuery = open(`/api/events?lastEventId=${seen.id}&access_token=${encodeURIComponent(session.accessToken)}`);
    expect(
      ((await viaQuery.next((e) => e.event === 'ready')).data as { replayed: number }).replayed,
    ).toBeGreaterThanOrEqual(2);

    const lost = open('/api/events', { ...bearer(session.accessToken), 'Last-Event-ID': '12' });
    await lost.next((e) => e.event === 'resync');
    expect(lost.events.filter((e) => e.event === 'message')).toEqual([]);
  });

  it('never writes the query token into the log', async () => {
    const s = open(`/api/events?access_token=${encodeURIComponent(session.accessToken)}`);
    await s.next((e) => e.event === 'ready');
    await s.close();
    const file = join(t.dir, 'logs', 'opengewe.log');
    const line = await waitFor(
      () =>
        readFileSync(file, 'utf8')
          .split('\n')
          .find((l) => l.includes('/api/events?access_token=')),
      5000,
      'the access line of the stream',
    );
    expect(line).toContain('access_token=[REDACTED]');
    expect(readFileSync(file, 'utf8')).not.toContain(session.accessToken);
  });

  it('ends open streams when the service shuts down', async () => {
    // covered by afterAll: destroyTestApp would hang on an open stream; here one is left open on purpose
    const s = open('/api/events', bearer(session.accessToken));
    await s.next((e) => e.event === 'ready');
    expect(s.ended()).toBe(false);
  });
});
