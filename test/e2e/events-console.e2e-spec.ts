import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { InboxEntity } from '../../src/queue/inbox.entity';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { writePlugin } from '../support/plugin-runtime';
import { textCallback } from '../support/samples';
import { cleanRedis, describeWithRedis, REDIS } from '../support/services';
import { readSse, SseEvent, SseStream } from '../support/sse';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

/** Throws on "boom", never finishes on "slow": every failure kind a handler has. */
const FAILING = `
module.exports = {
  handlers: [
    {
      on: 'text',
      async handle(ctx) {
        if (ctx.event.text === 'boom') throw new Error('kaboom from the plugin');
        if (ctx.event.text === 'slow') await new Promise(() => undefined);
      },
    },
  ],
};
`;

function streams(t: () => App) {
  const open: SseStream[] = [];
  return {
    open(path: string, headers: Record<string, string> = {}) {
      const req = t().http().get(path);
      for (const [k, v] of Object.entries(headers)) req.set(k, v);
      const s = readSse(req);
      open.push(s);
      return s;
    },
    async closeAll() {
      for (const s of open.splice(0)) await s.close();
    },
  };
}

const logOf = (requestId: string) => (e: SseEvent) =>
  e.event === 'log' && (e.data as { requestId: string | null }).requestId === requestId;

