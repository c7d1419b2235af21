import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';
import { waitFor } from '../support/wait';

type App = TestApp & { database: TestDatabase };

/** Fast timings so a whole QR login takes well under a second. */
const FAST = {
  gewe: {
    login_poll_interval: '50ms',
    health_check_interval: '150ms',
    reconnect_backoff: '20ms',
    reconnect_attempts: 2,
    request_timeout: '2s',
  },
};

/** Stands in for the webhook (next issue) so setCallback's probe gets a 200. */
async function startCallbackReceiver(): Promise<{ server: Server; url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhook`, hits };
}

describeE2E('robots on the Gewe protocol (fake Gewe server)', () => {
  let t: App;
  let admin: string;
  let fake: FakeGewe;
  let gewe: { baseUrl: string; downloadUrl: string };
  let token: string;
  let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;

  beforeAll(async () => {
    fake = new FakeGewe();
    gewe = await fake.start();
    token = fake.issueToken();
    receiver = await startCallbackReceiver();
    t = await createTestApp({ overrides: FAST });
    admin = (await login(t)).accessToken;
    await t
      .http()
      .put('/api/system/config')
      .set(bearer(admin))
      .send({ settings: { 'gewe.callback_url': receiver.url } })
      .expect(200);
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    receiver.server.close();
  });

  const api = () => ({
    get: (p: string) => t.http().get(p).set(bearer(admin)),
    post: (p: string, body?: object) =>
      t
        .http()
        .post(p)
        .set(bearer(admin))
        .send(body ?? {}),
    patch: (p: string, body: object) => t.http().patch(p).set(bearer(admin)).send(body),
    delete: (p: string) => t.http().delete(p).set(bearer(admin)),
  });
  /** Each robot gets its own token unless one is given: Gewe allows two devices per token. */
  const tokens: string[] = [];
  const createRobot = async (extra: { token?: string; name?: string } = {}) => {
    const tok = extra.token ?? fake.issueToken();
    tokens.push(tok);
    const res = await api().post('/api/robots', {
      name: 'bot',
      baseUrl: gewe.baseUrl,
      isGewe: false,
      ...extra,
      token: tok,
    });
    expect(res.status).toBe(201);
    return { ...(res.body as Record<string, unknown>), token: tok } as {
      id: number;
      token: string;
      callbackUrl: string;
    };
  };
  const status = async (id: number) => (await api().get(`/api/robots/${id}/status`).expect(200)).body;
  const waitStatus = (id: number, want: string, ms = 5000) =>
    waitFor(async () => ((await status(id)).status === want ? status(id) : null), ms, `robot ${id} ${want}`);

  it('creates a robot after checking its token with Gewe, and never shows the token', async () => {
    const created = await api()
      .post('/api/robots', { name: '客服', baseUrl: gewe.baseUrl, token, isGewe: false })
      .expect(201);
    const r = created.body;
    expect(r).toMatchObject({
      name: '客服',
      baseUrl: gewe.baseUrl,
      token: '********',
      isGewe: false,
      status: 'offline',
      appId: null,
    });
    expect(r.callbackUrl).toMatch(new RegExp(`^${receiver.url}\\?key=[\\w-]{32}$`));
    expect(fake.calls('/login/deviceList').length).toBeGreaterThan(0);
    const again = await createRobot({ name: 'same token', token });
    expect(again.callbackUrl).toBe(r.callbackUrl); // one token, one callback URL
    const other = await api()
      .post('/api/robots?verify=false', { name: 'other', baseUrl: gewe.baseUrl, token: 'another-token' })
      .expect(201);
    expect(other.body.callbackUrl).not.toBe(r.callbackUrl);
    const list = await api().get('/api/robots?search=%E5%AE%A2').expect(200);
    expect(list.body.items.map((x: { name: string }) => x.name)).toEqual(['客服']);
    for (const body of [r, list.body, (await api().get(`/api/robots/${r.id}`)).body])
      expect(JSON.stringify(body)).not.toContain(token);
  });

  it('refuses a token Gewe rejects, unless asked not to verify', async () => {
    const res = await api()
      .post('/api/robots', { name: 'x', baseUrl: gewe.baseUrl, token: 'not-a-real-token' })
      .expect(400);
    expect(res.body.code).toBe('GEWE_TOKEN_INVALID');
    expect(res.body.message).toMatch(/不可用或已过期/);
    await api()
      .post('/api/robots?verify=false', { name: 'x', baseUrl: gewe.baseUrl, token: 'not-a-real-token' })
      .expect(201);
  });

  it('answers 502 when Gewe is unreachable, naming it', async () => {
    const res = await api().post('/api/robots', { name: 'x', baseUrl: 'http://127.0.0.1:1/v2/api', token }).expect(502);
    expect(res.body.code).toBe('GEWE_UNREACHABLE');
  });

  it('validates robot fields, naming each', async () => {
    const res = await api()
      .post('/api/robots', { name: '', baseUrl: 'ftp://x/y', token: 5, config: { regionId: 'abc', extra: 1 } })
      .expect(400);
    const msg = (res.body.message as string[]).join('\n');
    expect(msg).toMatch(/^name /m);
    expect(msg).toMatch(/baseUrl must use http or https/);
    expect(msg).toMatch(/token must be a string/);
    expect(msg).toMatch(/config\.regionId must be a 6-digit province code/);
    expect(msg).toMatch(/extra should not exist/);
    const cred = await api().post('/api/robots', { name: 'x', baseUrl: 'http://u:p@host/v2/api', token }).expect(400);
    expect(cred.body.message.join()).toMatch(/baseUrl must not contain credentials/);
    await api().get('/api/robots/abc').expect(400);
    await api().get('/api/robots/99999').expect(404);
  });

  it('logs a robot in by QR: scan, confirm, online with its profile, callback registered, then logout', async () => {
    const r = await createRobot();
    // two concurrent login calls: one QR, one poller
    const [a, b] = await Promise.all([
      api().post(`/api/robots/${r.id}/login`),
      api().post(`/api/robots/${r.id}/login`),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.qrcodeUrl).toMatch(/^http:\/\/weixin\.qq\.com\/x\//);
    expect(b.body.qrcodeUrl).toBe(a.body.qrcodeUrl);
    expect(a.body).toMatchObject({ status: 'awaiting_scan', qrImageBase64: expect.stringMatching(/^data:image\//) });
    expect(Date.parse(a.body.expiresAt)).toBeGreaterThan(Date.now());
    expect(fake.calls('/login/getLoginQrCode')).toHaveLength(1);
    expect(fake.calls('/login/getLoginQrCode')[0].body).toMatchObject({ appId: '' });

    const appId = (await api().get(`/api/robots/${r.id}`)).body.appId as string;
    expect(appId).toMatch(/^wx_/);
    fake.scan(appId, { nickName: '小明' });
    expect((await waitStatus(r.id, 'scanned')).scannedNickname).toBe('小明');
    fake.confirm(appId, { wxid: 'wxid_bot123', nickName: '小明' });
    const online = await waitStatus(r.id, 'online');
    expect(online).toMatchObject({
      wxid: 'wxid_bot123',
      nickname: '小明',
      appId,
      callbackRegistered: true,
      qrcodeUrl: null,
    });
    expect(online.avatarUrl).toBeTruthy();
    expect(fake.callbackUrl(r.token)).toBe(r.callbackUrl);
    expect(receiver.hits.some((h) => h.includes('testMsg'))).toBe(true);

    const robot = (await api().get(`/api/robots/${r.id}`).expect(200)).body;
    expect(robot).toMatchObject({ status: 'online', wxid: 'wxid_bot123', nickname: '小明' });
    const profile = await api().get(`/api/robots/${r.id}/profile`).expect(200);
    expect(profile.body).toMatchObject({ wxid: 'wxid_bot123', nickname: '小明' });

    const out = await api().post(`/api/robots/${r.id}/logout`).expect(200);
    expect(out.body.status).toBe('logged_out');
    expect(fake.device(appId)?.online).toBe(false);

    // logging in again reuses the device
    const again = await api().post(`/api/robots/${r.id}/login`).expect(200);
    expect(again.body.status).toBe('awaiting_scan');
    expect(fake.calls('/login/getLoginQrCode').at(-1)!.body).toMatchObject({ appId });
    fake.confirm(appId);
    await waitStatus(r.id, 'online');
  });

  it('asks for a security code and goes on once it is given', async () => {
    const r = await createRobot();
    await api().post(`/api/robots/${r.id}/login/captcha`, { code: '123456' }).expect(409);
    await api().post(`/api/robots/${r.id}/login`).expect(200);
    const appId = (await api().get(`/api/robots/${r.id}`)).body.appId as string;
    fake.requireCaptcha(appId, '654321');
    fake.scan(appId);
    const waiting = await waitStatus(r.id, 'need_captcha');
    expect(waiting.reason).toMatch(/security code/);
    await api().post(`/api/robots/${r.id}/login/captcha`, { code: '1' }).expect(400);
    await api().post(`/api/robots/${r.id}/login/captcha`, { code: '654321' }).expect(200);
    fake.confirm(appId);
    await waitStatus(r.id, 'online');
  });

  it('marks an expired QR and refreshes it on the next login call', async () => {
    const r = await createRobot();
    const first = (await api().post(`/api/robots/${r.id}/login`).expect(200)).body;
    const appId = (await api().get(`/api/robots/${r.id}`)).body.appId as string;
    fake.expire(appId);
    const expired = await waitStatus(r.id, 'expired');
    expect(expired.reason).toMatch(/expired/i);
    const second = (await api().post(`/api/robots/${r.id}/login`).expect(200)).body;
    expect(second.status).toBe('awaiting_scan');
    expect(second.qrcodeUrl).not.toBe(first.qrcodeUrl);
  });

  it("surfaces a Gewe error as a 502 carrying Gewe's reason", async () => {
    const r = await createRobot();
    fake.fault({ path: '/login/getLoginQrCode', mode: 'ret500', msg: '创建设备失败', times: 1 });
    const res = await api().post(`/api/robots/${r.id}/login`).expect(502);
    expect(res.body).toMatchObject({ statusCode: 502, code: 'GEWE_API_ERROR' });
    expect(res.body.message).toMatch(/创建设备失败/);
    expect((await status(r.id)).status).toBe('error');
  });

  it('reports the data.msg reason when Gewe refuses a third device on one token', async () => {
    const tok = fake.issueToken();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await api()
            .post('/api/robots', { name: `d${i}`, baseUrl: gewe.baseUrl, token: tok, isGewe: false })
            .expect(201)
        ).body.id,
      );
    await api().post(`/api/robots/${ids[0]}/login`).expect(200);
    await api().post(`/api/robots/${ids[1]}/login`).expect(200);
    const res = await api().post(`/api/robots/${ids[2]}/login`).expect(502);
    expect(res.body.message).toMatch(/已达到最大客户端数量操作/);
  });

  it('reconnects a robot Gewe reports offline, and gives up to offline when reconnection fails', async () => {
    const r = await createRobot();
    await api().post(`/api/robots/${r.id}/login`).expect(200);
    const appId = (await api().get(`/api/robots/${r.id}`)).body.appId as string;
    fake.confirm(appId);
    await waitStatus(r.id, 'online');

    fake.setOnline(appId, false, { reconnectable: true });
    await waitFor(() => fake.calls('/login/reconnection').some((c) => c.appId === appId), 3000, 'a reconnection');
    await waitStatus(r.id, 'online');
    expect(fake.device(appId)?.online).toBe(true);

    fake.setOnline(appId, false, { reconnectable: false });
    const offline = await waitStatus(r.id, 'offline', 5000);
    expect(offline.reason).toMatch(/log in again/);
    // an offline robot is no longer polled
    const polls = fake.calls('/login/checkOnline').filter((c) => c.appId === appId).length;
    await new Promise((res) => setTimeout(res, 500));
    expect(fake.calls('/login/checkOnline').filter((c) => c.appId === appId).length).toBe(polls);
  });

  it('uses a new token at once after an edit, and rejects a taken appId', async () => {
    const r = await createRobot();
    await api().post(`/api/robots/${r.id}/login`).expect(200);
    const appId = (await api().get(`/api/robots/${r.id}`)).body.appId as string;
    await api().post(`/api/robots/${r.id}/logout`).expect(200);
    const other = await createRobot();
    const dup = await api().patch(`/api/robots/${other.id}`, { appId }).expect(409);
    expect(dup.body.code).toBe('APP_ID_TAKEN');
    await api()
      .post('/api/robots', { name: 'dup', baseUrl: gewe.baseUrl, token: fake.issueToken(), appId })
      .expect(409);

    const edited = await api()
      .patch(`/api/robots/${r.id}?verify=false`, { token: 'revoked-token', name: 'renamed' })
      .expect(200);
    expect(edited.body).toMatchObject({ name: 'renamed', token: '********' });
    const res = await api().post(`/api/robots/${r.id}/login`).expect(502);
    expect(res.body.message).toMatch(/不可用或已过期/);
    await api().patch(`/api/robots/${r.id}`, { token: 'revoked-token-2' }).expect(400);
  });

  it('gives a new robot its download URL: the setting on its Gewe, the files port of a Gewechat, else none', async () => {
    const create = async (body: object) =>
      (
        await api()
          .post('/api/robots?verify=false', { name: 'dl', token: 'dl-token', ...body })
          .expect(201)
      ).body as {
        id: number;
        downloadUrl: string | null;
      };
    // a self-hosted Gewechat with the container's layout: API on 2531, files on 2532
    const lan = await create({ baseUrl: 'http://192.168.1.20:2531/v2/api', isGewe: false });
    expect(lan.downloadUrl).toBe('http://192.168.1.20:2532/download');
    expect((await create({ baseUrl: 'http://gewe.lan:2531/v2/api/', isGewe: false })).downloadUrl).toBe(
      'http://gewe.lan:2532/download',
    );
    // another layout or the paid service: nothing to derive; a URL given (or "" for none) is kept
    expect((await create({ baseUrl: 'http://192.168.1.20:8080/v2/api', isGewe: false })).downloadUrl).toBeNull();
    expect((await create({ baseUrl: 'http://192.168.1.20:2531/v2/api', isGewe: true })).downloadUrl).toBeNull();
    expect(
      (await create({ baseUrl: 'http://192.168.1.20:2531/v2/api', isGewe: false, downloadUrl: '' })).downloadUrl,
    ).toBeNull();
    expect(
      (await create({ baseUrl: 'http://192.168.1.20:2531/v2/api', downloadUrl: 'http://files.lan/d', isGewe: false }))
        .downloadUrl,
    ).toBe('http://files.lan/d');

    // the gewe.download_url setting goes with the gewe.base_url setting's Gewe (whatever the layout)
    await t
      .http()
      .put('/api/system/config')
      .set(bearer(admin))
      .send({ settings: { 'gewe.download_url': 'http://10.0.0.9:9000/files' } })
      .expect(200);
    try {
      expect((await create({ isGewe: true })).downloadUrl).toBe('http://10.0.0.9:9000/files');
      expect((await create({ baseUrl: 'http://192.168.1.20:2531/v2/api', isGewe: false })).downloadUrl).toBe(
        'http://192.168.1.20:2532/download',
      );

      // a default download URL follows the robot to another Gewe; one chosen by hand stays
      const moved = await api()
        .patch(`/api/robots/${lan.id}`, { baseUrl: 'http://192.168.1.30:2531/v2/api', token: 'dl-token-2' })
        .query({ verify: 'false' })
        .expect(200);
      expect(moved.body.downloadUrl).toBe('http://192.168.1.30:2532/download');
      await api().patch(`/api/robots/${lan.id}?verify=false`, { downloadUrl: 'http://files.lan/mine' }).expect(200);
      const kept = await api()
        .patch(`/api/robots/${lan.id}?verify=false`, {
          baseUrl: 'http://192.168.1.40:2531/v2/api',
          token: 'dl-token-3',
        })
        .expect(200);
      expect(kept.body.downloadUrl).toBe('http://files.lan/mine');
    } finally {
      await t
        .http()
        .put('/api/system/config')
        .set(bearer(admin))
        .send({ settings: { 'gewe.download_url': '' } })
        .expect(200);
    }
  });

  it('deletes a robot', async () => {
    const r = await createRobot();
    await api().delete(`/api/robots/${r.id}`).expect(200);
    await api().get(`/api/robots/${r.id}`).expect(404);
    await api().post(`/api/robots/${r.id}/login`).expect(404);
  });

  it('never writes a Gewe token into the log file', () => {
    const file = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8');
    expect(file.length).toBeGreaterThan(1000);
    for (const tok of [token, ...tokens, 'revoked-token']) expect(file).not.toContain(tok);
  });
});
