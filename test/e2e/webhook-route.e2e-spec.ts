import { gzipSync } from 'node:zlib';
import { textCallback } from '../support/samples';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/**
 * POST /api/webhook is answered by its lean route (src/webhook/webhook.route.ts) ahead of the HTTP stack, and what
 * that route does not take (an Origin, a compressed body) by the full pipeline: both give the same answer, the same
 * headers and the same error body.
 */
describeE2E('the lean webhook route', () => {
  let t: TestApp & { database: TestDatabase };
  let path: string;
  let n = 0;
  const body = () =>
    textCallback({
      appId: 'wx_lean',
      robotWxid: 'wxid_lean',
      from: 'wxid_friend',
      text: 'hi',
      newMsgId: String(7700000000000000000n + BigInt(++n)),
    });

  beforeAll(async () => {
    t = await createTestApp({ overrides: { backend: { webhook_body_limit: '4kb' } } });
    const admin = await login(t);
    const robot = await t
      .http()
      .post('/api/robots?verify=false')
      .set(bearer(admin.accessToken))
      .send({ name: 'lean', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'gewe-token-lean', appId: 'wx_lean' })
      .expect(201);
    path = `/api/webhook?key=${encodeURIComponent(new URL(robot.body.callbackUrl as string).searchParams.get('key')!)}`;
  });
  afterAll(() => destroyTestApp(t));

  /** The headers both routes must agree on (the values that change per answer left out). */
  const fixedHeaders = (h: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(h).filter(([k]) =>
        [
          'content-type',
          'content-security-policy',
          'x-content-type-options',
          'x-frame-options',
          'strict-transport-security',
          'cross-origin-opener-policy',
          'referrer-policy',
          'access-control-expose-headers',
        ].includes(k),
      ),
    );

  it('answers a callback like the full pipeline: the same body, headers and request id', async () => {
    const lean = await t
      .http()
      .post(path)
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'lean-1')
      .send(body());
    // an Origin header sends the request down the full pipeline (CORS answers it)
    const full = await t
      .http()
      .post(path)
      .set('Content-Type', 'application/json')
      .set('Origin', 'http://console.example')
      .set('X-Request-Id', 'full-1')
      .send(body());
    expect([lean.status, full.status]).toEqual([200, 200]);
    expect(lean.body).toEqual({ status: 'success', message: 'Accepted' });
    expect(full.body).toEqual(lean.body);
    expect([lean.headers['x-request-id'], full.headers['x-request-id']]).toEqual(['lean-1', 'full-1']);
    expect(lean.headers['content-security-policy']).toContain("img-src 'self'");
    expect(fixedHeaders(lean.headers)).toEqual(fixedHeaders(full.headers));
    expect(full.headers['access-control-allow-origin']).toBeDefined();
  });

  it('refuses with the one error body on both routes, with a fresh request id for an ill-formed one', async () => {
    const lean = await t.http().post('/api/webhook?key=wrong').set('X-Request-Id', 'bad id!').send('{}');
    const full = await t.http().post('/api/webhook?key=wrong').set('Origin', 'http://x.example').send('{}');
    for (const res of [lean, full]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'WEBHOOK_UNAUTHORIZED' });
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
      expect(res.body.requestId).not.toBe('bad id!');
    }
    expect(Object.keys(lean.body).sort()).toEqual(Object.keys(full.body).sort());
  });

  it('answers a body over webhook_body_limit 413, and the connection stays usable', async () => {
    const agent = t.http();
    const big = body().replace('"hi"', JSON.stringify('x'.repeat(5000)));
    const res = await agent.post(path).set('Content-Type', 'application/json').send(big);
    expect([res.status, res.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    await agent.post(path).set('Content-Type', 'application/json').send(body()).expect(200);
  });

  it('reads a body with a UTF-8 byte order mark, as the body parser did', async () => {
    const res = await t
      .http()
      .post(path)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(`\uFEFF${body()}`);
    expect([res.status, res.body.status]).toEqual([200, 'success']);
  });

  it('leaves a compressed body to the full pipeline, which inflates it', async () => {
    const res = await t
      .http()
      .post(path)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((b: Buffer) => b as unknown as string)
      .send(gzipSync(Buffer.from(body())) as unknown as string);
    expect([res.status, res.body.message]).toEqual([200, 'Accepted']);
  });

  it('leaves other methods and spellings of the path to the full pipeline (405, trailing slash)', async () => {
    const get = await t.http().get(path);
    expect([get.status, get.headers.allow, get.body.code]).toEqual([405, 'POST', 'METHOD_NOT_ALLOWED']);
    const slash = await t
      .http()
      .post(path.replace('webhook?', 'webhook/?'))
      .set('Content-Type', 'application/json')
      .send(body());
    expect(slash.status).toBe(200);
  });
});
