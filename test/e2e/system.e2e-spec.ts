import { describeWithRedis, REDIS } from '../support/services';
import { waitFor } from '../support/wait';
import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ADMIN,
  bearer,
  createTestApp,
  describeE2E,
  destroyTestApp,
  login,
  TestApp,
  TestDatabase,
} from '../support/test-app';

type App = TestApp & { database: TestDatabase };

describeE2E('system API', () => {
  let t: App;
  let admin: string;
  let plain: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = (await login(t)).accessToken;
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'viewer', password: 'viewer-pass-1' })
      .expect(201);
    plain = (await login(t, 'viewer', 'viewer-pass-1')).accessToken;
  });
  afterAll(() => destroyTestApp(t));

  it('serves a public health probe', async () => {
    const res = await t.http().get('/api/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'up' });
  });

  it('reports version, uptime, component health and counts to any logged-in user', async () => {
    const res = await t.http().get('/api/system/status').set(bearer(plain)).expect(200);
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
    expect(res.body).toMatchObject({
      version: pkg.version,
      nodeVersion: process.version,
      logLevel: 'info',
      database: { status: 'up', type: t.config.database.type },
      redis: { status: 'disabled' },
      queue: { type: 'simple', status: 'up', name: 'opengewe_messages' },
      counts: { robots: 0, robotsOnline: 0, plugins: 0, pluginsEnabled: 0, users: 2 },
    });
    expect(res.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(typeof res.body.database.latencyMs).toBe('number');
  });

  it('changes the log level at once: debug lines appear only after switching to debug', async () => {
    const logger = new Logger('LevelProbe');
    logger.debug('probe-before-switch');
    const res = await t.http().put('/api/system/log-level').set(bearer(admin)).send({ level: 'DEBUG' }).expect(200);
    expect(res.body).toEqual({ status: 'success', message: 'Log level updated', level: 'debug' });
    logger.debug('probe-after-switch');
    // the file is written asynchronously: wait for the line to land
    const messages = async () =>
      (await t.http().get('/api/system/logs?source=LevelProbe&limit=50').set(bearer(admin)).expect(200)).body.items.map(
        (e: { message: string }) => e.message,
      ) as string[];
    await waitFor(async () => (await messages()).includes('probe-after-switch'), 3000, 'the debug line');
    expect(await messages()).toEqual(['probe-after-switch']);
    expect((await t.http().get('/api/system/status').set(bearer(admin))).body.logLevel).toBe('debug');
    await t.http().put('/api/system/log-level').set(bearer(admin)).send({ level: 'warning' }).expect(200);
    logger.log('probe-info-suppressed');
    logger.warn('probe-warn-kept');
    await waitFor(async () => (await messages()).includes('probe-warn-kept'), 3000, 'the warn line');
    const after = await t.http().get('/api/system/logs?source=LevelProbe&limit=50').set(bearer(admin)).expect(200);
    expect(after.body.items.map((e: { message: string }) => e.message)).not.toContain('probe-info-suppressed');
    await t.http().put('/api/system/log-level').set(bearer(admin)).send({ level: 'info' }).expect(200);
  });

  it('rejects an unknown log level naming the field', async () => {
    const res = await t.http().put('/api/system/log-level').set(bearer(admin)).send({ level: 'loud' }).expect(400);
    expect(res.body.message[0]).toMatch(/^level must be one of/);
  });

  it('finds the log lines of one request by its id, with level and source filters', async () => {
    await t
      .http()
      .post('/api/auth/login')
      .set('X-Request-Id', 'req-trace-42')
      .send({ username: 'admin', password: 'wrong-pass-x' })
      .expect(401);
    const res = await waitFor(
      async () => {
        const r = await t.http().get('/api/system/logs?requestId=req-trace-42').set(bearer(admin)).expect(200);
        return r.body.total >= 2 ? r : null;
      },
      3000,
      'both lines of the request',
    );
    const messages = res.body.items.map((e: { message: string }) => e.message);
    expect(messages).toEqual(expect.arrayContaining(['Login failed', 'request completed']));
    for (const e of res.body.items) expect(e.requestId).toBe('req-trace-42');
    const warn = await t
      .http()
      .get('/api/system/logs?requestId=req-trace-42&level=warn&source=AuthService')
      .set(bearer(admin))
      .expect(200);
    expect(warn.body.items.map((e: { message: string }) => e.message)).toEqual(['Login failed']);
    expect(warn.body.items[0].details).toMatchObject({ username: 'admin', reason: 'bad password' });
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await t.http().get(`/api/system/logs?since=${future}`).set(bearer(admin)).expect(200)).body.total).toBe(0);
  });

  it('paginates logs newest first', async () => {
    const p1 = await t.http().get('/api/system/logs?limit=3&page=1').set(bearer(admin)).expect(200);
    const p2 = await t.http().get('/api/system/logs?limit=3&page=2').set(bearer(admin)).expect(200);
    expect(p1.body.items).toHaveLength(3);
    expect(p1.body.total).toBeGreaterThan(6);
    expect(Date.parse(p1.body.items[0].time)).toBeGreaterThanOrEqual(Date.parse(p1.body.items[2].time));
    expect(Date.parse(p1.body.items[2].time)).toBeGreaterThanOrEqual(Date.parse(p2.body.items[0].time));
  });

  it('validates log filters, naming the field', async () => {
    const res = await t
      .http()
      .get('/api/system/logs?since=yesterday&level=nope&requestId=a%20b')
      .set(bearer(admin))
      .expect(400);
    const msg = res.body.message.join('\n');
    expect(msg).toMatch(/since must be/);
    expect(msg).toMatch(/level must be/);
    expect(msg).toMatch(/requestId must be/);
  });

  it('never writes passwords or tokens into the log file', async () => {
    const s = await login(t);
    await t.http().get(`/api/health?key=super-secret-webhook-key&token=abc123tok`).expect(200);
    await t.http().get('/api/auth/me').set(bearer(s.accessToken)).expect(200);
    const file = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8');
    for (const secret of [
      ADMIN.password,
      s.accessToken,
      s.refreshToken,
      'super-secret-webhook-key',
      'abc123tok',
      t.config.backend.secret_key,
    ])
      expect(file).not.toContain(secret);
    expect(file).toContain('key=[REDACTED]');
  });

  it('keeps logs and system settings to admins', async () => {
    await t.http().get('/api/system/logs').set(bearer(plain)).expect(403);
    await t.http().put('/api/system/log-level').set(bearer(plain)).send({ level: 'debug' }).expect(403);
    await t.http().get('/api/system/config').set(bearer(plain)).expect(403);
    await t.http().put('/api/system/config').set(bearer(plain)).send({ settings: {} }).expect(403);
  });

  it('shows runtime settings and the loaded config with secrets masked', async () => {
    const res = await t.http().get('/api/system/config').set(bearer(admin)).expect(200);
    expect(res.body.file.backend.secret_key).toBe('********');
    expect(res.body.file.database.type).toBe(t.config.database.type);
    const names = res.body.settings.map((s: { name: string }) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['logging.level', 'gewe.base_url', 'gewe.token', 'gewe.callback_url']),
    );
    expect(JSON.stringify(res.body)).not.toContain(t.config.backend.secret_key);
  });

  it('updates runtime settings, masks secrets, keeps a secret sent back masked, and resets with null', async () => {
    const put = (settings: object) => t.http().put('/api/system/config').set(bearer(admin)).send({ settings });
    const res = await put({
      'gewe.token': 'tok-very-secret-1',
      'gewe.callback_url': 'https://bot.example.com/api/webhook',
    }).expect(200);
    const byName = (body: { settings: { name: string }[] }, n: string) =>
      body.settings.find((s) => s.name === n) as Record<string, unknown>;
    expect(byName(res.body, 'gewe.token')).toMatchObject({ value: '********', source: 'runtime', sensitive: true });
    expect(byName(res.body, 'gewe.callback_url')).toMatchObject({
      value: 'https://bot.example.com/api/webhook',
      source: 'runtime',
    });
    expect(JSON.stringify(res.body)).not.toContain('tok-very-secret-1');

    // a form that sends back what it read does not wipe the secret
    const again = await put({ 'gewe.token': '********' }).expect(200);
    expect(byName(again.body, 'gewe.token')).toMatchObject({ value: '********', source: 'runtime' });

    const reset = await put({ 'gewe.callback_url': null }).expect(200);
    expect(byName(reset.body, 'gewe.callback_url')).toMatchObject({ value: '', source: 'config' });
  });

  it('rejects unknown settings and bad values, all or nothing, naming each', async () => {
    const res = await t
      .http()
      .put('/api/system/config')
      .set(bearer(admin))
      .send({ settings: { 'gewe.base_url': 'ftp://nope', 'backend.port': 1, 'logging.level': 'debug' } })
      .expect(400);
    expect(res.body.message).toMatch(/settings\.gewe\.base_url: must be an http\(s\) URL/);
    expect(res.body.message).toMatch(/settings\.backend\.port: unknown setting/);
    const cfg = await t.http().get('/api/system/config').set(bearer(admin)).expect(200);
    expect(cfg.body.settings.find((s: { name: string }) => s.name === 'logging.level').value).toBe('info');
    await t.http().put('/api/system/config').set(bearer(admin)).send({ settings: 'debug' }).expect(400);
    await t.http().put('/api/system/config').set(bearer(admin)).send({}).expect(400);
  });
});

