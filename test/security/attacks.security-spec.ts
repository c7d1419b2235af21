import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { textCallback } from '../support/samples';
import { waitFor } from '../support/wait';
import { ADMIN, bearer, createTestApp, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const sign = (body: string, key: string) => createHmac('sha256', key).update(body).digest('base64url');
function jwt(header: object, claims: object, key?: string): string {
  const body = `${b64(header)}.${b64(claims)}`;
  return `${body}.${key ? sign(body, key) : ''}`;
}

describe('attacks on the running service', () => {
  let t: TestApp & { database: TestDatabase };
  let admin: { accessToken: string; refreshToken: string };
  const responses: string[] = [];
  const record = <R extends { text: string }>(r: R): R => (responses.push(r.text), r);
  const robots: { id: number; appId: string; token: string; key: string }[] = [];

  beforeAll(async () => {
    t = await createTestApp({ overrides: { backend: { login_max_failures_per_user: 5, webhook_body_limit: '64kb' } } });
    admin = await login(t);
    for (const [appId, token] of [
      ['wx_attack_a', 'gewe-token-a-secret'],
      ['wx_attack_b', 'gewe-token-b-secret'],
    ]) {
      const r = record(
        await t
          .http()
          .post('/api/robots?verify=false')
          .set(bearer(admin.accessToken))
          .send({ name: appId, baseUrl: 'http://127.0.0.1:1/v2/api', token, appId })
          .expect(201),
      ).body;
      robots.push({ id: r.id, appId, token, key: new URL(r.callbackUrl).searchParams.get('key')! });
    }
  });
  afterAll(() => destroyTestApp(t));

  it('refuses forged, expired and misused tokens', async () => {
    const claims = JSON.parse(Buffer.from(admin.accessToken.split('.')[1], 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    const key = t.config.backend.secret_key;
    const forged: [string, string][] = [
      ['alg none', jwt({ alg: 'none', typ: 'JWT' }, claims)],
      ['alg none, signature kept', `${b64({ alg: 'none' })}.${b64(claims)}.${admin.accessToken.split('.')[2]}`],
      [
        'HS512 with the right key',
        (() => {
          const body = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(claims)}`;
          return `${body}.${createHmac('sha512', key).update(body).digest('base64url')}`;
        })(),
      ],
      ['a wrong key', jwt({ alg: 'HS256', typ: 'JWT' }, claims, 'attacker-key-attacker-key-attacker-key')],
      ['expired', jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 60 }, key)],
      [
        'another session id',
        jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, sid: '00000000-0000-0000-0000-000000000000' }, key),
      ],
      ['a refresh token as access token', admin.refreshToken],
      ['garbage', 'a.b.c'],
    ];
    for (const [name, token] of forged) {
      const res = record(await t.http().get('/api/auth/me').set(bearer(token)));
      expect([name, res.status]).toEqual([name, 401]);
    }
  });

  it('revokes a session on logout, for access and refresh tokens alike', async () => {
    const s = await login(t);
    await t.http().post('/api/auth/logout').set(bearer(s.accessToken)).expect(200);
    await t.http().get('/api/robots').set(bearer(s.accessToken)).expect(401);
    await t.http().post('/api/auth/refresh').send({ refreshToken: s.refreshToken }).expect(401);
  });

  it('throttles password guessing on one account, with Retry-After', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++)
      codes.push(
        record(
          await t
            .http()
            .post('/api/auth/login')
            .send({ username: 'admin', password: `guess-${i}-pw` }),
        ).status,
      );
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(codes.slice(5)).toEqual([429, 429, 429]);
    const locked = await t.http().post('/api/auth/login').send(ADMIN).expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('refuses webhooks with a wrong key, another robot’s key, too big or too deep bodies', async () => {
    const [a, b] = robots;
    const body = (appId: string) =>
      textCallback({ appId, robotWxid: 'wxid_r', from: 'wxid_x', text: 'hi', newMsgId: '7600000000000000001' });
    const post = (key: string, payload: string) =>
      t
        .http()
        .post(`/api/webhook?key=${encodeURIComponent(key)}`)
        .set('Content-Type', 'application/json')
        .send(payload);
    expect(record(await post('wrong', body(a.appId))).status).toBe(401);
    expect(record(await post(b.key, body(a.appId))).status).toBe(401); // B's key does not open A
    expect(record(await post(a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A'), body(a.appId))).status).toBe(401);
    expect(record(await post(a.key, JSON.stringify({ testMsg: 'x', token: b.token }))).status).toBe(401);
    expect(record(await post(a.key, JSON.stringify({ Appid: a.appId, pad: 'x'.repeat(100 * 1024) }))).status).toBe(413);
    expect(record(await post(a.key, '{"a":'.repeat(5000) + '1' + '}'.repeat(5000))).status).toBe(400);
    expect(record(await post(a.key, '['.repeat(50_000))).status).toBe(400);
    expect(record(await post(a.key, body(a.appId))).status).toBe(200);
  });

  it('tells a caller without the key nothing: not which Appids exist, nor which tokens robots use', async () => {
    const [a] = robots;
    const post = (key: string | null, payload: string) =>
      t
        .http()
        .post(`/api/webhook${key === null ? '' : `?key=${encodeURIComponent(key)}`}`)
        .set('Content-Type', 'application/json')
        .send(payload);
    const body = (appId: string) =>
      textCallback({ appId, robotWxid: 'wxid_r', from: 'wxid_x', text: 'hi', newMsgId: '7600000000000000002' });
    const answers = [
      await post('wrong', body(a.appId)), // an Appid that exists
      await post('wrong', body('wx_attack_nobody')), // one that does not
      await post(null, body('wx_attack_nobody')),
      await post(a.key, body('wx_attack_nobody')), // even with a real key
      await post('wrong', JSON.stringify({ testMsg: 'x', token: a.token })), // a token a robot uses
      await post('wrong', JSON.stringify({ testMsg: 'x', token: 'nobody-uses-this' })),
      await post(a.key, JSON.stringify({ testMsg: 'x', token: 'nobody-uses-this' })),
      await post('wrong', '{"broken":'), // the key is checked before the body is read
    ].map(record);
    const shape = (r: (typeof answers)[number]) => ({ status: r.status, code: r.body.code, message: r.body.message });
    for (const r of answers) expect(shape(r)).toEqual(shape(answers[0]));
    expect(shape(answers[0])).toMatchObject({ status: 401, code: 'WEBHOOK_UNAUTHORIZED' });
  });

  it('cannot reach outside the file store with hostile file names', async () => {
    for (const name of [
      '..%2F..%2F..%2Fetc%2Fpasswd',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '..%252F..%252Fetc%252Fpasswd',
      '%2Fetc%2Fpasswd',
      '....%2F%2F....%2F%2Fetc%2Fpasswd',
      'a'.repeat(64) + '.jpg%00.txt',
      '..',
      '.',
    ]) {
      const res = record(await t.http().get(`/api/files/${name}`).set(bearer(admin.accessToken)));
      expect([name, [400, 404].includes(res.status)]).toEqual([name, true]);
      expect(res.text).not.toMatch(/root:.*:0:0:/);
    }
    await t
      .http()
      .get('/api/files/' + 'a'.repeat(64) + '.jpg')
      .expect(401);
  });

  it('never shows secrets in responses or in the log file', async () => {
    // a webhook key in other shapes than key=… (refused, so their access lines are logged at warn)
    const [a, b] = robots;
    for (const query of [`key[]=${a.key}`, `%6Bey=${b.key}`, `key%5B0%5D=${a.key}`, `x=1&KEY[a]=${b.key}`])
      record(await t.http().post(`/api/webhook?${query}`).set('Content-Type', 'application/json').send('{}'));
    // the log file is written asynchronously: wait until the suite's last requests have landed in it
    const marker = (await t.http().get('/api/health').set('X-Request-Id', 'secrets-scan-marker')).headers[
      'x-request-id'
    ];
    const log = await waitFor(
      () => {
        const text = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8');
        return text.includes(marker) ? text : null;
      },
      5000,
      'the log to catch up',
    );
    const body = responses.join('\n');
    for (const secret of [ADMIN.password, t.config.backend.secret_key, ...robots.map((r) => r.token), '$2b$'])
      expect(body).not.toContain(secret);
    for (const secret of [
      ADMIN.password,
      t.config.backend.secret_key,
      admin.accessToken,
      admin.refreshToken,
      ...robots.flatMap((r) => [r.token, r.key]),
    ])
      expect(log).not.toContain(secret);
    expect(log).toContain('key=[REDACTED]');
  });
});
