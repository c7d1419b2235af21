import { FakeGewe } from '../fake-gewe/fake-gewe';
import { onlineRobot, OnlineRobot, pointCallbacksAtApp } from '../support/online-robot';
import { Family, parsePrometheusText, sampleValue } from '../support/prom-text';
import { textCallback } from '../support/samples';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

const TOKEN = 'metrics-token-0123456789';

describeE2E('GET /metrics', () => {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let robot: OnlineRobot;

  beforeAll(async () => {
    fake = new FakeGewe();
    const { baseUrl } = await fake.start();
    t = await createTestApp({
      overrides: {
        metrics: { enabled: true, token: TOKEN },
        queue: { backoff: '50ms' },
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
        plugins: { plugins_dir: 'plugins', enabled_plugins: ['ExamplePlugin'] },
      },
    });
    await t.app.listen(0, '127.0.0.1');
    admin = (await login(t)).accessToken;
    await pointCallbacksAtApp(t, admin);
    robot = await onlineRobot(t, admin, fake, baseUrl, 'metrics', 'wxid_robot_metrics');
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
  });

  const scrape = async (): Promise<Map<string, Family>> => {
    const res = await t.http().get('/metrics').set(bearer(TOKEN)).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(res.text);
  };
  const post = (body: string, key = robot.key) =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(key)}`)
      .set('Content-Type', 'application/json')
      .send(body);
  const ping = (newMsgId: string) =>
    textCallback({ appId: robot.appId, robotWxid: robot.wxid, from: 'wxid_friend', text: 'ping', newMsgId });

  it('answers 401 without the token or with a wrong one, and is not under /api', async () => {
    const none = await t.http().get('/metrics').expect(401);
    expect(none.body.code).toBe('METRICS_TOKEN_MISSING');
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(
      (
        await t
          .http()
          .get('/metrics')
          .set(bearer('x'.repeat(24)))
          .expect(401)
      ).body.code,
    ).toBe('METRICS_TOKEN_INVALID');
    // a user's access token is not the metrics token
    await t.http().get('/metrics').set(bearer(admin)).expect(401);
    await t.http().get('/api/metrics').set(bearer(TOKEN)).expect(404);
  });

  it('counts callbacks, plugin calls, sends and Gewe calls as they happen', async () => {
    const before = await scrape();
    const r = String(robot.id);
    const val = (f: Map<string, Family>, name: string, labels: Record<string, string>) =>
      sampleValue(f, name, labels) ?? 0;

    await post(ping('8100000000000000001')).expect(200);
    await post(ping('8100000000000000002')).expect(200);
    // the same NewMsgId again while the first is still known: a duplicate
    await post(ping('8100000000000000002')).expect(200);
    await post(ping('8100000000000000003'), 'y'.repeat(43)).expect(401);
    await post('{"TypeName":').expect(400);

    // two pongs went out through the governor
    await waitFor(
      () => fake.sends('/message/postText').filter((s) => s.body.toWxid === 'wxid_friend').length >= 2,
      5000,
      'two pongs',
    );
    const after = await waitFor(async () => {
      const m = await scrape();
      const handled = val(m, 'opengewe_callbacks_processed_total', { robot: r, kind: 'text', result: 'handled' });
      return handled -
        val(before, 'opengewe_callbacks_processed_total', { robot: r, kind: 'text', result: 'handled' }) >=
        2
        ? m
        : null;
    }, 5000);

    const delta = (name: string, labels: Record<string, string>) =>
      val(after, name, labels) - val(before, name, labels);
    // the repeat is dropped by the queue while the first is queued, else by the message log once it was processed
    const queueDuplicates = delta('opengewe_webhook_callbacks_total', { robot: r, result: 'duplicate' });
    expect(delta('opengewe_webhook_callbacks_total', { robot: r, result: 'accepted' })).toBe(3 - queueDuplicates);
    expect(
      queueDuplicates + delta('opengewe_callbacks_processed_total', { robot: r, kind: 'text', result: 'duplicate' }),
    ).toBe(1);
    expect(delta('opengewe_webhook_rejected_total', { reason: 'webhook_key_invalid' })).toBe(1);
    expect(delta('opengewe_webhook_rejected_total', { reason: 'malformed_json' })).toBe(1);
    expect(delta('opengewe_webhook_accept_duration_seconds_count', {})).toBe(3 - queueDuplicates);
    expect(delta('opengewe_callback_end_to_end_seconds_count', {})).toBe(2);
    expect(
      delta('opengewe_plugin_handler_calls_total', { plugin: 'ExamplePlugin', result: 'ok' }),
    ).toBeGreaterThanOrEqual(4);
    expect(delta('opengewe_plugin_handler_duration_seconds_count', { plugin: 'ExamplePlugin' })).toBeGreaterThanOrEqual(
      4,
    );
    await waitFor(async () => val(await scrape(), 'opengewe_sends_total', { robot: r, result: 'ok' }) >= 2, 5000);
    expect(val(after, 'opengewe_send_governor_delay_seconds_count', {})).toBeGreaterThanOrEqual(1);
    // the login and the pongs went through the Gewe client
    expect(val(after, 'opengewe_gewe_request_duration_seconds_count', { endpoint: '/login/getLoginQrCode' })).toBe(1);
    expect(
      val(after, 'opengewe_gewe_request_duration_seconds_count', { endpoint: '/message/postText' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts Gewe errors by endpoint', async () => {
    const before = await scrape();
    fake.fault({ path: '/personal/getProfile', mode: 'ret500', times: 1 });
    await t.http().get(`/api/robots/${robot.id}/profile`).set(bearer(admin)).expect(502);
    const after = await scrape();
    const labels = { endpoint: '/personal/getProfile', type: 'api_error' };
    expect(
      (sampleValue(after, 'opengewe_gewe_request_errors_total', labels) ?? 0) -
        (sampleValue(before, 'opengewe_gewe_request_errors_total', labels) ?? 0),
    ).toBe(1);
  });

  it('reports robots by status and the queue from the shared stores, without an instance label', async () => {
    const m = await scrape();
    expect(sampleValue(m, 'opengewe_robots', { status: 'online' })).toBe(1);
    expect(sampleValue(m, 'opengewe_robots', { status: 'offline' })).toBe(0);
    for (const state of ['waiting', 'active', 'delayed'])
      expect(sampleValue(m, 'opengewe_queue_depth', { state })).toEqual(expect.any(Number));
    expect(sampleValue(m, 'opengewe_queue_failed_jobs')).toBe(0);
    for (const name of ['opengewe_robots', 'opengewe_queue_depth', 'opengewe_queue_failed_jobs'])
      for (const s of m.get(name)!.samples) expect(s.labels.instance_id).toBeUndefined();
    // this instance's own series carry its id; so do the process metrics
    const own = m.get('opengewe_webhook_callbacks_total')!.samples[0];
    expect(own.labels.instance_id).toMatch(/^.+:\d+:[0-9a-f]{8}$/);
    expect(sampleValue(m, 'process_cpu_user_seconds_total', { instance_id: own.labels.instance_id })).toBeGreaterThan(
      0,
    );
    expect(sampleValue(m, 'opengewe_metrics_collector_up', { collector: 'queue' })).toBe(1);
    expect(sampleValue(m, 'opengewe_metrics_collector_up', { collector: 'robots' })).toBe(1);
  });

  it('scrapes cleanly: the whole output passes the strict text-format check, labels stay bounded', async () => {
    const res = await t.http().get('/metrics').set(bearer(TOKEN)).expect(200);
    const m = parsePrometheusText(res.text);
    for (const f of m.values()) {
      if (!f.name.startsWith('opengewe_')) continue;
      for (const s of f.samples) {
        if ('robot' in s.labels) expect(s.labels.robot).toMatch(/^\d+$/);
        if ('endpoint' in s.labels) expect(s.labels.endpoint).toMatch(/^(\/[a-z]+\/[A-Za-z0-9]+|other)$/);
        expect(Object.values(s.labels).join(' ')).not.toContain('wxid_');
      }
    }
    expect(m.get('opengewe_webhook_accept_duration_seconds')?.type).toBe('histogram');
  });

  it('is served by another instance of the same database with the same shared values and its own id', async () => {
    const b = await createTestApp({
      dir: t.dir,
      database: t.database,
      overrides: { metrics: { enabled: true, token: TOKEN }, logging: { path: `${t.dir}/logs-b` } },
    });
    try {
      const mb = parsePrometheusText((await b.http().get('/metrics').set(bearer(TOKEN)).expect(200)).text);
      const ma = await scrape();
      expect(sampleValue(mb, 'opengewe_robots', { status: 'online' })).toBe(
        sampleValue(ma, 'opengewe_robots', { status: 'online' }),
      );
      const idA = ma.get('opengewe_info')!.samples[0].labels.instance_id;
      const idB = mb.get('opengewe_info')!.samples[0].labels.instance_id;
      expect(idB).not.toBe(idA);
    } finally {
      await b.close();
    }
  });
});

describeE2E('GET /metrics when disabled', () => {
  let t: App;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => destroyTestApp(t));

  it('answers 404, token or not', async () => {
    expect((await t.http().get('/metrics').expect(404)).body.code).toBe('METRICS_DISABLED');
    await t.http().get('/metrics').set(bearer(TOKEN)).expect(404);
  });
});