describeE2E('live events for the console: plugin failures, queue depth, log lines', () => {
  let t: App;
  let fake: FakeGewe;
  let admin: string;
  let viewer: string;
  let robot: { id: number; appId: string; key: string };
  const sse = streams(() => t);

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    const dir = mkdtempSync(join(tmpdir(), 'og-e2e-events-'));
    writePlugin(join(dir, 'plugins'), 'Failing', FAILING);
    t = await createTestApp({
      dir,
      overrides: {
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
        plugins: {
          plugins_dir: join(dir, 'plugins'),
          enabled_plugins: ['Failing'],
          handler_timeout: '300ms',
          max_consecutive_failures: 2,
        },
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
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'viewer', password: 'Viewer-password-123', isAdmin: false })
      .expect(201);
    viewer = (await login(t, 'viewer', 'Viewer-password-123')).accessToken;
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer(admin))
        .send({ name: 'events', baseUrl: gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer(admin)).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer(admin))).body.appId as string;
    fake.confirm(appId, { wxid: 'wxid_events_robot' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer(admin))).body.status === 'online',
      5000,
      'robot online',
    );
    robot = { id: created.id, appId, key: new URL(created.callbackUrl as string).searchParams.get('key')! };
  });
  afterAll(async () => {
    await sse.closeAll();
    await destroyTestApp(t);
    await fake.stop();
  });

  const postText = (text: string, newMsgId: string) =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(robot.key)}`)
      .set('Content-Type', 'application/json')
      .send(textCallback({ appId: robot.appId, robotWxid: 'wxid_events_robot', from: 'wxid_friend', text, newMsgId }))
      .expect(200);

  it('streams a plugin failure for a handler that throws, one that times out, and the automatic disable', async () => {
    const s = sse.open('/api/events', bearer(admin));
    await s.next((e) => e.event === 'ready');
    const failure = (kind: string) => (e: SseEvent) =>
      e.event === 'plugin.failure' && (e.data as { kind: string }).kind === kind;

    await postText('boom', '7300000000000000001');
    const thrown = await s.next(failure('error'), 8000, 'the error');
    const m = await s.next((e) => e.event === 'message', 5000, 'the message');
    expect(thrown.data).toEqual({
      plugin: 'Failing',
      kind: 'error',
      handler: expect.any(String),
      job: null,
      robotId: robot.id,
      messageId: (m.data as { id: number }).id,
      requestId: expect.any(String),
      reason: expect.stringContaining('kaboom from the plugin'),
      gewe: false,
      at: expect.any(String),
    });

    await postText('slow', '7300000000000000002');
    const slow = await s.next(failure('timeout'), 8000, 'the timeout');
    expect(slow.data).toMatchObject({ plugin: 'Failing', robotId: robot.id, reason: 'timed out after 300 ms' });
    // the second failure in a row reached max_consecutive_failures = 2
    const disabled = await s.next(failure('disabled'), 8000, 'the automatic disable');
    expect(disabled.data).toMatchObject({
      plugin: 'Failing',
      robotId: robot.id,
      messageId: (slow.data as { messageId: number }).messageId,
      reason: expect.stringMatching(/^disabled automatically after 2 consecutive failures: timed out/),
    });
    const plugin = (await t.http().get('/api/plugins/Failing').set(bearer(admin)).expect(200)).body;
    expect(plugin.enabled).toBe(false);
  });

  it('streams the queue depth when someone watches, and again whenever it changes', async () => {
    const s = sse.open('/api/events', bearer(viewer));
    await s.next((e) => e.event === 'ready');
    const first = await s.next((e) => e.event === 'queue.depth', 8000, 'the first counts');
    expect(first.data).toEqual({
      type: 'simple',
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: expect.any(Number),
      at: expect.any(String),
    });
    const failedBefore = (first.data as { failed: number }).failed;
    // a dead letter appears (as after the last attempt of a callback that kept failing)
    const inbox = t.app.get(DataSource).getRepository(InboxEntity);
    await inbox.save(
      inbox.create({
        dedupKey: `${robot.id}-dead-letter`,
        robotId: robot.id,
        payload: '{}',
        requestId: null,
        status: 'failed',
        attempts: 3,
        lastError: 'kept failing',
        nextAttemptAt: new Date(),
      }),
    );
    const changed = await s.next(
      (e) => e.event === 'queue.depth' && (e.data as { failed: number }).failed === failedBefore + 1,
      8000,
      'the new counts',
    );
    expect(changed.data).toMatchObject({ waiting: 0, delayed: 0 });
    // published on change only: two events in a row never carry the same counts
    const counts = s.events
      .filter((e) => e.event === 'queue.depth')
      .map((e) => {
        const { at: _at, ...rest } = e.data as Record<string, unknown>;
        return JSON.stringify(rest);
      });
    for (let i = 1; i < counts.length; i++) expect(counts[i]).not.toBe(counts[i - 1]);
  });

  it('streams log lines at or above the level an admin asks for, redacted as in the log file', async () => {
    const warn = sse.open('/api/events?logLevel=WARNING', bearer(admin));
    const info = sse.open('/api/events?logLevel=info', bearer(admin));
    expect((await warn.next((e) => e.event === 'ready')).data).toMatchObject({ logLevel: 'warn' });
    expect((await info.next((e) => e.event === 'ready')).data).toMatchObject({ logLevel: 'info' });

    // a 404 is logged at warn, a 200 at info (the access line of each request)
    await t.http().get('/api/robots/999999').set(bearer(admin)).set('X-Request-Id', 'console-e2e-404').expect(404);
    await t.http().get('/api/robots').set(bearer(admin)).set('X-Request-Id', 'console-e2e-200').expect(200);
    const line = await warn.next(logOf('console-e2e-404'), 5000, 'the warn line');
    expect(line.data).toMatchObject({
      level: 'warn',
      requestId: 'console-e2e-404',
      time: expect.any(String),
      message: expect.any(String),
      dropped: 0,
    });
    await info.next(logOf('console-e2e-404'), 5000, 'the warn line on the info stream');
    await info.next(logOf('console-e2e-200'), 5000, 'the info line');
    expect(warn.events.some(logOf('console-e2e-200'))).toBe(false);

    // a credential in a logged URL is masked in the event as in the file
    const secret = 'a-secret-token-that-must-not-leak';
    await t.http().get(`/api/robots?access_token=${secret}`).set('X-Request-Id', 'console-e2e-401').expect(401);
    const refused = await warn.next(logOf('console-e2e-401'), 5000, 'the 401 line');
    expect(JSON.stringify(refused.data)).toContain('access_token=[REDACTED]');
    expect(JSON.stringify(warn.events)).not.toContain(secret);
  });

  it('sends no log lines to a stream that did not ask, nor to a user who is not an admin', async () => {
    const none = sse.open('/api/events', bearer(admin));
    const nonAdmin = sse.open('/api/events?logLevel=trace', bearer(viewer));
    const watcher = sse.open('/api/events?logLevel=info', bearer(admin));
    expect((await none.next((e) => e.event === 'ready')).data).not.toHaveProperty('logLevel');
    expect((await nonAdmin.next((e) => e.event === 'ready')).data).toMatchObject({ logLevel: null });
    await watcher.next((e) => e.event === 'ready');

    await t.http().get('/api/robots/999998').set(bearer(viewer)).set('X-Request-Id', 'console-e2e-viewer').expect(404);
    await watcher.next(logOf('console-e2e-viewer'), 5000, 'the line, on the admin stream');
    // a message after the line: a stream that has it has been sent everything before it
    await postText('after the line', '7300000000000000003');
    const after = (e: SseEvent) => e.event === 'message' && (e.data as { text: string }).text === 'after the line';
    await nonAdmin.next(after, 8000, 'the message on the non-admin stream');
    await none.next(after, 8000, 'the message on the stream without logLevel');
    expect(nonAdmin.events.filter((e) => e.event === 'log')).toEqual([]);
    expect(none.events.filter((e) => e.event === 'log')).toEqual([]);
  });

  it('refuses an unknown log level, naming the parameter', async () => {
    const res = await t.http().get('/api/events?logLevel=loud').set(bearer(admin)).expect(400);
    expect(JSON.stringify(res.body.message)).toContain('logLevel');
  });

  it('finds persisted log lines by text, and messages by text and date range', async () => {
    const found = await waitFor(
      async () => {
        const res = await t.http().get('/api/system/logs?q=CONSOLE-E2E-404').set(bearer(admin)).expect(200);
        return res.body.total > 0 ? res.body : null;
      },
      5000,
      'the line in the log file',
    );
    expect(found.items.every((i: { requestId: string }) => i.requestId === 'console-e2e-404')).toBe(true);

    const boom = (await t.http().get('/api/messages?q=boo').set(bearer(admin)).expect(200)).body;
    expect(boom.items.map((i: { text: string }) => i.text)).toEqual(['boom']);
    const percent = (await t.http().get('/api/messages?q=%25').set(bearer(admin)).expect(200)).body;
    expect(percent.total).toBe(0);
    const past = (await t.http().get('/api/messages?until=2000-01-01T00:00:00Z').set(bearer(admin)).expect(200)).body;
    expect(past.total).toBe(0);
    const now = new Date(Date.now() + 60_000).toISOString();
    const all = (await t.http().get(`/api/messages?until=${now}`).set(bearer(admin)).expect(200)).body;
    expect(all.total).toBeGreaterThanOrEqual(3);
    await t.http().get('/api/messages?until=yesterday').set(bearer(admin)).expect(400);
  });
});

describeE2E('live events for the console across two instances', () => {
  describeWithRedis('with Redis', () => {
    const prefix = `og-events-console:${process.pid}:${Date.now().toString(36)}:`;
    let a: App;
    let b: App;
    let tokenB: string;
    const sse = streams(() => b);
    const logsB = mkdtempSync(join(tmpdir(), 'og-logs-b-'));

    beforeAll(async () => {
      const overrides = { backend: { enable_redis: true }, redis: { host: REDIS.host, port: REDIS.port, prefix } };
      // the test below sends 404s until one reaches the other instance: none of their lines may be throttled
      a = await createTestApp({ overrides: { ...overrides, logging: { rejected_log_limit: 0 } } });
      // the same database and Redis, its own log directory: a second instance of the service
      b = await createTestApp({
        dir: a.dir,
        database: a.database,
        overrides: { ...overrides, logging: { path: logsB } },
      });
      tokenB = (await login(b)).accessToken;
    });
    afterAll(async () => {
      await sse.closeAll();
      await b.close();
      await destroyTestApp(a);
      rmSync(logsB, { recursive: true, force: true });
      await cleanRedis(prefix);
    });

    it('delivers to a stream on one instance the log lines the other instance publishes', async () => {
      const s = sse.open('/api/events?logLevel=warn', bearer(tokenB));
      await s.next((e) => e.event === 'ready');
      // the instances learn which levels are wanted every few seconds: ask until a line arrives
      const tokenA = (await login(a)).accessToken;
      let n = 0;
      await waitFor(
        async () => {
          const id = `console-e2e-remote-${++n}`;
          await a.http().get('/api/robots/999997').set(bearer(tokenA)).set('X-Request-Id', id).expect(404);
          return s.events.some(
            (e) =>
              e.event === 'log' && /^console-e2e-remote-/.test(String((e.data as { requestId: string }).requestId)),
          );
        },
        20_000,
        'a log line of the other instance',
      );
    });
  });
});
