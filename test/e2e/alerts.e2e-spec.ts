import { AlertReceiver } from '../support/alert-receiver';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { onlineRobot, OnlineRobot, pointCallbacksAtApp } from '../support/online-robot';
import { cleanRedis, describeWithRedis, REDIS, redisPrefix } from '../support/services';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { sleep, waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

describeE2E('alerts', () => {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let control: string;
  let watched: OnlineRobot;
  let alerter: OnlineRobot;
  const receiver = new AlertReceiver();
  const overrides = {
    gewe: {
      login_poll_interval: '50ms',
      health_check_interval: '200ms',
      reconnect_attempts: 100,
      reconnect_backoff: '100ms',
      send_min_interval: '0ms',
      send_jitter: '0ms',
    },
    alerts: { evaluate_interval: '100ms', rules: ['robot_offline'], robot_offline_after: '300ms', resolve_after: '0s' },
  };

  beforeAll(async () => {
    await receiver.start();
    fake = new FakeGewe();
    const urls = await fake.start();
    control = urls.controlUrl;
    t = await createTestApp({ overrides });
    await t.app.listen(0, '127.0.0.1');
    admin = (await login(t)).accessToken;
    await pointCallbacksAtApp(t, admin);
    watched = await onlineRobot(t, admin, fake, urls.baseUrl, 'watched', 'wxid_watched');
    alerter = await onlineRobot(t, admin, fake, urls.baseUrl, 'alerter', 'wxid_alerter');
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    await receiver.stop();
  });

  const wechatToOps = () => fake.sends('/message/postText').filter((s) => s.body.toWxid === 'wxid_ops');
  const controlPost = async (path: string, body: object) => {
    const res = await fetch(`${control}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const alerts = async (q = '') =>
    (await t.http().get(`/api/alerts${q}`).set(bearer(admin)).expect(200)).body as {
      items: { id: number; rule: string; state: string; robotId: number | null; deliveries: object[] }[];
      total: number;
    };

  it('refuses a test alert while no channel is configured', async () => {
    expect((await t.http().post('/api/alerts/test').set(bearer(admin)).expect(409)).body.code).toBe(
      'NO_ALERT_CHANNELS',
    );
  });

  it('takes channels and thresholds at runtime, validated field by field, the secret masked', async () => {
    const bad = await t
      .http()
      .put('/api/alerts/config')
      .set(bearer(admin))
      .send({ webhookUrl: 'ftp://x', rules: ['nope'], wechatTo: ['bad wxid'], webhookAttempts: 0 })
      .expect(400);
    const message = JSON.stringify(bad.body.message);
    for (const field of ['webhookUrl', 'rules', 'wechatTo', 'webhookAttempts']) expect(message).toContain(field);

    const res = await t
      .http()
      .put('/api/alerts/config')
      .set(bearer(admin))
      .send({
        webhookUrl: receiver.url,
        webhookSecret: 'hook-secret-1',
        webhookBackoffMs: 50,
        wechatRobotId: alerter.id,
        wechatTo: ['wxid_ops'],
      })
      .expect(200);
    expect(res.body).toMatchObject({
      enabled: true,
      evaluateIntervalMs: 100,
      rules: ['robot_offline'],
      robotOfflineAfterMs: 300,
      webhookUrl: receiver.url,
      webhookSecret: '********',
      wechatRobotId: alerter.id,
      wechatTo: ['wxid_ops'],
    });
    expect(res.body.runtime).toEqual(
      expect.arrayContaining(['webhookUrl', 'webhookSecret', 'webhookBackoffMs', 'wechatRobotId', 'wechatTo']),
    );
    expect(JSON.stringify(res.body)).not.toContain('hook-secret-1');
    // the same settings, seen through the runtime settings API
    const cfg = await t.http().get('/api/system/config').set(bearer(admin)).expect(200);
    const setting = (n: string) => cfg.body.settings.find((s: { name: string }) => s.name === n);
    expect(setting('alerts.webhook_secret')).toMatchObject({ value: '********', source: 'runtime' });
    expect(setting('alerts.rules').allowedValues).toContain('gewe_error_rate');
  });

  it('sends a test alert on both channels and records no incident', async () => {
    const res = await t.http().post('/api/alerts/test').set(bearer(admin)).expect(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.deliveries.map((d: { channel: string; target: string }) => `${d.channel} ${d.target}`)).toEqual([
      `webhook ${new URL(receiver.url).host}`,
      'wechat wxid_ops',
    ]);
    expect(receiver.bodies).toHaveLength(1);
    expect(receiver.bodies[0]).toMatchObject({ source: 'opengewe', test: true, alerts: [{ rule: 'test' }] });
    expect(wechatToOps()).toHaveLength(1);
    // in backend.language: Chinese by default
    expect(String(wechatToOps()[0].body.content)).toContain('测试告警');
    expect((await alerts()).total).toBe(0);
  });

  it('raises exactly one alert on both channels when a robot goes offline on the fake Gewe, and one resolve when it returns', async () => {
    receiver.bodies.length = 0;
    fake.clearLogs();
    await controlPost('/offline', { appId: watched.appId, reconnectable: false });

    const firing = await waitFor(
      async () => (await alerts('?state=firing&rule=robot_offline')).items[0],
      10_000,
      'a firing robot_offline alert',
    );
    expect(firing.robotId).toBe(watched.id);
    await waitFor(() => receiver.alerts().length >= 1 && wechatToOps().length >= 1, 5000, 'both channels');
    // a few more evaluations while the robot stays offline: nothing more is sent
    await sleep(800);
    expect((await t.http().get(`/api/robots/${watched.id}/status`).set(bearer(admin))).body.status).toBe(
      'reconnecting',
    );
    expect(receiver.alerts()).toEqual([`firing robot_offline robot:${watched.id}`]);
    expect(wechatToOps()).toHaveLength(1);
    expect(String(wechatToOps()[0].body.content)).toMatch(
      /^\[OpenGewe\] 1 条告警\n🔴 严重 robot_offline：机器人「watched」/,
    );

    // the account comes back: the next reconnection succeeds
    await controlPost('/online', { appId: watched.appId });
    await waitFor(async () => (await alerts(`?state=resolved&robotId=${watched.id}`)).total === 1, 15_000, 'resolve');
    await waitFor(() => receiver.alerts().length >= 2 && wechatToOps().length >= 2, 5000, 'both resolves');
    await sleep(500);
    expect(receiver.alerts()).toEqual([
      `firing robot_offline robot:${watched.id}`,
      `resolved robot_offline robot:${watched.id}`,
    ]);
    expect(wechatToOps()).toHaveLength(2);
    expect(String(wechatToOps()[1].body.content)).toContain('✅ 已恢复 robot_offline');
    // sent by the chosen robot, signed for the webhook
    expect(wechatToOps().every((s) => s.appId === alerter.appId)).toBe(true);

    const history = await alerts();
    expect(history.total).toBe(1);
    expect(history.items[0]).toMatchObject({ rule: 'robot_offline', state: 'resolved', robotId: watched.id });
    expect(history.items[0].deliveries).toHaveLength(4);
    expect(history.items[0].deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'firing', channel: 'webhook', ok: true }),
        expect.objectContaining({ event: 'firing', channel: 'wechat', ok: true }),
        expect.objectContaining({ event: 'resolved', channel: 'webhook', ok: true }),
        expect.objectContaining({ event: 'resolved', channel: 'wechat', ok: true }),
      ]),
    );
  });

  it('filters the history by state, rule and robot, and names a bad filter', async () => {
    expect((await alerts('?state=firing')).total).toBe(0);
    expect((await alerts('?rule=login_needs_scan')).total).toBe(0);
    expect((await alerts(`?robotId=${alerter.id}`)).total).toBe(0);
    expect((await alerts(`?robotId=${watched.id}&state=resolved&rule=robot_offline`)).total).toBe(1);
    const bad = await t.http().get('/api/alerts?state=burning&rule=x&robotId=abc').set(bearer(admin)).expect(400);
    for (const field of ['state', 'rule', 'robotId']) expect(JSON.stringify(bad.body.message)).toContain(field);
  });

  it('does not notify a firing incident again after the service restarts', async () => {
    receiver.bodies.length = 0;
    fake.clearLogs();
    await controlPost('/offline', { appId: watched.appId, reconnectable: false });
    await waitFor(() => receiver.alerts().length >= 1 && wechatToOps().length >= 1, 10_000, 'the second outage');

    // a new process on the same database: the incident is open and notified already
    await t.close();
    const again = await createTestApp({ dir: t.dir, database: t.database, overrides });
    t = { ...again, database: t.database };
    admin = (await login(t)).accessToken;
    await sleep(1000);
    expect((await alerts('?state=firing')).total).toBe(1);
    expect(receiver.alerts()).toEqual([`firing robot_offline robot:${watched.id}`]);
    expect(wechatToOps()).toHaveLength(1);
  });
});

describeE2E('alerts with two instances sharing Redis', () => {
  describeWithRedis('one evaluator', () => {
    let a: App;
    let b: App;
    let fake: FakeGewe;
    let control: string;
    const receiver = new AlertReceiver();
    const prefix = redisPrefix('alerts');

    beforeAll(async () => {
      await receiver.start();
      fake = new FakeGewe();
      const urls = await fake.start();
      control = urls.controlUrl;
      const overrides = {
        backend: { enable_redis: true },
        redis: { host: REDIS.host, port: REDIS.port, prefix },
        gewe: {
          login_poll_interval: '50ms',
          health_check_interval: '200ms',
          reconnect_attempts: 100,
          reconnect_backoff: '100ms',
          send_min_interval: '0ms',
          send_jitter: '0ms',
        },
        alerts: { evaluate_interval: '100ms', rules: ['robot_offline'], robot_offline_after: '300ms' },
      };
      a = await createTestApp({ overrides });
      b = await createTestApp({
        dir: a.dir,
        database: a.database,
        overrides: { ...overrides, logging: { path: `${a.dir}/logs-b` } },
      });
      await a.app.listen(0, '127.0.0.1');
      const adminA = (await login(a)).accessToken;
      await pointCallbacksAtApp(a, adminA);
      const watched = await onlineRobot(a, adminA, fake, urls.baseUrl, 'watched', 'wxid_watched2');
      const alerter = await onlineRobot(a, adminA, fake, urls.baseUrl, 'alerter', 'wxid_alerter2');
      // the channels are set through the other instance: the evaluator, wherever it runs, reads them
      const adminB = (await login(b)).accessToken;
      await b
        .http()
        .put('/api/alerts/config')
        .set(bearer(adminB))
        .send({ webhookUrl: receiver.url, wechatRobotId: alerter.id, wechatTo: ['wxid_ops2'] })
        .expect(200);
      fake.clearLogs();
      const res = await fetch(`${control}/offline`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appId: watched.appId, reconnectable: false }),
      });
      expect(res.status).toBe(200);
    });
    afterAll(async () => {
      await b.close();
      await destroyTestApp(a);
      await fake.stop();
      await receiver.stop();
      await cleanRedis(prefix);
    });

    it('notifies a robot going offline once on each channel, whichever instance evaluates', async () => {
      const toOps = () => fake.sends('/message/postText').filter((s) => s.body.toWxid === 'wxid_ops2');
      await waitFor(() => receiver.alerts().length >= 1 && toOps().length >= 1, 10_000, 'the alert');
      await sleep(1000);
      expect(receiver.alerts()).toHaveLength(1);
      expect(toOps()).toHaveLength(1);
    });
  });
});
