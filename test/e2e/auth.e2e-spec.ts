import { createHmac } from 'node:crypto';
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
import { LoginRateLimiter } from '../../src/auth/login-rate-limiter';

type App = TestApp & { database: TestDatabase };

/** Hand-made HS256/none JWTs, to check what the server refuses. */
function jwt(header: object, payload: object, key?: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc(header)}.${enc(payload)}`;
  const sig = key ? createHmac('sha256', key).update(body).digest('base64url') : '';
  return `${body}.${sig}`;
}
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

describeE2E('auth', () => {
  let t: App;
  beforeAll(async () => {
    t = await createTestApp({
      overrides: {
        backend: { login_max_failures_per_user: 3, login_max_attempts_per_ip: 1000, access_token_ttl: '2m' },
      },
    });
  });
  afterAll(() => destroyTestApp(t));

  it('creates the first admin from OPENGEWE_ADMIN_* and logs it in with tokens and the user, never the hash', async () => {
    const res = await t.http().post('/api/auth/login').send(ADMIN).expect(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 120, user: { username: 'admin', isAdmin: true } });
    expect(typeof res.body.accessToken).toBe('string');
    expect(typeof res.body.refreshToken).toBe('string');
    expect(res.body.refreshExpiresIn).toBeGreaterThan(600_000);
    expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$/i);
    const header = JSON.parse(Buffer.from(res.body.accessToken.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('HS256');
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const a = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'admin', password: 'wrong-password' })
      .expect(401);
    const b = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'nobody', password: 'wrong-password' })
      .expect(401);
    expect(a.body.message).toBe(b.body.message);
    expect(a.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'INVALID_CREDENTIALS' });
    expect(a.body.requestId).toBe(a.headers['x-request-id']);
  });

  it('rejects a login body with missing or extra fields, naming them', async () => {
    const res = await t.http().post('/api/auth/login').send({ username: 'admin', isAdmin: true }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^password /), 'property isAdmin should not exist']),
    );
  });

  it('answers malformed JSON with 400 and a request id', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username":')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
    expect(res.body.requestId).toBeTruthy();
  });

  it('keeps a caller-supplied X-Request-Id', async () => {
    const res = await t.http().get('/api/auth/me').set('X-Request-Id', 'trace-abc.123').expect(401);
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    expect(res.body.requestId).toBe('trace-abc.123');
  });

  it('returns the caller from GET /api/auth/me', async () => {
    const { accessToken } = await login(t);
    const res = await t.http().get('/api/auth/me').set(bearer(accessToken)).expect(200);
    expect(res.body).toMatchObject({ username: 'admin', isAdmin: true, isActive: true });
    expect(res.body.passwordHash).toBeUndefined();
  });

  it('rotates refresh tokens and rejects a reused one, revoking the whole session', async () => {
    const first = await login(t);
    const second = (await t.http().post('/api/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200))
      .body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await t.http().get('/api/auth/me').set(bearer(second.accessToken)).expect(200);

    const reuse = await t.http().post('/api/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    // the thief's use ends the session for everyone holding its tokens
    await t.http().get('/api/auth/me').set(bearer(second.accessToken)).expect(401);
    await t.http().post('/api/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const s = await login(t);
    const results = await Promise.all([
      t.http().post('/api/auth/refresh').send({ refreshToken: s.refreshToken }),
      t.http().post('/api/auth/refresh').send({ refreshToken: s.refreshToken }),
    ]);
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    expect(results.some((r) => r.status === 401)).toBe(true);
  });

  it('rejects garbage refresh tokens', async () => {
    for (const refreshToken of ['nope', 'a.b', '00000000-0000-0000-0000-000000000000.xyz'])
      expect((await t.http().post('/api/auth/refresh').send({ refreshToken }).expect(401)).body.code).toBe(
        'INVALID_REFRESH_TOKEN',
      );
  });

  it('really revokes the session on logout: access and refresh tokens stop working', async () => {
    const s = await login(t);
    await t.http().post('/api/auth/logout').set(bearer(s.accessToken)).expect(200);
    await t.http().get('/api/auth/me').set(bearer(s.accessToken)).expect(401);
    await t.http().post('/api/auth/refresh').send({ refreshToken: s.refreshToken }).expect(401);
  });

  it('rejects a JWT with alg none, a wrong key, an expired token and a refresh token used as access token', async () => {
    const s = await login(t);
    const claims = claimsOf(s.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const forged = [
      jwt({ alg: 'none', typ: 'JWT' }, claims),
      jwt({ alg: 'HS256', typ: 'JWT' }, claims, 'not-the-server-key-not-the-server-key'),
      jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }, t.config.backend.secret_key),
      jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, typ: 'refresh' }, t.config.backend.secret_key),
      s.refreshToken,
    ];
    for (const token of forged) {
      const res = await t.http().get('/api/auth/me').set(bearer(token)).expect(401);
      expect(res.body.code).toBe('INVALID_TOKEN');
    }
    // the same claims signed correctly are accepted: the rejections above are about the token, not the session
    const good = jwt({ alg: 'HS256', typ: 'JWT' }, claims, t.config.backend.secret_key);
    await t.http().get('/api/auth/me').set(bearer(good)).expect(200);
  });

  it('changes the password, refuses a wrong current password, and ends the other sessions only', async () => {
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer((await login(t)).accessToken))
      .send({ username: 'changer', password: 'first-pass-1' })
      .expect(201);
    const mine = await login(t, 'changer', 'first-pass-1');
    const other = await login(t, 'changer', 'first-pass-1');
    await t
      .http()
      .post('/api/auth/change-password')
      .set(bearer(mine.accessToken))
      .send({ currentPassword: 'nope-nope', newPassword: 'second-pass-2' })
      .expect(401);
    await t
      .http()
      .post('/api/auth/change-password')
      .set(bearer(mine.accessToken))
      .send({ currentPassword: 'first-pass-1', newPassword: 'short' })
      .expect(400);
    const ok = await t
      .http()
      .post('/api/auth/change-password')
      .set(bearer(mine.accessToken))
      .send({ currentPassword: 'first-pass-1', newPassword: 'second-pass-2' })
      .expect(200);
    expect(ok.body.message).toMatch(/1 other session/);
    await t.http().get('/api/auth/me').set(bearer(mine.accessToken)).expect(200);
    await t.http().get('/api/auth/me').set(bearer(other.accessToken)).expect(401);
    await t.http().post('/api/auth/login').send({ username: 'changer', password: 'first-pass-1' }).expect(401);
    await login(t, 'changer', 'second-pass-2');
  });

  it('refuses a password longer than 72 bytes instead of truncating it', async () => {
    const { accessToken } = await login(t);
    const res = await t
      .http()
      .post('/api/auth/change-password')
      .set(bearer(accessToken))
      .send({ currentPassword: ADMIN.password, newPassword: '密'.repeat(30) })
      .expect(400);
    expect(JSON.stringify(res.body.message)).toMatch(/newPassword must be at most 72 bytes/);
  });

  it('slows an address down after repeated failures for a username, even with the right password, and says when to retry', async () => {
    const { accessToken } = await login(t);
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer(accessToken))
      .send({ username: 'victim', password: 'victim-pass-1' })
      .expect(201);
    for (let i = 0; i < 3; i++)
      await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'victim', password: `guess-${i}-xx` })
        .expect(401);
    const locked = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'victim', password: 'victim-pass-1' })
      .expect(429);
    expect(locked.body.code).toBe('LOGIN_SLOWED_DOWN');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // other accounts are unaffected
    await login(t);
  });
});

describeE2E('auth: failed logins from one address do not lock the account out elsewhere', () => {
  let t: App;
  let now = Date.now();
  const ATTACKER = '203.0.113.7';
  const OWNER = '198.51.100.20';
  const from = (ip: string, password: string) =>
    t.http().post('/api/auth/login').set('X-Forwarded-For', ip).send({ username: ADMIN.username, password });
  beforeAll(async () => {
    t = await createTestApp({
      overrides: { backend: { trust_proxy: true, login_max_failures_per_user: 5, login_slowdown_base: '1s' } },
    });
    t.app.get(LoginRateLimiter).clock = () => now;
  });
  afterAll(() => destroyTestApp(t));

  it('lets the admin in from another address while an attacker fails ten times, and slows the attacker down', async () => {
    const retryAfter: number[] = [];
    let failures = 0;
    while (failures < 10) {
      const res = await from(ATTACKER, `guess-${failures}-pw`);
      if (res.status === 429) {
        retryAfter.push(Number(res.headers['retry-after']));
        expect(res.body.code).toBe('LOGIN_SLOWED_DOWN');
        now += Number(res.headers['retry-after']) * 1000; // the attacker waits as told
        continue;
      }
      expect(res.status).toBe(401);
      failures++;
    }
    // the first five failures are free; each one after waits twice as long as the one before
    expect(retryAfter).toEqual([1, 2, 4, 8, 16]);
    const slowed = await from(ATTACKER, ADMIN.password).expect(429);
    expect(Number(slowed.headers['retry-after'])).toBe(32);
    const ok = await from(OWNER, ADMIN.password).expect(200);
    expect(ok.body.user.username).toBe(ADMIN.username);
  });
});

describeE2E('auth rate limit per IP', () => {
  let t: App;
  beforeAll(async () => {
    t = await createTestApp({ overrides: { backend: { login_max_attempts_per_ip: 4 } } });
  });
  afterAll(() => destroyTestApp(t));

  it('throttles many logins from one address across usernames', async () => {
    for (let i = 0; i < 4; i++)
      await t
        .http()
        .post('/api/auth/login')
        .send({ username: `user${i}`, password: 'whatever-1' })
        .expect(401);
    const res = await t.http().post('/api/auth/login').send(ADMIN).expect(429);
    expect(res.body.code).toBe('LOGIN_RATE_LIMITED');
  });
});

describeE2E('request body limits', () => {
  let t: App;
  beforeAll(async () => {
    t = await createTestApp({ overrides: { backend: { body_limit: '2kb' } } });
  });
  afterAll(() => destroyTestApp(t));

  it('answers a body over backend.body_limit with 413 in the one error body', async () => {
    const res = await t
      .http()
      .post('/api/auth/login')
      .send({ username: 'admin', password: 'x'.repeat(5000) })
      .expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });
});
