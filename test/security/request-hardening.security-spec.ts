import { createHmac } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLIC_JSON_ROUTES } from '../../src/common/json-body';
import { ADMIN, bearer, createTestApp, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function signedJwt(claims: object, key: string): string {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/** `{"<field>":[[[…]]]}` nested `levels` deep: 2,000 levels are about 4 KB. */
const deep = (field: string, levels: number) => `{"${field}":${'['.repeat(levels)}${']'.repeat(levels)}}`;

describe('hostile request bodies, methods and tokens', () => {
  let t: TestApp & { database: TestDatabase };
  let admin: { accessToken: string; refreshToken: string; user: { id: number } };
  let webhookKey: string;
  // each test sends from its own address (X-Forwarded-For is trusted here), so the per-IP login limit of one test
  // never throttles another
  let ipSeq = 0;
  const nextIp = () => `198.51.100.${++ipSeq}`;

  beforeAll(async () => {
    t = await createTestApp({
      overrides: { backend: { trust_proxy: true, login_max_attempts_per_ip: 3, keep_alive_timeout: '61s' } },
    });
    admin = await login(t);
    const robot = await t
      .http()
      .post('/api/robots?verify=false')
      .set(bearer(admin.accessToken))
      .send({
        name: 'hardening',
        baseUrl: 'http://127.0.0.1:1/v2/api',
        token: 'gewe-token-hardening',
        appId: 'wx_hard',
      })
      .expect(201);
    webhookKey = new URL(robot.body.callbackUrl as string).searchParams.get('key')!;
  });
  afterAll(() => destroyTestApp(t));

  const postJson = (path: string, body: string, ip = nextIp()) =>
    t.http().post(path).set('Content-Type', 'application/json').set('X-Forwarded-For', ip).send(body);

  describe('JSON nested too deep', () => {
    it('refuses 2,000 levels on the public login and refresh routes with 400 JSON_TOO_DEEP', async () => {
      for (const [path, field] of [
        ['/api/auth/login', 'username'],
        ['/api/auth/refresh', 'refreshToken'],
      ]) {
        const res = await postJson(path, deep(field, 2000));
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'JSON_TOO_DEEP']);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', requestId: expect.any(String) });
      }
    });

    it('refuses 2,000 levels on an authenticated route with 400 JSON_TOO_DEEP', async () => {
      const res = await t
        .http()
        .post('/api/auth/change-password')
        .set(bearer(admin.accessToken))
        .set('Content-Type', 'application/json')
        .send(deep('currentPassword', 2000));
      expect([res.status, res.body.code]).toEqual([400, 'JSON_TOO_DEEP']);
    });

    it('refuses a webhook body nested too deep with the same code', async () => {
      const res = await t
        .http()
        .post(`/api/webhook?key=${encodeURIComponent(webhookKey)}`)
        .set('Content-Type', 'application/json')
        .send(deep('Data', 100));
      expect([res.status, res.body.code]).toEqual([400, 'JSON_TOO_DEEP']);
    });

    it('refuses a JSON body in a charset other than UTF-8, which the byte scan could not read (415)', async () => {
      const res = await t
        .http()
        .post('/api/auth/login')
        .set('Content-Type', 'application/json; charset=utf-16le')
        .set('X-Forwarded-For', nextIp())
        .send(Buffer.from(JSON.stringify(ADMIN), 'utf16le'));
      expect([res.status, res.body.code]).toEqual([415, 'UNSUPPORTED_ENCODING']);
    });

    it('still accepts ordinary nesting', async () => {
      const res = await postJson('/api/auth/login', JSON.stringify(ADMIN));
      expect(res.status).toBe(200);
    });
  });

  describe('bodies on the public auth routes', () => {
    it('answers 413 for a login or refresh body over a few KB', async () => {
      const big = JSON.stringify({ username: 'admin', password: 'x'.repeat(8 * 1024) });
      for (const path of ['/api/auth/login', '/api/auth/refresh']) {
        const res = await postJson(path, big);
        expect([path, res.status, res.body.code]).toEqual([path, 413, 'PAYLOAD_TOO_LARGE']);
      }
    });

    it('counts oversized login bodies against the per-IP login limit', async () => {
      const ip = nextIp();
      const big = JSON.stringify({ username: 'admin', password: 'x'.repeat(8 * 1024) });
      for (let i = 0; i < 3; i++) expect((await postJson('/api/auth/login', big, ip)).status).toBe(413);
      const res = await postJson('/api/auth/login', JSON.stringify(ADMIN), ip);
      expect([res.status, res.body.code]).toEqual([429, 'LOGIN_RATE_LIMITED']);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('counts malformed, too deep and forbidden-key login bodies against the per-IP login limit', async () => {
      const ip = nextIp();
      expect((await postJson('/api/auth/login', '{"username":', ip)).body.code).toBe('MALFORMED_JSON');
      expect((await postJson('/api/auth/login', deep('username', 2000), ip)).body.code).toBe('JSON_TOO_DEEP');
      expect((await postJson('/api/auth/login', '{"__proto__":{}}', ip)).body.code).toBe('FORBIDDEN_JSON_KEY');
      const res = await postJson('/api/auth/login', JSON.stringify(ADMIN), ip);
      expect([res.status, res.body.code]).toEqual([429, 'LOGIN_RATE_LIMITED']);
    });

    it('gives every public operation with a JSON body the small limit', async () => {
      const doc = (await t.http().get('/docs-json').expect(200)).body as {
        paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>;
      };
      const publicWithBody = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => op.requestBody && !op.security?.length)
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      // the webhook has its own text parser and limit (webhook_body_limit)
      expect(publicWithBody.filter((r) => r !== 'POST /api/webhook').sort()).toEqual(
        PUBLIC_JSON_ROUTES.map((p) => `POST ${p}`).sort(),
      );
    });
  });

  describe('prototype keys', () => {
    it.each([
      ['{"username":"admin","password":"pw","__proto__":{"isAdmin":true}}', '__proto__'],
      ['{"username":"admin","password":"pw","constructor":{"prototype":{}}}', 'constructor'],
      ['{"username":"admin","password":"pw","\\u005f_proto__":{}}', '__proto__'],
    ])('refuses %s on login with 400 FORBIDDEN_JSON_KEY naming the key', async (body, key) => {
      const res = await postJson('/api/auth/login', body);
      expect([res.status, res.body.code]).toEqual([400, 'FORBIDDEN_JSON_KEY']);
      expect(res.body.message).toContain(key);
    });

    it('names the path of a nested prototype key on an authenticated route', async () => {
      const res = await t
        .http()
        .put(`/api/admin/users/${admin.user.id}`)
        .set(bearer(admin.accessToken))
        .set('Content-Type', 'application/json')
        .send('{"settings":[{"a":1},{"b":{"prototype":1}}]}');
      expect([res.status, res.body.code]).toEqual([400, 'FORBIDDEN_JSON_KEY']);
      expect(res.body.message).toContain('settings[1].b.prototype');
    });

    it('refuses a prototype key in a webhook body', async () => {
      const res = await t
        .http()
        .post(`/api/webhook?key=${encodeURIComponent(webhookKey)}`)
        .set('Content-Type', 'application/json')
        .send('{"Appid":"wx_hard","Data":{"__proto__":{"polluted":1}}}');
      expect([res.status, res.body.code]).toEqual([400, 'FORBIDDEN_JSON_KEY']);
      expect(res.body.message).toContain('Data.__proto__');
    });

    it('lets a prototype word through as a value', async () => {
      const res = await postJson('/api/auth/login', JSON.stringify({ username: '__proto__', password: 'constructor' }));
      expect(res.status).toBe(401);
    });
  });

  describe('methods', () => {
    it.each([
      ['delete', '/api/auth/login', 'POST'],
      ['get', '/api/webhook', 'POST'],
      ['put', '/api/robots', 'GET, HEAD, POST'],
      ['post', '/api/health', 'GET, HEAD'],
      ['put', '/api/robots/1/status', 'GET, HEAD'],
    ] as const)('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
      const res = await t.http()[method](path).set(bearer(admin.accessToken));
      expect([res.status, res.headers.allow, res.body.code]).toEqual([405, allow, 'METHOD_NOT_ALLOWED']);
      expect(res.body).toMatchObject({ statusCode: 405, error: 'Method Not Allowed', requestId: expect.any(String) });
    });

    it('still answers 404 on an unknown path, and 405 case-insensitively like the router', async () => {
      expect((await t.http().delete('/api/no-such-thing')).status).toBe(404);
      expect((await t.http().delete('/API/Auth/Login')).status).toBe(405);
      expect((await t.http().get('/api/robots').set(bearer(admin.accessToken))).status).toBe(200);
    });
  });

  describe('access tokens', () => {
    it('refuses a validly signed access token without exp', async () => {
      const claims = JSON.parse(Buffer.from(admin.accessToken.split('.')[1], 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(claims.exp).toEqual(expect.any(Number));
      const { exp: _exp, ...noExp } = claims;
      const res = await t
        .http()
        .get('/api/auth/me')
        .set(bearer(signedJwt(noExp, t.config.backend.secret_key)));
      expect([res.status, res.body.code]).toEqual([401, 'INVALID_TOKEN']);
      // the same claims with exp are accepted: the refusal is about exp alone
      await t
        .http()
        .get('/api/auth/me')
        .set(bearer(signedJwt({ ...noExp, exp: Math.floor(Date.now() / 1000) + 60 }, t.config.backend.secret_key)))
        .expect(200);
    });
  });

  describe('server timeouts', () => {
    it('runs the HTTP server with the configured timeouts, not Node’s defaults', () => {
      const server = t.app.getHttpServer();
      expect({
        headersTimeout: server.headersTimeout,
        requestTimeout: server.requestTimeout,
        keepAliveTimeout: server.keepAliveTimeout,
        timeout: server.timeout,
      }).toEqual({ headersTimeout: 20_000, requestTimeout: 60_000, keepAliveTimeout: 61_000, timeout: 300_000 });
    });
  });
});

describe('a flood of refused requests', () => {
  it('writes at most logging.rejected_log_limit access lines per status and route, then one summary line', async () => {
    const t = await createTestApp({ overrides: { logging: { rejected_log_limit: 3, rejected_log_window: '1h' } } });
    let lines: Record<string, unknown>[];
    try {
      for (let i = 0; i < 10; i++) await t.http().get('/api/robots').expect(401);
      for (let i = 0; i < 2; i++) await t.http().get('/api/admin/users').expect(401);
    } finally {
      await t.close(); // the summary of a window still open is written at shutdown, before the log is closed
      lines = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      await t.database.drop();
      rmSync(t.dir, { recursive: true, force: true });
    }
    const access = (url: string) =>
      lines.filter(
        (l) =>
          (l.req as { url?: string } | undefined)?.url === url &&
          (l.res as { statusCode?: number })?.statusCode === 401,
      );
    expect(access('/api/robots')).toHaveLength(3);
    expect(access('/api/admin/users')).toHaveLength(2);
    expect(lines.filter((l) => l.context === 'AccessLog')).toEqual([
      expect.objectContaining({ level: 'warn', route: '401 GET /api/robots', suppressed: 7 }),
    ]);
  });
});
