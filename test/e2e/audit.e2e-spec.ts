import { ModulesContainer } from '@nestjs/core';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildOpenApi } from '../../src/app.setup';
import { AUDIT_SPEC, AuditSpec } from '../../src/audit/audit.decorator';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { tempPluginsDir, writePlugin } from '../support/plugin-runtime';
import { textCallback } from '../support/samples';
import { waitFor } from '../support/wait';
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

interface Row {
  id: number;
  createdAt: string;
  actorUserId: number | null;
  actorUsername: string | null;
  actorTokenId: number | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: 'ok' | 'failed';
  status: number | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

/** Areas of the API whose every mutation is an admin action that must be audited. */
const AUDITED_AREAS = /^\/api\/(admin|robots|plugins|system|queue|messages|files|alerts)(\/|$)/;

const VAULT_SCHEMA = {
  type: 'object',
  properties: {
    greeting: { type: 'string', default: 'hi' },
    // marked secret by the schema, with a name that does not look like one
    passage: { type: 'string', writeOnly: true, default: '' },
    hook: {
      type: 'object',
      properties: { url: { type: 'string' }, signingKey: { type: 'string' } },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const SECRETS = {
  opsPassword: 'ops-first-pass-1',
  opsReset: 'ops-reset-pass-2',
  opsChanged: 'ops-changed-pass-3',
  geweToken: 'audit-gewe-token-secret',
  passage: 'open-sesame-passage-value',
  passage2: 'second-sesame-passage',
  signingKey: 'hook-signing-key-value',
  settingToken: 'runtime-gewe-token-value',
  urlPassword: 'url-userinfo-pass-9',
  urlToken: 'url-query-token-8',
};

describeE2E('audit log', () => {
  let t: TestApp & { database: TestDatabase };
  let fake: FakeGewe;
  let pluginsDir: string;
  let admin: string;
  let adminId: number;

  beforeAll(async () => {
    fake = new FakeGewe();
    await fake.start();
    pluginsDir = tempPluginsDir();
    writePlugin(pluginsDir, 'Vault', 'module.exports = { handlers: [] };', { configSchema: VAULT_SCHEMA });
    t = await createTestApp({
      overrides: {
        plugins: { plugins_dir: pluginsDir, enabled_plugins: [] },
        gewe: { login_poll_interval: '50ms', send_min_interval: '0ms', send_jitter: '0ms' },
      },
    });
    const s = await login(t);
    admin = s.accessToken;
    adminId = s.user.id;
  });
  afterAll(async () => {
    await destroyTestApp(t);
    await fake.stop();
    rmSync(pluginsDir, { recursive: true, force: true });
  });

  const api = (token = admin) => ({
    get: (p: string) => t.http().get(p).set(bearer(token)),
    post: (p: string, body?: object) => t.http().post(p).set(bearer(token)).send(body),
    put: (p: string, body?: object) => t.http().put(p).set(bearer(token)).send(body),
    patch: (p: string, body?: object) => t.http().patch(p).set(bearer(token)).send(body),
    delete: (p: string) => t.http().delete(p).set(bearer(token)),
  });

  async function audit(query = 'limit=200'): Promise<{ items: Row[]; total: number }> {
    return (await api().get(`/api/admin/audit?${query}`).expect(200)).body;
  }
  /** The newest row of an action (optionally on a target). */
  async function last(action: string, targetId?: string | number): Promise<Row> {
    const rows = (await audit(`limit=200&action=${action}`)).items.filter(
      (r) => targetId === undefined || r.targetId === String(targetId),
    );
    if (!rows.length) throw new Error(`no audit row for ${action} ${targetId ?? ''}`);
    return rows[0];
  }

  it('marks every mutation of the admin API with an audit action (a new route without one fails here)', () => {
    const specs = new Map<string, AuditSpec | undefined>();
    for (const mod of t.app.get(ModulesContainer).values())
      for (const wrapper of mod.controllers.values()) {
        const cls = wrapper.metatype as (new (...a: never[]) => unknown) | null;
        if (!cls) continue;
        for (const method of Object.getOwnPropertyNames(cls.prototype))
          if (method !== 'constructor')
            specs.set(
              `${cls.name.replace(/Controller$/, '')}_${method}`,
              Reflect.getMetadata(AUDIT_SPEC, (cls.prototype as Record<string, object>)[method]) as AuditSpec,
            );
      }
    const doc = buildOpenApi(t.app);
    const mutations: string[] = [];
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item as Record<string, { operationId?: string }>)) {
        if (!['post', 'put', 'patch', 'delete'].includes(method) || !AUDITED_AREAS.test(path)) continue;
        mutations.push(`${method} ${path}`);
        const spec = specs.get(op.operationId ?? '');
        if (!spec?.action || !/^[a-z_]+\.[a-z_]+$/.test(spec.action)) missing.push(`${method.toUpperCase()} ${path}`);
        else expect((op as Record<string, unknown>)['x-audit-action']).toBe(spec.action);
      }
    expect(mutations.length).toBeGreaterThanOrEqual(20);
    expect(missing).toEqual([]);
  });

  it('records logins that fail (with the username tried and why) and succeed', async () => {
    await t.http().post('/api/auth/login').send({ username: ADMIN.username, password: 'wrong-password' }).expect(401);
    await t.http().post('/api/auth/login').send({ username: 'nobody', password: 'whatever-1' }).expect(401);
    await t
      .http()
      .post('/api/auth/login')
      .set('X-Request-Id', 'audit-login-ok')
      .set('User-Agent', 'audit-test')
      .send(ADMIN)
      .expect(200);
    const rows = (await audit('action=auth.login&limit=10')).items;
    const ok = rows.find((r) => r.requestId === 'audit-login-ok')!;
    expect(ok).toMatchObject({
      action: 'auth.login',
      actorUserId: adminId,
      actorUsername: 'admin',
      targetType: 'user',
      targetId: String(adminId),
      result: 'ok',
      status: 200,
      ip: expect.stringMatching(/127\.0\.0\.1|::1/),
    });
    expect(ok.details).toMatchObject({ userAgent: 'audit-test' });
    expect(rows.find((r) => r.actorUsername === 'nobody')).toMatchObject({
      actorUserId: null,
      result: 'failed',
      status: 401,
      details: { reason: 'unknown user' },
    });
    expect(rows.find((r) => r.actorUsername === 'admin' && r.result === 'failed')).toMatchObject({
      actorUserId: adminId,
      status: 401,
      details: { reason: 'bad password' },
    });
    expect(new Date(ok.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records user management, password changes, refresh-token reuse and logout, passwords masked', async () => {
    const created = (
      await api().post('/api/admin/users', { username: 'ops', password: SECRETS.opsPassword }).expect(201)
    ).body;
    expect(await last('user.create', created.id)).toMatchObject({
      actorUserId: adminId,
      actorUsername: 'admin',
      targetType: 'user',
      result: 'ok',
      status: 201,
      details: { body: { username: 'ops', password: '********' } },
    });

    await api().put(`/api/admin/users/${created.id}`, { password: SECRETS.opsReset }).expect(200);
    expect(await last('user.update', created.id)).toMatchObject({
      status: 200,
      details: { body: { password: '********' }, passwordReset: true },
    });

    const ops = await login(t, 'ops', SECRETS.opsReset);
    await api(ops.accessToken)
      .post('/api/auth/change-password', { currentPassword: SECRETS.opsReset, newPassword: SECRETS.opsChanged })
      .expect(200);
    expect(await last('auth.password_change', created.id)).toMatchObject({
      actorUserId: created.id,
      actorUsername: 'ops',
      result: 'ok',
      details: { body: { currentPassword: '********', newPassword: '********' } },
    });

    // a refresh token presented twice: the second time the session is revoked, and that is recorded
    const session = await login(t, 'ops', SECRETS.opsChanged);
    await t.http().post('/api/auth/refresh').send({ refreshToken: session.refreshToken }).expect(200);
    await t.http().post('/api/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    expect(await last('auth.refresh_reuse')).toMatchObject({
      actorUserId: created.id,
      actorUsername: 'ops',
      targetType: 'session',
      result: 'failed',
      status: 401,
    });

    const again = await login(t, 'ops', SECRETS.opsChanged);
    await api(again.accessToken).post('/api/auth/logout').expect(200);
    expect(await last('auth.logout', created.id)).toMatchObject({ actorUsername: 'ops', result: 'ok', status: 200 });

    await api().delete(`/api/admin/users/${created.id}`).expect(200);
    expect(await last('user.delete', created.id)).toMatchObject({ result: 'ok', details: { username: 'ops' } });
    // a refused action is recorded as failed, with the error
    await api().delete(`/api/admin/users/${adminId}`).expect(409);
    expect(await last('user.delete', adminId)).toMatchObject({
      result: 'failed',
      status: 409,
      details: { error: expect.stringContaining('CANNOT_DELETE_SELF') },
    });
  });

  it('records a robot from creation to deletion: edits, QR login, callback, logout; the token masked', async () => {
    const token = fake.issueToken(SECRETS.geweToken);
    const robot = (
      await api()
        .post('/api/robots', { name: 'audited', baseUrl: fake.urls().baseUrl, token, isGewe: false })
        .expect(201)
    ).body;
    expect(await last('robot.create', robot.id)).toMatchObject({
      targetType: 'robot',
      status: 201,
      details: { body: { name: 'audited', token: '********', isGewe: false } },
    });

    await api().patch(`/api/robots/${robot.id}`, { name: 'audited-2' }).expect(200);
    expect(await last('robot.update', robot.id)).toMatchObject({
      status: 200,
      details: { body: { name: 'audited-2' } },
    });
    // validation runs inside the audit: a bad body is a failed action naming the field
    await api().patch(`/api/robots/${robot.id}`, { baseUrl: 'not a url' }).expect(400);
    expect(await last('robot.update', robot.id)).toMatchObject({
      result: 'failed',
      status: 400,
      details: { error: expect.stringContaining('baseUrl') },
    });
    // a refused URL is recorded without its credentials or query secrets
    const withCredentials = `http://gewe-op:${SECRETS.urlPassword}@127.0.0.1:2531/v2/api?token=${SECRETS.urlToken}`;
    await api().patch(`/api/robots/${robot.id}`, { baseUrl: withCredentials }).expect(400);
    const refused = await last('robot.update', robot.id);
    expect(refused).toMatchObject({ result: 'failed', status: 400 });
    expect((refused.details?.body as { baseUrl: string }).baseUrl).toBe(
      'http://********@127.0.0.1:2531/v2/api?token=********',
    );
    expect(JSON.stringify(refused)).not.toMatch(new RegExp(`${SECRETS.urlPassword}|${SECRETS.urlToken}`));

    await api().post(`/api/robots/${robot.id}/login`).expect(200);
    expect(await last('robot.login', robot.id)).toMatchObject({ result: 'ok', status: 200 });
    const appId = (await api().get(`/api/robots/${robot.id}`)).body.appId as string;
    fake.confirm(appId, { wxid: 'wxid_audit_robot' });
    await waitFor(
      async () => ((await api().get(`/api/robots/${robot.id}/status`)).body.status === 'online' ? true : null),
      5000,
      'robot online',
    );
    await api().post(`/api/robots/${robot.id}/login/captcha`, { code: '123456' }).expect(409);
    expect(await last('robot.login_captcha', robot.id)).toMatchObject({ result: 'failed', status: 409 });
    // Gewe cannot reach this app's webhook (it is not listening): a Gewe error, recorded as such
    await api().post(`/api/robots/${robot.id}/callback`).expect(502);
    expect(await last('robot.callback_register', robot.id)).toMatchObject({
      result: 'failed',
      status: 502,
      details: { error: expect.stringContaining('GEWE_API_ERROR') },
    });

    // a message in the log, replayed
    const key = new URL(robot.callbackUrl as string).searchParams.get('key')!;
    await t
      .http()
      .post(`/api/webhook?key=${encodeURIComponent(key)}`)
      .set('content-type', 'application/json')
      .send(textCallback({ appId, robotWxid: 'wxid_audit_robot', from: 'wxid_friend', text: 'hi', newMsgId: '90001' }))
      .expect(200);
    const message = await waitFor(
      async () => (await api().get(`/api/messages?robotId=${robot.id}`)).body.items[0] ?? null,
      5000,
      'message logged',
    );
    await api().post(`/api/messages/${message.id}/replay`, {}).expect(200);
    expect(await last('message.replay', message.id)).toMatchObject({ targetType: 'message', result: 'ok' });

    await api().post(`/api/robots/${robot.id}/logout`).expect(200);
    expect(await last('robot.logout', robot.id)).toMatchObject({ result: 'ok' });
    await api().delete(`/api/robots/${robot.id}`).expect(200);
    expect(await last('robot.delete', robot.id)).toMatchObject({
      result: 'ok',
      details: { name: 'audited-2', appId, wxid: 'wxid_audit_robot' },
    });
  });

  it('records plugin switches and config changes as a diff with secrets masked', async () => {
    const robotId = (
      await api()
        .post('/api/robots?verify=false', { name: 'plug', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'plug-tok' })
        .expect(201)
    ).body.id as number;
    await api().post('/api/plugins/Vault/enable').expect(200);
    expect(await last('plugin.enable', 'Vault')).toMatchObject({ targetType: 'plugin', result: 'ok', status: 200 });
    await api().post('/api/plugins/Vault/disable').expect(200);
    expect(await last('plugin.disable', 'Vault')).toMatchObject({ result: 'ok' });

    await api()
      .put('/api/plugins/Vault/config', {
        greeting: 'hello',
        passage: SECRETS.passage,
        hook: { url: 'http://hook.local', signingKey: SECRETS.signingKey },
      })
      .expect(200);
    const first = await last('plugin.config_update', 'Vault');
    expect(first.details).not.toHaveProperty('body');
    expect(first.details!.diff).toEqual([
      { path: 'greeting', before: 'hi', after: 'hello' },
      { path: 'hook', after: { url: 'http://hook.local', signingKey: '********' } },
      { path: 'passage', before: '', after: '********' },
    ]);
    await api()
      .put('/api/plugins/Vault/config', {
        greeting: 'hello',
        passage: SECRETS.passage2,
        hook: { url: 'http://hook.local', signingKey: SECRETS.signingKey },
      })
      .expect(200);
    // a secret that changed shows as changed, never with a value
    expect((await last('plugin.config_update', 'Vault')).details!.diff).toEqual([
      { path: 'passage', before: '********', after: '********' },
    ]);
    await api().put('/api/plugins/Vault/config', { greeting: 5 }).expect(400);
    expect(await last('plugin.config_update', 'Vault')).toMatchObject({ result: 'failed', status: 400 });

    await api().put(`/api/robots/${robotId}/plugins/Vault`, { enabled: true }).expect(200);
    expect(await last('plugin.robot_toggle', 'Vault')).toMatchObject({
      targetType: 'plugin',
      details: { params: { robot_id: String(robotId) }, body: { enabled: true } },
    });
    await api().post('/api/plugins/reload').expect(200);
    expect(await last('plugin.reload')).toMatchObject({ result: 'ok', status: 200 });
  });

  it('records settings and log level changes, queue actions and file deletes', async () => {
    await api().put('/api/system/log-level', { level: 'debug' }).expect(200);
    expect(await last('system.log_level', 'logging.level')).toMatchObject({
      targetType: 'setting',
      details: { body: { level: 'debug' }, before: 'info', after: 'debug' },
    });
    await api().put('/api/system/log-level', { level: 'info' }).expect(200);

    await api()
      .put('/api/system/config', {
        settings: { 'gewe.token': SECRETS.settingToken, 'gewe.download_url': 'http://127.0.0.1:2532/download' },
      })
      .expect(200);
    const settings = await last('system.config_update');
    expect(settings.targetId).toBe('gewe.token,gewe.download_url');
    expect(settings.details!.body).toEqual({
      settings: { 'gewe.token': '********', 'gewe.download_url': 'http://127.0.0.1:2532/download' },
    });
    expect(settings.details!.diff).toEqual([
      { path: 'gewe.download_url', before: '', after: 'http://127.0.0.1:2532/download' },
      { path: 'gewe.token', before: '', after: '********' },
    ]);

    await api().post('/api/queue/failed/12345/retry').expect(404);
    expect(await last('queue.retry', '12345')).toMatchObject({ targetType: 'job', result: 'failed', status: 404 });
    await api().delete('/api/queue/failed/12345').expect(404);
    expect(await last('queue.discard', '12345')).toMatchObject({ result: 'failed', status: 404 });
    const name = `${'0'.repeat(64)}.jpg`;
    await api().delete(`/api/files/${name}`).expect(404);
    expect(await last('file.delete', name)).toMatchObject({ targetType: 'file', result: 'failed', status: 404 });
  });

  it('filters by actor, action area, target, result and date range, paginated, newest first', async () => {
    const all = await audit();
    expect(all.total).toBeGreaterThan(35);
    expect(all.items.map((r) => r.id)).toEqual([...all.items.map((r) => r.id)].sort((a, b) => b - a));
    for (const r of all.items) {
      expect(r.requestId).toEqual(expect.any(String));
      expect(r.ip).toEqual(expect.any(String));
    }
    const byAdmin = await audit('actor=admin&limit=200');
    expect(byAdmin.items.every((r) => r.actorUsername === 'admin')).toBe(true);
    expect((await audit(`actor=user:${adminId}&limit=200`)).total).toBe(
      byAdmin.items.filter((r) => r.actorUserId === adminId).length,
    );
    const robots = await audit('action=robot&limit=200');
    expect(robots.total).toBeGreaterThanOrEqual(8);
    expect(robots.items.every((r) => r.action.startsWith('robot.'))).toBe(true);
    const failed = await audit('result=failed&limit=200');
    expect(failed.items.length).toBeGreaterThanOrEqual(8);
    expect(failed.items.every((r) => r.result === 'failed')).toBe(true);
    const vault = await audit('targetType=plugin&targetId=Vault&limit=200');
    expect(vault.items.every((r) => r.targetType === 'plugin' && r.targetId === 'Vault')).toBe(true);
    expect(vault.total).toBeGreaterThanOrEqual(6);
    const page2 = await audit('limit=5&page=2');
    expect(page2).toMatchObject({ total: all.total, page: 2, limit: 5 });
    expect(page2.items.map((r) => r.id)).toEqual(all.items.slice(5, 10).map((r) => r.id));
    expect((await audit(`since=${new Date(Date.now() + 3_600_000).toISOString()}`)).total).toBe(0);
    expect((await audit(`until=${new Date(Date.now() - 3_600_000).toISOString()}`)).total).toBe(0);
    expect((await audit(`since=${new Date(Date.now() - 3_600_000).toISOString()}`)).total).toBe(all.total);
    await api().get('/api/admin/audit?result=maybe').expect(400);
    await api().get('/api/admin/audit?since=yesterday').expect(400);
  });

  it('never stores a password, token or plugin secret, nor logs one', async () => {
    const text = JSON.stringify((await audit()).items);
    const log = readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8');
    for (const secret of [...Object.values(SECRETS), ADMIN.password]) {
      expect([secret, text.includes(secret)]).toEqual([secret, false]);
      expect([secret, log.includes(secret)]).toEqual([secret, false]);
    }
  });

  it('does not fail an action when the audit log cannot be written', async () => {
    await t.app.get(DataSource).query('DROP TABLE audit_log');
    const robot = await api()
      .post('/api/robots?verify=false', { name: 'no-audit', baseUrl: 'http://127.0.0.1:1/v2/api', token: 'x-tok' })
      .expect(201);
    await api().patch(`/api/robots/${robot.body.id}`, { name: 'no-audit-2' }).expect(200);
    await t.http().post('/api/auth/login').send(ADMIN).expect(200);
    await waitFor(
      () => readFileSync(join(t.dir, 'logs', 'opengewe.log'), 'utf8').includes('Audit log write failed') || null,
      5000,
      'the failed audit write logged',
    );
    // the reader, not the actions, sees the broken table
    await api().get('/api/admin/audit').expect(500);
    await api().get(`/api/robots/${robot.body.id}`).expect(200);
  });
});
