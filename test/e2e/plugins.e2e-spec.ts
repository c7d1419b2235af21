import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { PluginKvEntity } from '../../src/plugin/plugin-kv.entity';
import { PluginDispatcher } from '../../src/plugin/plugin.dispatcher';
import { event, recorderCode, tempPluginsDir, writePlugin } from '../support/plugin-runtime';
import { waitFor } from '../support/wait';
import { bearer, createTestApp, describeE2E, destroyTestApp, login, TestApp, TestDatabase } from '../support/test-app';

const GREETER_SCHEMA = {
  type: 'object',
  properties: {
    greeting: { type: 'string', default: 'hello' },
    times: { type: 'integer', minimum: 1, default: 1 },
  },
  additionalProperties: false,
};

const VAULT_SCHEMA = {
  type: 'object',
  properties: {
    model: { type: 'string', default: 'small' },
    apiKey: { type: 'string', writeOnly: true, minLength: 4 },
    login: { type: 'object', properties: { password: { type: 'string', format: 'password' } } },
  },
};

describeE2E('plugins API', () => {
  let t: TestApp & { database: TestDatabase };
  let dir: string;
  let admin: string;
  let plain: string;
  let robotId: number;
  let otherRobotId: number;

  beforeAll(async () => {
    dir = tempPluginsDir();
    // handlers here never send (the robots point at an unreachable Gewe): they count their calls in the store
    const counting = `module.exports = { handlers: [{ name: 'count', on: 'text', async handle(ctx) {
      const calls = ((await ctx.store.get('calls')) ?? 0) + 1;
      await ctx.store.set('calls', calls);
      ctx.log.info('counted', { calls, plugin: 'cannot overwrite the tag' });
    } }], jobs: [{ name: 'tick', cron: '0 8 * * *', run() {} }] };`;
    writePlugin(dir, 'Greeter', counting, { author: 'tests', description: 'Greets', configSchema: GREETER_SCHEMA });
    writePlugin(dir, 'Quiet', recorderCode([{ label: 'quiet', on: 'image' }]));
    writePlugin(dir, 'Broken', 'module.exports = {');
    writePlugin(
      dir,
      'Flaky',
      `module.exports = { handlers: [{ on: 'text', priority: 10, handle() { throw new Error('always'); } }] };`,
    );
    t = await createTestApp({
      overrides: {
        plugins: { plugins_dir: dir, enabled_plugins: ['Greeter', 'Broken'], max_consecutive_failures: 2 },
      },
    });
    admin = (await login(t)).accessToken;
    await t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'viewer', password: 'viewer-pass-1' })
      .expect(201);
    plain = (await login(t, 'viewer', 'viewer-pass-1')).accessToken;
    const robot = (name: string) =>
      t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(admin))
        .send({ name, baseUrl: 'http://127.0.0.1:1/v2/api', token: 't' })
        .expect(201);
    robotId = (await robot('one')).body.id;
    otherRobotId = (await robot('two')).body.id;
  });
  afterAll(async () => {
    await destroyTestApp(t);
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, token = admin) => t.http().get(path).set(bearer(token));
  const post = (path: string, token = admin) => t.http().post(path).set(bearer(token));
  const put = (path: string, body: unknown, token = admin) =>
    t
      .http()
      .put(path)
      .set(bearer(token))
      .send(body as object);
  const dispatch = (robot: number, text = 'hi') =>
    t.app.get(PluginDispatcher).dispatch(event({ robotId: robot, text }), { requestId: 'e2e' });

  it('lists every plugin found, loaded or not, with its manifest, flags and load error', async () => {
    const res = await get('/api/plugins', plain).expect(200);
    expect(res.body).toMatchObject({ total: 4, page: 1, limit: 20 });
    expect(res.body.items.map((p: { name: string }) => p.name)).toEqual(['Broken', 'Flaky', 'Greeter', 'Quiet']);
    const [broken, , greeter, quiet] = res.body.items;
    expect(greeter).toEqual({
      name: 'Greeter',
      version: '1.0.0',
      author: 'tests',
      description: 'Greets',
      enabled: true,
      disabledReason: null,
      loaded: true,
      loadError: null,
      directory: join(dir, 'Greeter'),
      handlers: 1,
      jobs: 1,
      stats: { calls: 0, failures: 0, timeouts: 0, avgMs: 0, lastError: null },
      // no title_zh/description_en… in its manifest: nothing in either language beyond its own description
      texts: { zh: {}, en: {} },
    });
    expect(quiet).toMatchObject({ enabled: false, loaded: true });
    expect(broken).toMatchObject({ enabled: true, loaded: false, loadError: expect.stringMatching(/^SyntaxError: /) });
    const page = await get('/api/plugins?page=2&limit=3').expect(200);
    expect(page.body.items.map((p: { name: string }) => p.name)).toEqual(['Quiet']);
  });

  it('shows one plugin with its config schema, effective config and per-robot overrides', async () => {
    const res = await get('/api/plugins/Greeter', plain).expect(200);
    expect(res.body).toMatchObject({
      name: 'Greeter',
      configSchema: GREETER_SCHEMA,
      config: { greeting: 'hello', times: 1 },
      robots: [],
    });
  });

  it('answers 404 PLUGIN_NOT_FOUND for an unknown plugin on every route', async () => {
    const unknown = [
      get('/api/plugins/Nope'),
      post('/api/plugins/Nope/enable'),
      post('/api/plugins/Nope/disable'),
      get('/api/plugins/Nope/config'),
      put('/api/plugins/Nope/config', {}),
      put(`/api/robots/${robotId}/plugins/Nope`, { enabled: true }),
    ];
    for (const res of await Promise.all(unknown)) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('PLUGIN_NOT_FOUND');
    }
  });

  it('enables and disables a plugin, effective at once for dispatch', async () => {
    expect((await post('/api/plugins/Quiet/enable').expect(200)).body).toEqual({
      status: 'success',
      message: 'Plugin enabled',
    });
    expect((await get('/api/plugins/Quiet')).body.enabled).toBe(true);
    expect((await post('/api/plugins/Greeter/disable').expect(200)).body).toEqual({
      status: 'success',
      message: 'Plugin disabled',
    });
    expect((await dispatch(robotId)).map((o) => o.plugin)).not.toContain('Greeter');
    await post('/api/plugins/Greeter/enable').expect(200);
    const outcomes = await dispatch(robotId);
    expect(outcomes.find((o) => o.plugin === 'Greeter')).toMatchObject({ handler: 'count', status: 'ok' });
    expect((await get('/api/plugins/Greeter')).body.stats).toMatchObject({ calls: 1, failures: 0 });
  });

  it("tags a plugin's log lines with the plugin, the request id and the robot", async () => {
    await dispatch(robotId);
    const entries = await waitFor(
      async () => {
        const res = await get('/api/system/logs?source=Plugin:Greeter&requestId=e2e').expect(200);
        return res.body.items.length ? res.body.items : null;
      },
      3000,
      'a plugin log line',
    );
    expect(entries[0]).toMatchObject({
      level: 'info',
      message: 'counted',
      requestId: 'e2e',
      details: { plugin: 'Greeter', robotId, handler: 'count', calls: expect.any(Number) },
    });
  });

  it('refuses to enable a plugin that failed to load, with its load error', async () => {
    const res = await post('/api/plugins/Broken/enable').expect(409);
    expect(res.body.code).toBe('PLUGIN_LOAD_FAILED');
    expect(res.body.message).toMatch(/^Plugin Broken is not loaded: SyntaxError: /);
  });

  it('disables a plugin that keeps failing, says why, and enabling it clears the reason', async () => {
    await post('/api/plugins/Flaky/enable').expect(200);
    await dispatch(robotId);
    const outcomes = await dispatch(robotId);
    expect(outcomes[0]).toMatchObject({ plugin: 'Flaky', status: 'error', error: 'always' });
    const flaky = (await get('/api/plugins/Flaky')).body;
    expect(flaky).toMatchObject({
      enabled: false,
      disabledReason: 'disabled automatically after 2 consecutive failures: always',
      stats: { lastError: 'always' },
    });
    expect((await dispatch(robotId)).map((o) => o.plugin)).toEqual(['Greeter']);
    await post('/api/plugins/Flaky/enable').expect(200);
    expect((await get('/api/plugins/Flaky')).body).toMatchObject({ enabled: true, disabledReason: null });
    await post('/api/plugins/Flaky/disable').expect(200);
  });

  it('validates a new config against the schema, naming each bad field', async () => {
    const bad = await put('/api/plugins/Greeter/config', { greeting: 5, times: 0, color: 'red' }).expect(400);
    expect(bad.body.code).toBe('PLUGIN_CONFIG_INVALID');
    expect(bad.body.message).toEqual([
      'config.color is not allowed',
      'config.greeting must be string',
      'config.times must be >= 1',
    ]);
    expect((await put('/api/plugins/Greeter/config', [1, 2]).expect(400)).body.message).toEqual([
      'config must be an object',
    ]);
    const ok = await put('/api/plugins/Greeter/config', { greeting: 'hi there' }).expect(200);
    expect(ok.body).toEqual({ greeting: 'hi there', times: 1 });
    expect((await get('/api/plugins/Greeter/config', plain).expect(200)).body).toEqual({
      greeting: 'hi there',
      times: 1,
    });
    expect((await get('/api/plugins/Greeter')).body.config).toEqual({ greeting: 'hi there', times: 1 });
  });

  it('turns a plugin on or off for one robot, and null follows the global flag again', async () => {
    const off = await put(`/api/robots/${robotId}/plugins/Greeter`, { enabled: false }).expect(200);
    expect(off.body).toEqual({
      name: 'Greeter',
      version: '1.0.0',
      loaded: true,
      enabled: false,
      globalEnabled: true,
      override: false,
      disabledReason: null,
    });
    expect((await dispatch(robotId)).map((o) => o.plugin)).not.toContain('Greeter');
    expect((await dispatch(otherRobotId)).map((o) => o.plugin)).toContain('Greeter');
    await put(`/api/robots/${otherRobotId}/plugins/Quiet`, { enabled: false }).expect(200);

    const list = await get(`/api/robots/${robotId}/plugins`, plain).expect(200);
    expect(list.body.total).toBe(4);
    expect(list.body.items.find((p: { name: string }) => p.name === 'Greeter')).toMatchObject({
      enabled: false,
      override: false,
    });
    expect((await get('/api/plugins/Greeter')).body.robots).toEqual([{ robotId, enabled: false }]);

    await put(`/api/robots/${robotId}/plugins/Greeter`, { enabled: null }).expect(200);
    const after = await get(`/api/robots/${robotId}/plugins`).expect(200);
    expect(after.body.items.find((p: { name: string }) => p.name === 'Greeter')).toMatchObject({
      enabled: true,
      override: null,
    });
    expect((await dispatch(robotId)).map((o) => o.plugin)).toContain('Greeter');
  });

  it('answers 404 for an unknown robot and 400 for a body without enabled', async () => {
    expect((await get('/api/robots/999999/plugins').expect(404)).body.code).toBe('ROBOT_NOT_FOUND');
    expect((await put('/api/robots/999999/plugins/Greeter', { enabled: true }).expect(404)).body.code).toBe(
      'ROBOT_NOT_FOUND',
    );
    const bad = await put(`/api/robots/${robotId}/plugins/Greeter`, {}).expect(400);
    expect(bad.body.message).toEqual(['enabled must be a boolean value']);
    await put(`/api/robots/${robotId}/plugins/Greeter`, { enabled: 'yes' }).expect(400);
    await get('/api/robots/abc/plugins').expect(400);
  });

  it('picks up a new plugin and changed code on reload', async () => {
    writePlugin(dir, 'Late', recorderCode([{ label: 'late' }]));
    writePlugin(dir, 'Greeter', `module.exports = { handlers: [{ name: 'count-v2', on: 'text', handle() {} }] };`, {
      configSchema: GREETER_SCHEMA,
      version: '2.0.0',
    });
    const res = await post('/api/plugins/reload').expect(200);
    expect(res.body).toMatchObject({ status: 'success', message: 'Plugins reloaded' });
    expect(res.body.loaded).toEqual(['Flaky', 'Greeter', 'Late', 'Quiet']);
    expect(res.body.failed).toEqual([expect.objectContaining({ name: 'Broken' })]);
    const late = (await get('/api/plugins/Late')).body;
    expect(late).toMatchObject({ loaded: true, enabled: false });
    const greeter = (await get('/api/plugins/Greeter')).body;
    expect(greeter).toMatchObject({ version: '2.0.0', enabled: true, jobs: 0, config: { greeting: 'hi there' } });
    expect((await dispatch(robotId)).find((o) => o.plugin === 'Greeter')?.handler).toBe('count-v2');
  });

  it('forbids the writes to a non-admin with 403 and lets any user read', async () => {
    const writes = [
      post('/api/plugins/Greeter/enable', plain),
      post('/api/plugins/Greeter/disable', plain),
      put('/api/plugins/Greeter/config', { greeting: 'x' }, plain),
      post('/api/plugins/reload', plain),
      put(`/api/robots/${robotId}/plugins/Greeter`, { enabled: false }, plain),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('ADMIN_REQUIRED');
    }
    await get('/api/plugins', plain).expect(200);
    await get('/api/plugins/Greeter/config', plain).expect(200);
    await get(`/api/robots/${robotId}/plugins`, plain).expect(200);
    await t.http().get('/api/plugins').expect(401);
  });
});

