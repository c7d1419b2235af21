import { buildOpenApi } from '../../src/app.setup';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/** The only operations anyone may call without a token. Adding one here is a security decision. */
const PUBLIC = new Set(['POST /api/auth/login', 'POST /api/auth/refresh', 'GET /api/health', 'POST /api/webhook']);

interface Operation {
  method: string;
  path: string;
  adminOnly: boolean;
}

describeE2E('every route is guarded (deny by default)', () => {
  let t: TestApp & { database: TestDatabase };
  let ops: Operation[];
  beforeAll(async () => {
    t = await createTestApp();
    const doc = buildOpenApi(t.app);
    ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { 'x-admin-only'?: boolean }>)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          // a concrete value for every path parameter
          path: path.replace(/\{[^}]+\}/g, '1'),
          adminOnly: op['x-admin-only'] === true,
        })),
    );
  });
  afterAll(() => destroyTestApp(t));

  const call = (o: Operation) => {
    const r = t.http();
    const fn = { GET: r.get, POST: r.post, PUT: r.put, PATCH: r.patch, DELETE: r.delete }[o.method]!.bind(r);
    return fn(o.path);
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

  it('serves the OpenAPI document and Swagger UI without a token', async () => {
    const json = await t.http().get('/docs-json').expect(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toContain('/api/admin/users/{user_id}');
    await t.http().get('/docs').expect(200);
  });
});
