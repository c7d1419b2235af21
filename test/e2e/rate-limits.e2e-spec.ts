import { textCallback } from '../support/samples';
import { cleanRedis, describeWithRedis, REDIS, redisPrefix } from '../support/services';
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

describeE2E('rate limits on the public routes', () => {
  let t: App;
  let webhookKey: string;
  let appId: string;
  let ipCounter = 0;
  const nextIp = () => `198.51.100.${++ipCounter}`;
  beforeAll(async () => {
    t = await createTestApp({
      overrides: { backend: { trust_proxy: true, refresh_max_per_ip: 3, webhook_max_refusals_per_ip: 3 } },
    });
    const { accessToken } = await login(t);
    appId = 'wx_rate_limits';
    const robot = (
      await t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(accessToken))
        .send({ name: 'limits', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'gewe-token-limits', appId })
        .expect(201)
    ).body;
    webhookKey = new URL(robot.callbackUrl as string).searchParams.get('key')!;
  });
  afterAll(() => destroyTestApp(t));

  const refresh = (ip: string, refreshToken: string) =>
    t.http().post('/api/auth/refresh').set('X-Forwarded-For', ip).send({ refreshToken });

  it('answers 429 REFRESH_RATE_LIMITED with Retry-After once an address refreshed refresh_max_per_ip times', async () => {
    const ip = nextIp();
    let { refreshToken } = await login(t);
    for (let i = 0; i < 2; i++) ({ refreshToken } = (await refresh(ip, refreshToken).expect(200)).body);
    await refresh(ip, 'not-a-token').expect(401); // refused ones count as well
    const res = await refresh(ip, refreshToken).expect(429);
    expect(res.body).toMatchObject({ statusCode: 429, code: 'REFRESH_RATE_LIMITED' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['x-ratelimit-limit-refresh']).toBeUndefined();
    // the refresh token was not spent by the refused request; another address is not limited
    await refresh(nextIp(), refreshToken).expect(200);
  });

  it('counts refresh bodies refused by the parser against the per-IP refresh limit', async () => {
    const ip = nextIp();
    const post = (body: string) =>
      t.http().post('/api/auth/refresh').set('X-Forwarded-For', ip).set('Content-Type', 'application/json').send(body);
    expect((await post('{"refreshToken":')).body.code).toBe('MALFORMED_JSON');
    expect((await post(JSON.stringify({ refreshToken: 'x'.repeat(8 * 1024) }))).status).toBe(413);
    expect((await post('{"__proto__":{}}')).body.code).toBe('FORBIDDEN_JSON_KEY');
    const res = await post(JSON.stringify({ refreshToken: 'whatever' }));
    expect([res.status, res.body.code]).toEqual([429, 'REFRESH_RATE_LIMITED']);
  });

  const callback = (ip: string, key: string, newMsgId: string) =>
    t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(key)}`)
      .set('X-Forwarded-For', ip)
      .set('Content-Type', 'application/json')
      .send(textCallback({ appId, robotWxid: 'wxid_r', from: 'wxid_x', text: 'hi', newMsgId }));

  it('answers refused callbacks from one address with 429 WEBHOOK_RATE_LIMITED once over the limit', async () => {
    const ip = nextIp();
    for (let i = 0; i < 3; i++)
      expect((await callback(ip, `wrong-${i}`, '7600000000000000100')).body.code).toBe('WEBHOOK_UNAUTHORIZED');
    const res = await callback(ip, 'wrong-3', '7600000000000000100').expect(429);
    expect(res.body.code).toBe('WEBHOOK_RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // the address's valid callbacks are still taken; another address's refusals are still 401
    await callback(ip, webhookKey, '7600000000000000101').expect(200);
    await callback(nextIp(), 'wrong', '7600000000000000102').expect(401);
  });

  it('never counts accepted callbacks: Gewe posting many from one address is not throttled', async () => {
    const ip = nextIp();
    for (let i = 0; i < 20; i++) await callback(ip, webhookKey, String(7600000000000000200n + BigInt(i))).expect(200);
    expect((await callback(ip, 'wrong', '7600000000000000300')).status).toBe(401);
  });
});

describeE2E('rate limits shared by two instances through Redis', () => {
  describeWithRedis('on the real Redis', () => {
    let a: App;
    let b: App;
    const prefix = redisPrefix('e2e-rate-limits');
    beforeAll(async () => {
      const overrides = {
        backend: {
          enable_redis: true,
          trust_proxy: true,
          login_max_attempts_per_ip: 4,
          login_max_failures_per_user: 2,
          refresh_max_per_ip: 3,
        },
        redis: { host: REDIS.host, port: REDIS.port, prefix },
      };
      a = await createTestApp({ overrides });
      // the same database and Redis: a second instance of the service behind the same load balancer
      b = await createTestApp({ dir: a.dir, database: a.database, overrides });
    });
    afterAll(async () => {
      await b.close();
      await destroyTestApp(a);
      await cleanRedis(prefix);
    });

    const loginFrom = (app: App, ip: string, password: string) =>
      app.http().post('/api/auth/login').set('X-Forwarded-For', ip).send({ username: ADMIN.username, password });

    it('counts the logins of one address on both instances against one per-IP limit', async () => {
      const ip = '203.0.113.50';
      await loginFrom(a, ip, ADMIN.password).expect(200);
      await loginFrom(b, ip, ADMIN.password).expect(200);
      await loginFrom(a, ip, ADMIN.password).expect(200);
      await loginFrom(b, ip, ADMIN.password).expect(200);
      const res = await loginFrom(a, ip, ADMIN.password).expect(429);
      expect(res.body.code).toBe('LOGIN_RATE_LIMITED');
      await loginFrom(b, '203.0.113.51', ADMIN.password).expect(200);
    });

    it('slows a username+address pair down on the other instance too', async () => {
      const ip = '203.0.113.60';
      await loginFrom(a, ip, 'guess-1-pw').expect(401);
      await loginFrom(b, ip, 'guess-2-pw').expect(401);
      const res = await loginFrom(a, ip, ADMIN.password).expect(429);
      expect(res.body.code).toBe('LOGIN_SLOWED_DOWN');
    });

    it('counts refreshes of one address on both instances against one limit', async () => {
      const ip = '203.0.113.70';
      let { refreshToken } = (await loginFrom(a, '203.0.113.71', ADMIN.password).expect(200)).body;
      for (const app of [a, b, a])
        ({ refreshToken } = (
          await app.http().post('/api/auth/refresh').set('X-Forwarded-For', ip).send({ refreshToken }).expect(200)
        ).body);
      const res = await b.http().post('/api/auth/refresh').set('X-Forwarded-For', ip).send({ refreshToken });
      expect([res.status, res.body.code]).toEqual([429, 'REFRESH_RATE_LIMITED']);
    });
  });
});