describeE2E('system state across a restart', () => {
  it('keeps logs and the runtime log level after the service restarts', async () => {
    const first = await createTestApp();
    let second: App | undefined;
    try {
      const admin = (await login(first)).accessToken;
      await first.http().put('/api/system/log-level').set(bearer(admin)).send({ level: 'warn' }).expect(200);
      await first.http().get('/api/health').set('X-Request-Id', 'before-restart').expect(200);
      await first
        .http()
        .post('/api/auth/login')
        .set('X-Request-Id', 'before-restart')
        .send({ username: 'x', password: 'wrong-pass-1' })
        .expect(401);
      await first.close();

      second = await createTestApp({ dir: first.dir, database: first.database });
      const token = (await login(second)).accessToken;
      const status = await second.http().get('/api/system/status').set(bearer(token)).expect(200);
      expect(status.body.logLevel).toBe('warn');
      const logs = await second.http().get('/api/system/logs?requestId=before-restart').set(bearer(token)).expect(200);
      expect(logs.body.items.map((e: { message: string }) => e.message)).toContain('Login failed');
    } finally {
      if (second) await destroyTestApp(second);
      else await destroyTestApp(first).catch(() => undefined);
    }
  });
});

describeE2E('system status with Redis', () => {
  describeWithRedis('against the real Redis server', () => {
    let t: App;
    beforeAll(async () => {
      t = await createTestApp({
        overrides: {
          backend: { enable_redis: true },
          redis: { host: REDIS.host, port: REDIS.port },
          queue: { queue_type: 'advanced', broker: `redis://${REDIS.host}:${REDIS.port}/0` },
        },
      });
    });
    afterAll(() => destroyTestApp(t));

    it('reports Redis and the BullMQ broker as up with their latency', async () => {
      const { accessToken } = await login(t);
      const res = await t.http().get('/api/system/status').set(bearer(accessToken)).expect(200);
      expect(res.body.redis).toMatchObject({ status: 'up' });
      expect(res.body.queue).toMatchObject({ type: 'advanced', status: 'up' });
      expect(typeof res.body.redis.latencyMs).toBe('number');
    });
  });

  it('reports an unreachable Redis as down quickly, naming the error, while the API keeps working', async () => {
    const t = await createTestApp({
      overrides: { backend: { enable_redis: true }, redis: { host: '127.0.0.1', port: 1 } },
    });
    try {
      const { accessToken } = await login(t);
      // answered at all while Redis refuses connections: the status does not wait for Redis to come back
      const res = await t.http().get('/api/system/status').set(bearer(accessToken)).expect(200);
      expect(res.body.redis.status).toBe('down');
      expect(res.body.redis.error).toBeTruthy();
      expect(res.body.database.status).toBe('up');
    } finally {
      await destroyTestApp(t);
    }
  });
});