describeE2E('plugin config secrets', () => {
  let t: TestApp & { database: TestDatabase };
  let dir: string;
  let admin: string;
  let robotId: number;

  beforeAll(async () => {
    dir = tempPluginsDir();
    // records the config its handler is given, secrets included
    writePlugin(
      dir,
      'Vault',
      `module.exports = { handlers: [{ on: 'text', async handle(ctx) { await ctx.store.set('seen', ctx.config); } }] };`,
      { configSchema: VAULT_SCHEMA },
    );
    t = await createTestApp({ overrides: { plugins: { plugins_dir: dir, enabled_plugins: ['Vault'] } } });
    admin = (await login(t)).accessToken;
    robotId = (
      await t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(admin))
        .send({ name: 'one', baseUrl: 'http://127.0.0.1:1/v2/api', token: 't' })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => {
    await destroyTestApp(t);
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string) => t.http().get(path).set(bearer(admin));
  const put = (path: string, body: object) => t.http().put(path).set(bearer(admin)).send(body);
  const dispatch = (robot: number) =>
    t.app.get(PluginDispatcher).dispatch(event({ robotId: robot, text: 'hi' }), { requestId: 'e2e' });

  it('never shows a secret config value back, and keeps it when the masked value is sent back', async () => {
    await put('/api/plugins/Vault/config', { apiKey: 'sk-real-1', login: { password: 'pw-real-1' } }).expect(200);
    const masked = { model: 'small', apiKey: '********', login: { password: '********' } };
    expect((await get('/api/plugins/Vault/config').expect(200)).body).toEqual(masked);
    expect((await get('/api/plugins/Vault').expect(200)).body.config).toEqual(masked);
    // a form saved as shown changes the model and keeps both secrets
    const saved = await put('/api/plugins/Vault/config', { ...masked, model: 'large' }).expect(200);
    expect(saved.body).toEqual({ ...masked, model: 'large' });
    const seen = async () => {
      await dispatch(robotId);
      const row = await t.app
        .get(DataSource)
        .getRepository(PluginKvEntity)
        .findOneBy({ pluginName: 'Vault', key: 'seen' });
      return JSON.parse(row!.value) as Record<string, unknown>;
    };
    expect(await seen()).toEqual({ model: 'large', apiKey: 'sk-real-1', login: { password: 'pw-real-1' } });
    // a new value replaces it; leaving a secret out removes it
    await put('/api/plugins/Vault/config', { apiKey: 'sk-real-2', login: {} }).expect(200);
    expect(await seen()).toEqual({ model: 'small', apiKey: 'sk-real-2', login: {} });
    // the stored secret is validated too, not the mask
    expect((await put('/api/plugins/Vault/config', { apiKey: 'x' }).expect(400)).body.message).toEqual([
      'config.apiKey must NOT have fewer than 4 characters',
    ]);
  });
});
