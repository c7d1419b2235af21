import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { onlineRobot } from '../support/online-robot';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

type App = TestApp & { database: TestDatabase };

/** A host that is not Gewe: records every request (with its headers) and answers a banner with HTTP 500. */
async function startStranger(): Promise<{ server: Server; url: string; hits: IncomingHttpHeaders[] }> {
  const hits: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    hits.push(req.headers);
    req.resume();
    req.on('end', () =>
      res.writeHead(500, { 'content-type': 'text/plain' }).end('SSH-2.0-OpenSSH_9.6 internal-banner'),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/api`, hits };
}

/** 169.254.169.254 as an attacker may spell it. */
const METADATA_SPELLINGS = [
  'http://169.254.169.254/latest',
  'http://2852039166/',
  'http://0xA9FEA9FE/',
  'http://0251.0376.0251.0376/',
  'http://169.254.43518/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::ffff:a9fe:a9fe]/',
  'http://169.254.169.254./',
  'http://metadata.google.internal/',
  'http://100.100.100.200/',
  'http://[fd00:ec2::254]/',
  'http://[fe80::1]:2531/',
];

describeE2E('outbound targets: tokens stay with their host, no link-local/metadata, no upstream text for users', () => {
  let t: App;
  let admin: string;
  let user: string;
  let fake: FakeGewe;
  let gewe: { baseUrl: string };
  let stranger: Awaited<ReturnType<typeof startStranger>>;

  beforeAll(async () => {
    fake = new FakeGewe();
    gewe = await fake.start();
    stranger = await startStranger();
    t = await createTestApp({ overrides: { gewe: { request_timeout: '2s', login_poll_interval: '50ms' } } });
    admin = (await login(t)).accessToken;
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'operator', password: 'operator-pass-1' })
      .expect(201);
    user = (await login(t, 'operator', 'operator-pass-1')).accessToken;
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    stranger.server.close();
  });

  const as = (who: string) => ({
    get: (p: string) => t.http().get(p).set(bearer(who)),
    post: (p: string, body: object = {}) => t.http().post(p).set(bearer(who)).send(body),
    patch: (p: string, body: object) => t.http().patch(p).set(bearer(who)).send(body),
    put: (p: string, body: object) => t.http().put(p).set(bearer(who)).send(body),
    delete: (p: string) => t.http().delete(p).set(bearer(who)),
  });
  const tokensSeenByStranger = () => stranger.hits.map((h) => h['x-gewe-token']).filter(Boolean);

  it('refuses a new baseUrl host without the token, so the stored token never reaches it (verify or not)', async () => {
    const token = fake.issueToken();
    const robot = (
      await as(user).post('/api/robots', { name: 'mine', baseUrl: gewe.baseUrl, token, isGewe: false }).expect(201)
    ).body as { id: number };
    for (const q of ['', '?verify=false']) {
      const res = await as(user).patch(`/api/robots/${robot.id}${q}`, { baseUrl: stranger.url }).expect(400);
      expect(res.body.code).toBe('TOKEN_REQUIRED_FOR_NEW_HOST');
      expect(res.body.message).toMatch(/^token /);
      // another spelling of the same host is another origin only when it is: 127.0.0.1 → localhost is another one
      const other = stranger.url.replace('127.0.0.1', 'localhost');
      expect((await as(user).patch(`/api/robots/${robot.id}${q}`, { baseUrl: other }).expect(400)).body.code).toBe(
        'TOKEN_REQUIRED_FOR_NEW_HOST',
      );
    }
    expect((await as(user).get(`/api/robots/${robot.id}`).expect(200)).body.baseUrl).toBe(gewe.baseUrl);
    // later calls use the robot's baseUrl + token: it still points at Gewe
    await as(user).post(`/api/robots/${robot.id}/login`).expect(200);
    expect(stranger.hits).toHaveLength(0);
    // the same host on another path keeps the token; a new host with a token given sends that token only
    await as(user)
      .patch(`/api/robots/${robot.id}`, { baseUrl: `${gewe.baseUrl}/` })
      .expect(200);
    await as(user).patch(`/api/robots/${robot.id}?verify=false`, { baseUrl: stranger.url, token: 'mine' }).expect(200);
    expect(tokensSeenByStranger()).not.toContain(token);
    await as(user).delete(`/api/robots/${robot.id}`).expect(200);
  });

  it('does not send the gewe.token setting to a baseUrl other than gewe.base_url', async () => {
    const shared = fake.issueToken();
    await as(admin)
      .put('/api/system/config', { settings: { 'gewe.token': shared, 'gewe.base_url': gewe.baseUrl } })
      .expect(200);
    const res = await as(user).post('/api/robots', { name: 'thief', baseUrl: stranger.url, isGewe: false }).expect(400);
    expect(res.body.code).toBe('TOKEN_REQUIRED_FOR_NEW_HOST');
    await as(user).post('/api/robots?verify=false', { name: 'thief', baseUrl: stranger.url }).expect(400);
    expect(tokensSeenByStranger()).not.toContain(shared);
    // on gewe.base_url itself the setting is the default, as before
    await as(user).post('/api/robots', { name: 'default', isGewe: false }).expect(201);
    expect(tokensSeenByStranger()).not.toContain(shared);
  });

  it('refuses link-local and metadata addresses in every spelling as baseUrl, downloadUrl and webhook URLs', async () => {
    const robot = (
      await as(admin)
        .post('/api/robots', { name: 'urls', baseUrl: gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body as { id: number };
    for (const url of METADATA_SPELLINGS) {
      const created = await as(user).post('/api/robots?verify=false', { name: 'x', baseUrl: url, token: 't' });
      expect({ url, status: created.status, code: created.body.code }).toEqual({
        url,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect((created.body.message as string[]).join()).toMatch(/baseUrl must not point at a link-local/);
      const patched = await as(user).patch(`/api/robots/${robot.id}?verify=false`, { baseUrl: url, token: 't' });
      expect({ url, status: patched.status }).toEqual({ url, status: 400 });
      const download = await as(user).patch(`/api/robots/${robot.id}`, { downloadUrl: url });
      expect({ url, status: download.status }).toEqual({ url, status: 400 });
      expect((download.body.message as string[]).join()).toMatch(/downloadUrl must not point at/);
      const hook = await as(admin).put('/api/alerts/config', { webhookUrl: url });
      expect({ url, status: hook.status, code: hook.body.code }).toEqual({
        url,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect((hook.body.message as string[]).join()).toMatch(/webhookUrl must not point at/);
      const setting = await as(admin).put('/api/system/config', { settings: { 'alerts.webhook_url': url } });
      expect({ url, status: setting.status, code: setting.body.code }).toEqual({
        url,
        status: 400,
        code: 'INVALID_SETTING',
      });
      expect(setting.body.message).toMatch(/settings\.alerts\.webhook_url must not point at/);
    }
    const after = (await as(admin).get(`/api/robots/${robot.id}`).expect(200)).body;
    expect(after).toMatchObject({ baseUrl: gewe.baseUrl, downloadUrl: null });
    // loopback and LAN stay allowed
    await as(admin).patch(`/api/robots/${robot.id}`, { downloadUrl: 'http://192.168.1.10:2532/download' }).expect(200);
    await as(admin).put('/api/alerts/config', { webhookUrl: 'http://127.0.0.1:9/alerts' }).expect(200);
  });

  it("shows a user a 502's code and a generic message, never the upstream text; an admin sees the reason", async () => {
    const asUser = await as(user)
      .post('/api/robots', { name: 'probe', baseUrl: stranger.url, token: 'x', isGewe: false })
      .expect(502);
    expect(asUser.body.code).toBe('GEWE_BAD_RESPONSE');
    expect(JSON.stringify(asUser.body)).not.toMatch(/OpenSSH|banner|HTTP 500/);
    const asAdmin = await as(admin)
      .post('/api/robots', { name: 'probe', baseUrl: stranger.url, token: 'x', isGewe: false })
      .expect(502);
    expect(asAdmin.body.message).toMatch(/OpenSSH_9\.6 internal-banner/);
    // nor through the robot's live state, which every user reads
    const parked = (
      await as(user)
        .post('/api/robots?verify=false', { name: 'parked', baseUrl: stranger.url, token: 'x', isGewe: false })
        .expect(201)
    ).body as { id: number };
    const login = await as(user).post(`/api/robots/${parked.id}/login`).expect(502);
    expect(JSON.stringify(login.body)).not.toMatch(/OpenSSH|banner|HTTP 500/);
    const state = (await as(user).get(`/api/robots/${parked.id}/status`).expect(200)).body;
    expect(state.status).toBe('error');
    expect(JSON.stringify(state)).not.toMatch(/OpenSSH|banner|HTTP 500/);

    const robot = (
      await as(user)
        .post('/api/robots', { name: 'api-error', baseUrl: gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body as { id: number };
    fake.fault({ path: '/login/getLoginQrCode', mode: 'ret500', msg: '创建设备失败 upstream-text', times: 1 });
    const failed = await as(user).post(`/api/robots/${robot.id}/login`).expect(502);
    expect(failed.body.code).toBe('GEWE_API_ERROR');
    expect(failed.body.message).not.toMatch(/upstream-text|创建设备失败/);
  });

  it("gives a user the profile without Gewe's raw answer; an admin gets it whole", async () => {
    const r = await onlineRobot(t, admin, fake, gewe.baseUrl, 'profiled', 'wxid_profiled');
    const mine = (await as(user).get(`/api/robots/${r.id}/profile`).expect(200)).body;
    expect(mine.wxid).toBe('wxid_profiled');
    expect(mine.raw).toEqual({});
    const full = (await as(admin).get(`/api/robots/${r.id}/profile`).expect(200)).body;
    expect(full.raw).toMatchObject({ wxid: 'wxid_profiled' });
  });
});
