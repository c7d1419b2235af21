import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildOpenApi } from '../../src/app.setup';
import { ApiTokenEntity } from '../../src/auth/api-token.entity';
import { TOKEN_SCOPE_NAMES } from '../../src/auth/api-token.scopes';
import { FileEntity } from '../../src/file/file.entity';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { onlineRobot } from '../support/online-robot';
import { recorderCode, writePlugin } from '../support/plugin-runtime';
import { textCallback } from '../support/samples';
import { waitFor } from '../support/wait';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

/** The only operations anyone may call without a token. */
const PUBLIC = new Set(['POST /api/auth/login', 'POST /api/auth/refresh', 'GET /api/health', 'POST /api/webhook']);
const SEND = 'POST /api/robots/{robot_id}/messages';

interface Operation {
  method: string;
  /** The OpenAPI path. */
  template: string;
  /** With a value for every path parameter. */
  path: string;
}

describeE2E('API tokens and the send API', () => {
  let t: TestApp & { database: TestDatabase };
  let fake: FakeGewe;
  let geweBase: string;
  let admin: string;
  let robotId: number;
  let sender: { id: number; token: string };
  /** Every answer after the sender token was created: none may contain its secret. */
  const seen: string[] = [];

  beforeAll(async () => {
    fake = new FakeGewe();
    const gewe = await fake.start();
    geweBase = gewe.baseUrl;
    t = await createTestApp({
      overrides: { gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' } },
    });
    admin = (await login(t)).accessToken;
    const robot = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer(admin))
        .send({ name: 'sender', baseUrl: gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    robotId = robot.id;
    await t.http().post(`/api/robots/${robotId}/login`).set(bearer(admin)).expect(200);
    const appId = (await t.http().get(`/api/robots/${robotId}`).set(bearer(admin))).body.appId as string;
    fake.confirm(appId, { wxid: 'wxid_token_robot' });
    await waitFor(
      async () =>
        (await t.http().get(`/api/robots/${robotId}/status`).set(bearer(admin))).body.status === 'online' || null,
      5000,
      'robot online',
    );
    const created = await t
      .http()
      .post('/api/admin/tokens')
      .set(bearer(admin))
      .send({ name: 'crm', scopes: ['messages:send'] })
      .expect(201);
    sender = { id: created.body.id, token: created.body.token };
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
  });

  const as = (token: string) => ({
    get: (p: string) => t.http().get(p).set(bearer(token)),
    post: (p: string, body?: object) => t.http().post(p).set(bearer(token)).send(body),
    delete: (p: string) => t.http().delete(p).set(bearer(token)),
  });
  const record = <R extends { text: string }>(r: R): R => (seen.push(r.text), r);

  async function createToken(body: object): Promise<{ id: number; token: string }> {
    const res = await as(admin).post('/api/admin/tokens', body).expect(201);
    return { id: res.body.id, token: res.body.token };
  }

  it('shows the secret once, at creation, and lists the token by its prefix and scopes', async () => {
    expect(sender.token).toMatch(/^ogw_[A-Za-z0-9_-]{43}$/);
    const list = record(await as(admin).get('/api/admin/tokens').expect(200));
    const item = list.body.items.find((x: { id: number }) => x.id === sender.id);
    expect(item).toEqual({
      id: sender.id,
      name: 'crm',
      prefix: sender.token.slice(0, 12),
      scopes: ['messages:send'],
      robotIds: null,
      state: 'active',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedIp: null,
      createdBy: 'admin',
      createdAt: expect.any(String),
    });
    const one = record(await as(admin).get(`/api/admin/tokens/${sender.id}`).expect(200));
    expect(one.body).not.toHaveProperty('token');
    await as(admin).get('/api/admin/tokens/99999').expect(404);
  });

  it('refuses bad token definitions, naming the field', async () => {
    const bad = async (body: object, field: string) => {
      const res = await as(admin).post('/api/admin/tokens', body).expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    };
    await bad({ scopes: ['messages:send'] }, 'name');
    await bad({ name: 'x', scopes: [] }, 'scopes');
    await bad({ name: 'x', scopes: ['messages:send', 'root'] }, 'scopes');
    await bad({ name: 'x', scopes: ['messages:send'], expiresAt: 'tomorrow' }, 'expiresAt');
    await bad(
      { name: 'x', scopes: ['messages:send'], expiresAt: new Date(Date.now() - 1000).toISOString() },
      'expiresAt',
    );
    await bad({ name: 'x', scopes: ['messages:send'], robotIds: 'all' }, 'robotIds');
    await bad({ name: 'x', scopes: ['messages:send'], robotIds: [] }, 'robotIds');
    await bad({ name: 'x', scopes: ['messages:send'], robotIds: [0] }, 'robotIds');
    await bad({ name: 'x', scopes: ['messages:send'], robotIds: [1.5] }, 'robotIds');
    await bad({ name: 'x', scopes: ['messages:send'], robotIds: ['1'] }, 'robotIds');
    await bad({ name: 'x', scopes: ['messages:send'], robotIds: [robotId, robotId] }, 'robotIds');
    await bad(
      { name: 'x', scopes: ['messages:send'], robotIds: Array.from({ length: 101 }, (_, i) => i + 1) },
      'robotIds',
    );
    const unknown = await as(admin)
      .post('/api/admin/tokens', { name: 'x', scopes: ['messages:send'], robotIds: [robotId, 99999] })
      .expect(400);
    expect(unknown.body).toMatchObject({ code: 'UNKNOWN_ROBOTS', params: { field: 'robotIds', ids: '99999' } });
    expect(JSON.stringify(unknown.body.message)).toContain('robotIds');
  });

  it('keeps a robot-limited token to its robots: their routes, lists and ids, never another robot', async () => {
    const b = await onlineRobot(t, admin, fake, geweBase, 'robot-b', 'wxid_robot_b');
    const a = { id: robotId, ...(await as(admin).get(`/api/robots/${robotId}`).expect(200)).body };
    const keyOf = (url: string) => new URL(url).searchParams.get('key')!;
    // one logged message per robot
    const post = (appId: string, key: string, wxid: string, newMsgId: string) =>
      t
        .http()
        .post(`/api/webhook?key=${encodeURIComponent(key)}`)
        .set('Content-Type', 'application/json')
        .send(textCallback({ appId, robotWxid: wxid, from: 'wxid_someone', text: 'hello', newMsgId }))
        .expect(200);
    await post(a.appId as string, keyOf(a.callbackUrl as string), 'wxid_token_robot', '7100000000000000001');
    await post(b.appId, b.key, b.wxid, '7100000000000000002');
    const messageOf = (rid: number) =>
      waitFor(
        async () =>
          ((await as(admin).get(`/api/messages?robotId=${rid}`).expect(200)).body.items as { id: number }[])[0]?.id ??
          null,
        5000,
        `a message of robot ${rid}`,
      );
    const [msgA, msgB] = [await messageOf(a.id), await messageOf(b.id)];
    // one stored file per robot (no blob: the row decides who may see it)
    const files = t.app.get(DataSource).getRepository(FileEntity);
    const fileRow = (robot: number, messageId: number, hex: string) =>
      files.save(
        files.create({
          robotId: robot,
          messageId,
          kind: 'image',
          storedName: `${hex.repeat(64)}.jpg`,
          status: 'done',
          nextAttemptAt: new Date(),
        }),
      );
    const [fileA, fileB] = [await fileRow(a.id, msgA, 'a'), await fileRow(b.id, msgB, 'b')];

    // a plugin switched per robot, on A and on B
    writePlugin(join(t.dir, 'plugins'), 'Echo', recorderCode([{ label: 'echo' }]));
    await as(admin).post('/api/plugins/reload').expect(200);
    for (const [rid, enabled] of [
      [a.id, true],
      [b.id, false],
    ] as const)
      await t.http().put(`/api/robots/${rid}/plugins/Echo`).set(bearer(admin)).send({ enabled }).expect(200);

    const created = await as(admin)
      .post('/api/admin/tokens', { name: 'robot-a-only', scopes: TOKEN_SCOPE_NAMES, robotIds: [a.id] })
      .expect(201);
    expect(created.body.robotIds).toEqual([a.id]);
    expect((await as(admin).get(`/api/admin/tokens/${created.body.id}`).expect(200)).body.robotIds).toEqual([a.id]);
    const limited = as(created.body.token as string);

    // robot A: reads and acts
    await limited.get(`/api/robots/${a.id}`).expect(200);
    await limited.get(`/api/robots/${a.id}/status`).expect(200);
    await limited.get(`/api/robots/${a.id}/plugins`).expect(200);
    await limited.get(`/api/robots/${a.id}/webhook`).expect(200);
    await limited.post(`/api/robots/${a.id}/messages`, { type: 'text', toWxid: 'wxid_x', content: 'hi' }).expect(201);
    await limited.get(`/api/messages/${msgA}`).expect(200);
    // A's file is found (its blob is not: this test stored none)
    expect((await limited.get(`/api/files/${fileA.storedName}`).expect(404)).body.code).toBe('FILE_MISSING');

    // robot B: every route refused, 403 ROBOT_NOT_ALLOWED
    const refusedB: [string, string, object?][] = [
      ['get', `/api/robots/${b.id}`],
      ['get', `/api/robots/${b.id}/status`],
      ['get', `/api/robots/${b.id}/profile`],
      ['get', `/api/robots/${b.id}/plugins`],
      ['get', `/api/robots/${b.id}/webhook`],
      ['post', `/api/robots/${b.id}/webhook/rotate`],
      ['post', `/api/robots/${b.id}/messages`, { type: 'text', toWxid: 'wxid_x', content: 'hi' }],
      ['post', `/api/robots/${b.id}/logout`],
      ['post', `/api/robots/${b.id}/login`],
      ['delete', `/api/robots/${b.id}`],
      ['get', `/api/messages?robotId=${b.id}`],
      ['get', `/api/files?robotId=${b.id}`],
    ];
    for (const [method, path, body] of refusedB) {
      const res = await (method === 'get'
        ? limited.get(path)
        : method === 'post'
          ? limited.post(path, body)
          : limited.delete(path));
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 403, 'ROBOT_NOT_ALLOWED']);
    }
    const patch = await t
      .http()
      .patch(`/api/robots/${b.id}?verify=false`)
      .set(bearer(created.body.token as string))
      .send({ name: 'taken over' });
    expect([patch.status, patch.body.code]).toEqual([403, 'ROBOT_NOT_ALLOWED']);
    const put = await t
      .http()
      .put(`/api/robots/${b.id}/plugins/anything`)
      .set(bearer(created.body.token as string))
      .send({ enabled: false });
    expect([put.status, put.body.code]).toEqual([403, 'ROBOT_NOT_ALLOWED']);
    // B is still there and untouched
    expect((await as(admin).get(`/api/robots/${b.id}`).expect(200)).body.name).toBe('robot-b');

    // lists show A only
    const robots = (await limited.get('/api/robots?limit=100').expect(200)).body;
    expect(robots.items.map((r: { id: number }) => r.id)).toEqual([a.id]);
    expect(robots.total).toBe(1);
    const messages = (await limited.get('/api/messages?limit=100').expect(200)).body.items as { robotId: number }[];
    expect(messages.length).toBeGreaterThan(0);
    expect(new Set(messages.map((m) => m.robotId))).toEqual(new Set([a.id]));
    const fileList = (await limited.get('/api/files?limit=100').expect(200)).body.items as { id: number }[];
    expect(fileList.map((f) => f.id)).toEqual([fileA.id]);

    // the plugin's per-robot overrides: A's only
    expect((await limited.get('/api/plugins/Echo').expect(200)).body.robots).toEqual([
      { robotId: a.id, enabled: true },
    ]);
    expect((await as(admin).get('/api/plugins/Echo').expect(200)).body.robots).toHaveLength(2);
    await t
      .http()
      .put(`/api/robots/${a.id}/plugins/Echo`)
      .set(bearer(created.body.token as string))
      .send({ enabled: false })
      .expect(200);

    // B's message and file by id: not found, as if they did not exist
    expect((await limited.get(`/api/messages/${msgB}`).expect(404)).body.code).toBe('MESSAGE_NOT_FOUND');
    expect((await limited.get(`/api/files/${fileB.storedName}`).expect(404)).body.code).toBe('FILE_NOT_FOUND');
    // the admin sees both
    await as(admin).get(`/api/messages/${msgB}`).expect(200);

    // what concerns every robot is closed to it
    for (const [path, body] of [
      ['/api/robots?verify=false', { name: 'new', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'x' }],
      ['/api/plugins/reload', {}],
    ] as const) {
      const res = await limited.post(path, body);
      expect([path, res.status, res.body.code]).toEqual([path, 403, 'TOKEN_ROBOT_LIMITED']);
    }

    // an unlimited token with the same scopes reaches both robots
    const all = await createToken({ name: 'every-robot', scopes: TOKEN_SCOPE_NAMES });
    await as(all.token).get(`/api/robots/${b.id}`).expect(200);
    await as(all.token).get(`/api/messages/${msgB}`).expect(200);
    expect((await as(all.token).get('/api/robots?limit=100').expect(200)).body.total).toBeGreaterThanOrEqual(2);
  });

  it('lets a messages:send token send a text with @s, an image and a file through the robot', async () => {
    const before = fake.sends().length;
    const text = record(
      await as(sender.token)
        .post(`/api/robots/${robotId}/messages`, {
          type: 'text',
          toWxid: '123@chatroom',
          content: '@Bob hello',
          ats: ['wxid_bob'],
        })
        .expect(201),
    );
    expect(text.body).toEqual({
      robotId,
      type: 'text',
      toWxid: '123@chatroom',
      msgId: expect.any(String),
      newMsgId: expect.stringMatching(/^\d+$/),
      createTime: expect.any(Number),
    });
    record(
      await as(sender.token)
        .post(`/api/robots/${robotId}/messages`, {
          type: 'image',
          toWxid: 'wxid_friend',
          imageUrl: 'http://img.local/a.jpg',
        })
        .expect(201),
    );
    record(
      await as(sender.token)
        .post(`/api/robots/${robotId}/messages`, {
          type: 'file',
          toWxid: 'wxid_friend',
          fileUrl: 'http://files.local/report.pdf',
          fileName: 'report.pdf',
        })
        .expect(201),
    );
    const sends = fake.sends().slice(before);
    expect(sends.map((s) => [s.path, s.body])).toEqual([
      [
        '/message/postText',
        expect.objectContaining({ toWxid: '123@chatroom', content: '@Bob hello', ats: 'wxid_bob' }),
      ],
      ['/message/postImage', expect.objectContaining({ toWxid: 'wxid_friend', imgUrl: 'http://img.local/a.jpg' })],
      [
        '/message/postFile',
        expect.objectContaining({ fileUrl: 'http://files.local/report.pdf', fileName: 'report.pdf' }),
      ],
    ]);
    // the sends went through the robot's send governor
    const governed = (await as(admin).get('/api/queue').expect(200)).body.sends.find(
      (s: { robotId: number }) => s.robotId === robotId,
    );
    expect(governed.sent).toBeGreaterThanOrEqual(3);
  });

  it('lets a logged-in user send too, and validates every field by name', async () => {
    const user = as(admin);
    await user.post(`/api/robots/${robotId}/messages`, { type: 'text', toWxid: 'wxid_x', content: 'hi' }).expect(201);
    const bad = async (body: object, field: string) => {
      const res = await user.post(`/api/robots/${robotId}/messages`, body).expect(400);
      expect([field, JSON.stringify(res.body.message)]).toEqual([field, expect.stringContaining(field)]);
    };
    await bad({ type: 'video', toWxid: 'wxid_x' }, 'type');
    await bad({ type: 'text', content: 'hi' }, 'toWxid');
    await bad({ type: 'text', toWxid: 'wxid_x' }, 'content');
    await bad({ type: 'text', toWxid: 'wxid_x', content: 'hi', ats: 'wxid_y' }, 'ats');
    await bad({ type: 'image', toWxid: 'wxid_x' }, 'imageUrl');
    await bad({ type: 'image', toWxid: 'wxid_x', imageUrl: 'file:///etc/passwd' }, 'imageUrl');
    await bad({ type: 'file', toWxid: 'wxid_x', fileUrl: 'http://f.local/a' }, 'fileName');
    await bad({ type: 'image', toWxid: 'wxid_x', imageUrl: 'http://i.local/a.png', content: 'caption' }, 'content');
    await bad({ type: 'text', toWxid: 'wxid_x', content: 'hi', extra: 1 }, 'extra');
    await user.post('/api/robots/99999/messages', { type: 'text', toWxid: 'wxid_x', content: 'hi' }).expect(404);
  });

  it("answers a Gewe failure with 502 and Gewe's reason, and an offline robot with 409", async () => {
    fake.fault({ path: '/message/postText', mode: 'ret500', times: 1 });
    const res = await as(sender.token)
      .post(`/api/robots/${robotId}/messages`, { type: 'text', toWxid: 'wxid_x', content: 'hi' })
      .expect(502);
    expect(res.body.code).toBe('GEWE_API_ERROR');
    const offline = (
      await as(admin)
        .post('/api/robots?verify=false', { name: 'off', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'off-token' })
        .expect(201)
    ).body.id as number;
    const refused = await as(sender.token)
      .post(`/api/robots/${offline}/messages`, { type: 'text', toWxid: 'wxid_x', content: 'hi' })
      .expect(409);
    expect(refused.body.code).toBe('ROBOT_NOT_ONLINE');
  });

  it('refuses the messages:send token on every other operation of the API (403 or 401)', async () => {
    const doc = buildOpenApi(t.app);
    const ops: Operation[] = Object.entries(doc.paths).flatMap(([template, item]) =>
      Object.keys(item as object)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), template, path: template.replace(/\{[^}]+\}/g, String(robotId)) })),
    );
    const others = ops.filter((o) => !PUBLIC.has(`${o.method} ${o.template}`) && `${o.method} ${o.template}` !== SEND);
    expect(others.length).toBeGreaterThan(40);
    const open: string[] = [];
    for (const o of others) {
      const r = t.http();
      const call = { GET: r.get, POST: r.post, PUT: r.put, PATCH: r.patch, DELETE: r.delete }[o.method]!.bind(r);
      const res = record(await call(o.path).set(bearer(sender.token)).send({}));
      if (res.status !== 403 && res.status !== 401) open.push(`${o.method} ${o.template} → ${res.status}`);
    }
    expect(open).toEqual([]);
  });

  it('limits other tokens to their scopes, and keeps /api/admin closed to every token', async () => {
    const reader = await createToken({ name: 'dashboard', scopes: ['robots:read', 'messages:read'] });
    await as(reader.token).get('/api/robots').expect(200);
    await as(reader.token).get(`/api/robots/${robotId}/status`).expect(200);
    await as(reader.token).get('/api/messages').expect(200);
    const refused = await as(reader.token).post('/api/robots?verify=false', { name: 'x' }).expect(403);
    expect(refused.body.code).toBe('INSUFFICIENT_SCOPE');
    await as(reader.token).post(`/api/robots/${robotId}/messages`, { type: 'text' }).expect(403);
    await as(reader.token).get('/api/plugins').expect(403);
    await as(reader.token).get('/api/system/status').expect(403);

    // plugins:write opens plugin changes (admin-only for users) to the token
    const plugins = await createToken({ name: 'ops-bot', scopes: ['plugins:read', 'plugins:write'] });
    await as(plugins.token).post('/api/plugins/reload').expect(200);

    const everything = await createToken({
      name: 'all',
      scopes: [
        'messages:send',
        'messages:read',
        'robots:read',
        'robots:write',
        'plugins:read',
        'plugins:write',
        'files:read',
      ],
    });
    for (const p of [
      '/api/admin/users',
      '/api/admin/tokens',
      '/api/admin/audit',
      '/API/Admin/tokens', // Express routes case-insensitively
      '/api/system/config',
      '/api/auth/me',
    ]) {
      const res = await as(everything.token).get(p).expect(403);
      expect([p, res.body.code]).toEqual([p, 'TOKEN_NOT_ALLOWED']);
    }
    await as(everything.token)
      .post('/api/admin/tokens', { name: 'escalate', scopes: ['robots:read'] })
      .expect(403);
  });

  it("shows a robot's callback key only to those who may change robots", async () => {
    const reader = await createToken({ name: 'dashboard', scopes: ['robots:read'] });
    const writer = await createToken({ name: 'provisioner', scopes: ['robots:read', 'robots:write'] });
    const keyOf = (url: string) => new URL(url).searchParams.get('key');
    const full = (await as(admin).get(`/api/robots/${robotId}`).expect(200)).body;
    expect(keyOf(full.callbackUrl)).toMatch(/^[\w-]{32}$/);
    expect(full.callbackKeyHidden).toBe(false);

    const one = (await as(reader.token).get(`/api/robots/${robotId}`).expect(200)).body;
    const listed = (await as(reader.token).get('/api/robots').expect(200)).body.items[0];
    for (const r of [one, listed]) {
      expect(r.callbackKeyHidden).toBe(true);
      expect(keyOf(r.callbackUrl)).toBeNull();
      expect(JSON.stringify(r)).not.toContain(keyOf(full.callbackUrl));
      // the rest of the URL is still shown
      expect(new URL(r.callbackUrl).pathname).toBe(new URL(full.callbackUrl).pathname);
    }
    const w = (await as(writer.token).get(`/api/robots/${robotId}`).expect(200)).body;
    expect(w.callbackUrl).toBe(full.callbackUrl);
    expect(w.callbackKeyHidden).toBe(false);
  });

  it('refuses unknown, expired and revoked tokens with 401', async () => {
    await as(`ogw_${'A'.repeat(43)}`)
      .get('/api/robots')
      .expect(401);
    await as('ogw_short').get('/api/robots').expect(401);

    const expiring = await createToken({
      name: 'expiring',
      scopes: ['robots:read'],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await as(expiring.token).get('/api/robots').expect(200);
    await t.app
      .get(DataSource)
      .getRepository(ApiTokenEntity)
      .update({ id: expiring.id }, { expiresAt: new Date(Date.now() - 1000) });
    const expired = await as(expiring.token).get('/api/robots').expect(401);
    expect(expired.body.code).toBe('INVALID_TOKEN');
    expect((await as(admin).get(`/api/admin/tokens/${expiring.id}`)).body.state).toBe('expired');

    const revocable = await createToken({ name: 'revocable', scopes: ['robots:read'] });
    await as(revocable.token).get('/api/robots').expect(200);
    const revoked = record(await as(admin).delete(`/api/admin/tokens/${revocable.id}`).expect(200));
    expect(revoked.body).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });
    await as(revocable.token).get('/api/robots').expect(401);
    await as(admin).delete('/api/admin/tokens/99999').expect(404);
  });

  it('notes when and from where a token was last used', async () => {
    const token = (await as(admin).get(`/api/admin/tokens/${sender.id}`).expect(200)).body;
    expect(token.lastUsedAt).toEqual(expect.any(String));
    expect(token.lastUsedIp).toMatch(/127\.0\.0\.1|::1/);
  });

  it('audits token creation, revocation and sends by the token, and never returns or logs its secret', async () => {
    const rows = record(await as(admin).get('/api/admin/audit?limit=200').expect(200)).body.items as {
      action: string;
      actorTokenId: number | null;
      targetId: string | null;
      result: string;
      details: Record<string, unknown> | null;
    }[];
    expect(rows.find((r) => r.action === 'token.create' && r.targetId === String(sender.id))).toMatchObject({
      result: 'ok',
      details: { body: { name: 'crm', scopes: ['messages:send'] } },
    });
    expect(rows.some((r) => r.action === 'token.revoke' && r.result === 'ok')).toBe(true);
    const sends = rows.filter((r) => r.action === 'message.send' && r.actorTokenId === sender.id && r.result === 'ok');
    expect(sends).toHaveLength(3);
    const send = sends.find((r) => (r.details?.body as { type?: string } | undefined)?.type === 'text');
    expect(send).toMatchObject({
      targetId: String(robotId),
      details: { body: { type: 'text', toWxid: '123@chatroom', ats: ['wxid_bob'] }, contentLength: 10 },
    });
    expect(JSON.stringify(send)).not.toContain('@Bob hello');

    const log = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8');
    const secret = sender.token.slice(4);
    expect(log).toContain('API token created');
    expect(log.includes(secret)).toBe(false);
    expect(seen.length).toBeGreaterThan(40);
    expect(seen.filter((text) => text.includes(secret))).toEqual([]);
  });
});
