import { buildOpenApi } from '../../src/app.setup';
import { TOKEN_SCOPE_NAMES } from '../../src/auth/api-token.scopes';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/** The only operations anyone may call without a token. Adding one here is a security decision. */
const PUBLIC = new Set(['POST /api/auth/login', 'POST /api/auth/refresh', 'GET /api/health', 'POST /api/webhook']);

interface Operation {
  method: string;
  /** The OpenAPI path, with its {parameters}. */
  template: string;
  path: string;
  adminOnly: boolean;
  tokenScope: string | undefined;
}

describeE2E('every route is guarded (deny by default)', () => {
  let t: TestApp & { database: TestDatabase };
  let ops: Operation[];
  beforeAll(async () => {
    t = await createTestApp();
    const doc = buildOpenApi(t.app);
    ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { 'x-admin-only'?: boolean; 'x-token-scope'?: string }>)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          template: path,
          // a concrete value for every path parameter
          path: path.replace(/\{[^}]+\}/g, '1'),
          adminOnly: op['x-admin-only'] === true,
          tokenScope: op['x-token-scope'],
        })),
    );
  });
  afterAll(() => destroyTestApp(t));

  const call = (o: Operation, path = o.path) => {
    const r = t.http();
    const fn = { GET: r.get, POST: r.post, PUT: r.put, PATCH: r.patch, DELETE: r.delete }[o.method]!.bind(r);
    return fn(path);
  };

  it('documents the routes of every module', () => {
    const paths = ops.map((o) => `${o.method} ${o.path}`);
    expect(paths).toEqual(
      expect.arrayContaining(['POST /api/auth/login', 'GET /api/admin/users', 'GET /api/system/status']),
    );
    for (const p of PUBLIC) expect(paths).toContain(p);
  });

  it('answers 401 without a token on every operation that is not explicitly public', async () => {
    const open: string[] = [];
    for (const o of ops) {
      if (PUBLIC.has(`${o.method} ${o.path}`)) continue;
      const res = await call(o);
      if (res.status !== 401 || res.body.code !== 'MISSING_TOKEN') open.push(`${o.method} ${o.path} → ${res.status}`);
    }
    expect(open).toEqual([]);
  });

  it('answers 403 to a non-admin on every operation documented as admin-only', async () => {
    const { accessToken: admin } = await login(t);
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'nonadmin', password: 'nonadmin-pass' })
      .expect(201);
    const { accessToken } = await login(t, 'nonadmin', 'nonadmin-pass');
    const adminOps = ops.filter((o) => o.adminOnly);
    expect(adminOps.length).toBeGreaterThanOrEqual(9);
    const leaks: string[] = [];
    for (const o of adminOps) {
      const res = await call(o).set(bearer(accessToken));
      if (res.status !== 403) leaks.push(`${o.method} ${o.path} → ${res.status}`);
    }
    expect(leaks).toEqual([]);
  });

  it('refuses a token limited to another robot on every operation with a robot path parameter', async () => {
    const { accessToken: admin } = await login(t);
    const mine = (
      await t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(admin))
        .send({ name: 'mine', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'mine-token' })
        .expect(201)
    ).body.id as number;
    const token = (
      await t
        .http()
        .post('/api/admin/tokens')
        .set(bearer(admin))
        .send({ name: 'one-robot', scopes: TOKEN_SCOPE_NAMES, robotIds: [mine] })
        .expect(201)
    ).body.token as string;
    const other = mine + 1000; // need not exist: the limit is checked before the robot is looked up
    const robotOps = ops.filter((o) => /\{robot_id\}/.test(o.template));
    expect(robotOps.length).toBeGreaterThanOrEqual(14);
    const leaks: string[] = [];
    for (const o of robotOps) {
      const path = o.template.replace('{robot_id}', String(other)).replace(/\{[^}]+\}/g, '1');
      const res = await call(o, path).set(bearer(token)).send({});
      // a route open to tokens (x-token-scope) names the refusal; one closed to every token refuses it anyway
      const want = o.tokenScope ? 'ROBOT_NOT_ALLOWED' : 'TOKEN_NOT_ALLOWED';
      if (res.status !== 403 || res.body.code !== want)
        leaks.push(`${o.method} ${o.template} → ${res.status} ${res.body.code as string} (want 403 ${want})`);
    }
    expect(leaks).toEqual([]);
  });

  it('serves the OpenAPI document and Swagger UI without a token', async () => {
    const json = await t.http().get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toContain('/api/admin/users/{user_id}');
    await t.http().get('/docs').expect(200);
  });
});
