import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

type App = TestApp & { database: TestDatabase };

describeE2E('the admin console served at /', () => {
  let dist: string;
  let t: App;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'og-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    t = await createTestApp({ webDist: dist });
  });
  afterAll(async () => {
    await destroyTestApp(t);
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and for any other page path (History API routing), never cached', async () => {
    for (const path of ['/', '/robots', '/robots/12/anything', '/login?next=%2F']) {
      const res = await t.http().get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('<div id="root">');
    }
  });

  it('serves the built files, hashed assets cached for good', async () => {
    const js = await t.http().get('/assets/index-abc123.js').expect(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.text).toBe('console.log(1)');
    await t.http().get('/favicon.svg').expect(200);
  });

  it('leaves /api and the API docs to the service', async () => {
    const missing = await t.http().get('/api/nothing-here').expect(404);
    expect(missing.body).toMatchObject({ statusCode: 404, requestId: expect.any(String) });
    await t.http().get('/api').expect(404);
    expect((await t.http().get('/api/robots').expect(401)).body.code).toBe('MISSING_TOKEN');
    const { accessToken } = await login(t);
    await t.http().get('/api/robots').set(bearer(accessToken)).expect(200);
    expect((await t.http().get('/docs-json').expect(200)).body.openapi).toMatch(/^3\./);
    expect((await t.http().get('/docs').expect(200)).text).toContain('swagger');
    // a non-GET outside /api is not the console's
    await t.http().post('/robots').expect(404);
  });

  it('allows images from WeChat hosts and data: URIs, and never upgrades http assets (LAN installs)', async () => {
    const csp = (await t.http().get('/').expect(200)).headers['content-security-policy'];
    expect(csp).toContain("img-src 'self' data: blob: https: http:");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });
});

// (its own block: two apps alive at once would share passport's one 'jwt' strategy)
describeE2E('the service without a console build', () => {
  let bare: App;
  beforeAll(async () => {
    bare = await createTestApp({ webDist: join(tmpdir(), 'og-web-missing-dist') });
  });
  afterAll(() => destroyTestApp(bare));

  it('says at / how to build the console', async () => {
    const res = await bare.http().get('/').expect(404);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toContain('npm run build:web');
    await bare.http().get('/api/health').expect(200);
  });
});
