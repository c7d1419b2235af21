import { DataSource } from 'typeorm';
import type { Page } from 'playwright-core';
import { PluginSettingsStore } from '../../src/plugin/plugin-settings.store';
import { PluginRegistry } from '../../src/plugin/plugin.registry';
import { InboxEntity } from '../../src/queue/inbox.entity';
import { textCallback } from '../support/samples';
import { ADMIN, bearer } from '../support/test-app';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The admin screens of the console in a real browser, against the real service on SQLite and the fake Gewe:
 * plugins (state, enable/disable, automatic disable, the config form generated from the JSON Schema, per robot),
 * robot edit and profile, failed jobs, settings and the log level, users, and changing one's own password. Every
 * change is checked through the API too. Screenshots go to test/browser/screenshots/admin-*.png.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

/** Throws on every text message, so one message disables it (max_consecutive_failures = 1); its schema has every kind of field. */
const FLAKY = {
  manifest: JSON.stringify({
    name: 'FlakyPlugin',
    version: '0.2.0',
    author: 'tests',
    description: 'Throws on every text message; its config shows every kind of field.',
    // the console shows the texts of its language (English ones would fail the Chinese-screen check)
    description_zh: '每条文本消息都抛出异常；它的配置包含各种字段。',
    configSchema: {
      type: 'object',
      required: ['mode'],
      properties: {
        mode: {
          title: 'Mode',
          enum: ['fast', 'careful'],
          default: 'fast',
          description: 'How hard it tries.',
          description_zh: '尽力程度。',
        },
        verbose: { title: 'Verbose', type: 'boolean', default: false },
        keywords: {
          title: 'Keywords',
          type: 'array',
          items: { type: 'string', minLength: 1 },
          maxItems: 5,
          default: ['help'],
        },
        host: {
          title: 'Host',
          type: 'string',
          format: 'ipv4',
          default: '127.0.0.1',
          description: 'An IPv4 address.',
          description_zh: 'IPv4 地址。',
        },
        apiKey: { title: 'API key', type: 'string', format: 'password' },
        limits: {
          title: 'Limits',
          type: 'object',
          properties: {
            perMinute: { title: 'Per minute', type: 'integer', minimum: 1, default: 10 },
            ratio: { title: 'Ratio', type: 'number', maximum: 1 },
          },
        },
      },
      additionalProperties: false,
    },
  }),
  code: "module.exports = { handlers: [{ on: 'text', handle() { throw new Error('boom: flaky by design'); } }] };",
};

describeBrowser('the admin screens of the console', () => {
  let rig: ConsoleRig;
  let page: Page;
  let token: string;
  let robot: { id: number; appId: string; callbackUrl: string };
  let msgSeq = 0;
  const NEW_ADMIN_PASSWORD = 'new-admin-pass-5678';

  const http = () => rig.t.http();
  const get = async (path: string) => (await http().get(path).set(bearer(token)).expect(200)).body;
  /** Gewe delivers a text message from wxid_customer to the robot. */
  const deliver = async (text: string) => {
    const res = await fetch(robot.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: textCallback({
        appId: robot.appId,
        robotWxid: 'wxid_admin_bot',
        from: 'wxid_customer',
        text,
        newMsgId: `73000000000000${String(++msgSeq).padStart(5, '0')}`,
      }),
    });
    expect(res.status).toBe(200);
  };
  const nav = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
  const fieldError = (label: string) =>
    page
      .locator('.field')
      .filter({ has: page.getByLabel(label, { exact: true }) })
      .getByTestId('field-error');

  beforeAll(async () => {
    rig = await startConsole({
      plugins: { FlakyPlugin: FLAKY, BrokenPlugin: { manifest: '{"name": "BrokenPlugin"}' } },
      overrides: { plugins: { enabled_plugins: ['ExamplePlugin', 'FlakyPlugin'], max_consecutive_failures: 1 } },
    });
    page = rig.page;
    page.on('dialog', (d) => void d.accept());
    token = await rig.adminToken();

    // a robot logged in on the fake Gewe
    const created = (
      await http()
        .post('/api/robots')
        .set(bearer(token))
        .send({ name: '客服机器人', baseUrl: rig.gewe.baseUrl, token: rig.fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    await http().post(`/api/robots/${created.id}/login`).set(bearer(token)).expect(200);
    const appId = (await get(`/api/robots/${created.id}`)).appId as string;
    rig.fake.confirm(appId, { wxid: 'wxid_admin_bot', nickName: '小助手', signature: '有问必答' });
    await waitFor(async () => (await get(`/api/robots/${created.id}/status`)).status === 'online', 5000, 'online');
    robot = { id: created.id, appId, callbackUrl: (await get(`/api/robots/${created.id}`)).callbackUrl };
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('logs in and shows messages per minute on the dashboard', async () => {
    await logIn(rig);
    await deliver('你好');
    await page.getByTestId('dash-rate').getByTestId('rate-chart').waitFor();
    await waitFor(
      async () => (await page.getByTestId('rate-summary').textContent())?.includes('共 1 条'),
      5000,
      'rate',
    );
    // the message made FlakyPlugin fail once: disabled automatically, listed with the problems
    await page.getByTestId('dash-plugins').getByText('FlakyPlugin').waitFor();
    await page.getByTestId('dash-queue').getByRole('link', { name: '查看失败任务' }).waitFor();
    await rig.shot('admin-01-dashboard');
  });

  it('lists the plugins with version, author, load errors, automatic disables and stats', async () => {
    await nav('插件');
    await page.getByRole('heading', { name: '插件', level: 1 }).waitFor();
    const example = page.getByTestId('plugin-ExamplePlugin');
    await example.getByText('版本 1.0.0').waitFor();
    await example.getByText('作者 OpenGewe').waitFor();
    expect(await example.getByTestId('plugin-state').textContent()).toBe('已启用');
    await example.getByText('调用').waitFor();
    const broken = page.getByTestId('plugin-BrokenPlugin');
    expect(await broken.getByTestId('plugin-state').textContent()).toBe('加载失败');
    await broken.getByText('加载错误').waitFor();
    const flaky = page.getByTestId('plugin-FlakyPlugin');
    expect(await flaky.getByTestId('plugin-state').textContent()).toBe('已自动停用');
    await flaky.getByText(/连续失败 1 次后自动停用/).waitFor();
    await flaky.getByText('boom: flaky by design').first().waitFor();
    await rig.shot('admin-02-plugins');

    await flaky.getByRole('button', { name: '重新启用 FlakyPlugin' }).click();
    await waitFor(async () => (await flaky.getByTestId('plugin-state').textContent()) === '已启用', 5000, 're-enabled');
    const api = (await get('/api/plugins/FlakyPlugin')) as { enabled: boolean; disabledReason: string | null };
    expect(api).toMatchObject({ enabled: true, disabledReason: null });
  });

  it('disables and enables a plugin', async () => {
    const example = page.getByTestId('plugin-ExamplePlugin');
    await example.getByRole('button', { name: '停用 ExamplePlugin' }).click();
    await waitFor(async () => (await example.getByTestId('plugin-state').textContent()) === '已停用', 5000, 'off');
    expect((await get('/api/plugins/ExamplePlugin')).enabled).toBe(false);
    await example.getByRole('button', { name: '启用 ExamplePlugin' }).click();
    await waitFor(async () => (await example.getByTestId('plugin-state').textContent()) === '已启用', 5000, 'on');
    expect((await get('/api/plugins/ExamplePlugin')).enabled).toBe(true);
  });

  it("changes ExamplePlugin's config through the form generated from its schema", async () => {
    await page.getByRole('link', { name: 'ExamplePlugin', exact: true }).click();
    await page.getByRole('heading', { name: 'ExamplePlugin', level: 1 }).waitFor();
    const form = page.getByTestId('plugin-config-form');
    const minutes = form.getByLabel('心跳间隔（分钟）');
    expect(await minutes.inputValue()).toBe('60');
    expect(await form.getByLabel('回复内容').inputValue()).toBe('pong');
    // the form shows the schema's Chinese title_zh / description_zh
    await form.getByText('对 "ping" 的回复。').waitFor();

    // a bad value: the field says what is wrong, and nothing is saved
    await minutes.fill('0');
    await minutes.blur();
    expect(await fieldError('心跳间隔（分钟）').textContent()).toBe('不能小于 1');
    expect(await minutes.getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('被 @ 时的回复').fill('长'.repeat(501));
    await form.getByRole('button', { name: '保存配置' }).click();
    await form.getByRole('alert').getByText('有 2 处需要修改').waitFor();
    expect(await fieldError('被 @ 时的回复').textContent()).toBe('最多 500 个字符');
    expect((await get('/api/plugins/ExamplePlugin/config')).heartbeatMinutes).toBe(60);
    await rig.shot('admin-03-plugin-config-invalid');

    // good values: saved, and the API and the plugin's answers follow
    await minutes.fill('30');
    await form.getByLabel('被 @ 时的回复').fill('在的，请讲');
    // emptied: the schema's default applies again
    await form.getByLabel('回复内容').fill('');
    await form.getByRole('button', { name: '保存配置' }).click();
    await page.getByText('配置已保存，下一条消息起生效。').waitFor();
    expect(await get('/api/plugins/ExamplePlugin/config')).toEqual({
      pongText: 'pong',
      atReply: '在的，请讲',
      heartbeatMinutes: 30,
    });
    await form.getByLabel('回复内容').fill('PONG!');
    await form.getByRole('button', { name: '保存配置' }).click();
    await page.getByText('配置已保存，下一条消息起生效。').waitFor();
    await waitFor(async () => (await get('/api/plugins/ExamplePlugin/config')).pongText === 'PONG!', 5000, 'saved');
    expect(await get('/api/plugins/ExamplePlugin/config')).toMatchObject({
      atReply: '在的，请讲',
      heartbeatMinutes: 30,
    });
    expect(await form.getByLabel('心跳间隔（分钟）').inputValue()).toBe('30');
    await deliver('ping');
    const sent = await waitFor(
      () => rig.fake.sends('/message/postText').find((s) => (s.body as { content: string }).content === 'PONG!'),
      5000,
      'PONG!',
    );
    expect(sent.body).toMatchObject({ toWxid: 'wxid_customer' });
    await rig.shot('admin-04-plugin-config-saved');
  });

  it('generates every kind of field, masks secrets, and shows the server’s errors next to the field', async () => {
    await page.goto(`${rig.base}/plugins/FlakyPlugin`);
    const form = page.getByTestId('plugin-config-form');
    await form.getByLabel('Mode').waitFor();
    expect(await form.getByLabel('Mode').evaluate((e) => e.tagName)).toBe('SELECT');
    expect(await form.getByLabel('Verbose').getAttribute('type')).toBe('checkbox');
    expect(await form.getByLabel('API key').getAttribute('type')).toBe('password');
    expect(await form.getByLabel('第 1 项', { exact: true }).inputValue()).toBe('help');
    expect(await form.getByLabel('Per minute').inputValue()).toBe('10');
    await form.getByRole('button', { name: 'Keywords: 添加一项' }).click();
    await form.getByLabel('第 2 项', { exact: true }).fill('价格');
    await form.getByLabel('Ratio').fill('1.5');
    await form.getByLabel('Ratio').blur();
    expect(await fieldError('Ratio').textContent()).toBe('不能大于 1');
    await form.getByLabel('Ratio').fill('0.5');
    await form.getByLabel('API key').fill('sk-test-secret');
    // the browser does not check ipv4: the server does, and its message lands next to the field
    await form.getByLabel('Host').fill('999.1.1.1');
    await form.getByRole('button', { name: '保存配置' }).click();
    await fieldError('Host')
      .getByText(/格式应为 ipv4/)
      .waitFor();
    await rig.shot('admin-05-plugin-form-server-error');
    await form.getByLabel('Host').fill('10.0.0.8');
    await form.getByRole('button', { name: '保存配置' }).click();
    await page.getByText('配置已保存，下一条消息起生效。').waitFor();
    const saved = {
      mode: 'fast',
      verbose: false,
      keywords: ['help', '价格'],
      host: '10.0.0.8',
      limits: { perMinute: 10, ratio: 0.5 },
    };
    // the API never shows the secret back; the plugin gets it
    expect(await get('/api/plugins/FlakyPlugin/config')).toEqual({ ...saved, apiKey: '********' });
    const stored = async () => {
      const registry = rig.t.app.get(PluginRegistry);
      return registry.effectiveConfig(
        registry.get('FlakyPlugin')!,
        await rig.t.app.get(PluginSettingsStore).snapshot(),
      );
    };
    expect(await stored()).toEqual({ ...saved, apiKey: 'sk-test-secret' });
    // the form, reloaded, shows the mask; saved again without touching it, the secret is kept
    await page.reload();
    await form.getByLabel('Host').fill('10.0.0.9');
    await form.getByRole('button', { name: '保存配置' }).click();
    await page.getByText('配置已保存，下一条消息起生效。').waitFor();
    expect(await stored()).toEqual({ ...saved, host: '10.0.0.9', apiKey: 'sk-test-secret' });
    await rig.shot('admin-06-plugin-form');
  });

  it('edits a robot, shows its WeChat profile and switches a plugin off for it', async () => {
    await nav('机器人');
    await page.getByRole('link', { name: `编辑 客服机器人` }).click();
    await page.getByRole('heading', { name: '客服机器人', level: 1 }).waitFor();
    const profile = page.getByTestId('robot-profile');
    await profile.getByText('小助手', { exact: true }).waitFor();
    await profile.getByText('有问必答', { exact: true }).waitFor();
    await profile.getByText('wxid_admin_bot', { exact: true }).waitFor();

    const form = page.getByTestId('robot-form');
    expect(await form.getByLabel('Gewe Token').inputValue()).toBe('');
    expect(await form.getByLabel('Gewe Token').getAttribute('type')).toBe('password');
    await form.getByLabel('Gewe API 地址').fill('not a url');
    await form.getByRole('button', { name: '保存', exact: true }).click();
    expect(await fieldError('Gewe API 地址').textContent()).toBe('请输入 http:// 或 https:// 开头的地址');
    await form.getByLabel('Gewe API 地址').fill(rig.gewe.baseUrl);
    await form.getByLabel('名称', { exact: true }).fill('客服二号');
    await form.getByLabel('文件下载地址').fill('http://127.0.0.1:2532/download');
    await form.getByLabel('此机器人单独设置：').check();
    await form.getByLabel('视频').uncheck();
    await form.getByRole('button', { name: '保存', exact: true }).click();
    await form.getByText('已保存').waitFor();
    const saved = await get(`/api/robots/${robot.id}`);
    expect(saved).toMatchObject({
      name: '客服二号',
      downloadUrl: 'http://127.0.0.1:2532/download',
      token: '********',
      config: { autoDownload: ['image', 'voice', 'file', 'emoji'] },
    });
    await page.getByRole('heading', { name: '客服二号', level: 1 }).waitFor();

    const row = page.getByTestId('robot-plugin-ExamplePlugin');
    await row.getByLabel('设置: ExamplePlugin').selectOption('off');
    await waitFor(async () => (await row.locator('.badge').textContent()) === '停用', 5000, 'off for the robot');
    const list = (await get(`/api/robots/${robot.id}/plugins`)).items as { name: string; override: boolean | null }[];
    expect(list.find((p) => p.name === 'ExamplePlugin')?.override).toBe(false);
    await rig.shot('admin-07-robot-edit');
    await row.getByLabel('设置: ExamplePlugin').selectOption('follow');
    await waitFor(async () => (await row.locator('.badge').textContent()) === '启用', 5000, 'follows again');
  });

  it('lists failed callback jobs with their reason, retries one and discards another', async () => {
    const inbox = rig.t.app.get(DataSource).getRepository(InboxEntity);
    const body = (n: number) =>
      textCallback({
        appId: robot.appId,
        robotWxid: 'wxid_admin_bot',
        from: 'wxid_customer',
        text: `dead letter ${n}`,
        newMsgId: `74000000000000000${n}`,
      });
    const rows = await inbox.save(
      [1, 2].map((n) => ({
        dedupKey: `${robot.id}-74000000000000000${n}`,
        robotId: robot.id,
        payload: body(n),
        status: 'failed' as const,
        attempts: 5,
        lastError: `database went away (${n})`,
        nextAttemptAt: new Date(),
      })),
    );
    await page.goto(`${rig.base}/`);
    await page.getByTestId('dash-queue').getByRole('link', { name: '查看失败任务' }).click();
    await page.getByRole('heading', { name: '失败的回调任务' }).waitFor();
    await page.getByText('database went away (1)').waitFor();
    await page.getByText('database went away (2)').waitFor();
    await rig.shot('admin-08-failed-jobs');

    await page.getByRole('button', { name: `重试 ${rows[0].id}`, exact: true }).click();
    await page.getByText(`任务 ${rows[0].id} 已重新排队`).waitFor();
    await page.getByRole('button', { name: `删除 ${rows[1].id}`, exact: true }).click();
    await page.getByText(`任务 ${rows[1].id} 已丢弃`).waitFor();
    await page.getByText('没有失败的任务。').waitFor();
    expect((await get('/api/queue/failed')).total).toBe(0);
    // the retried one was processed: it is in the message log now
    await waitFor(
      async () =>
        ((await get('/api/messages?limit=50')).items as { text: string }[]).some((m) => m.text === 'dead letter 1'),
      5000,
      'the retried callback logged',
    );
  });

  it('changes the log level and the runtime settings; secrets are never shown', async () => {
    await nav('设置');
    await page.getByRole('heading', { name: '系统设置' }).waitFor();
    expect(await page.getByTestId('log-level-current').textContent()).toContain('info');
    await page.getByRole('combobox', { name: '日志级别' }).selectOption('debug');
    await page.getByRole('button', { name: '应用' }).click();
    await page.getByText('日志级别已改为 debug').waitFor();
    expect((await get('/api/system/status')).logLevel).toBe('debug');

    const settings = page.getByTestId('runtime-settings');
    await settings.getByLabel('gewe.download_url').fill('ftp://files.example.com');
    await settings.getByRole('button', { name: '保存设置' }).click();
    await fieldError('gewe.download_url').waitFor();
    expect(await fieldError('gewe.download_url').textContent()).toMatch(/http/);
    await settings.getByLabel('gewe.download_url').fill('http://127.0.0.1:2532/download');
    const secret = settings.getByRole('textbox', { name: 'gewe.token' });
    expect(await secret.getAttribute('type')).toBe('password');
    await secret.fill('default-token-abc');
    await settings.getByRole('button', { name: '保存设置' }).click();
    await page.getByText('设置已保存').waitFor();
    await page.getByTestId('setting-gewe.token').getByText('已设置（不显示）').waitFor();
    expect(await settings.getByRole('textbox', { name: 'gewe.token' }).inputValue()).toBe('');
    expect(await page.content()).not.toContain('default-token-abc');
    const config = (await get('/api/system/config')).settings as { name: string; value: unknown; source: string }[];
    expect(config.find((s) => s.name === 'gewe.download_url')).toMatchObject({
      value: 'http://127.0.0.1:2532/download',
      source: 'runtime',
    });
    expect(config.find((s) => s.name === 'gewe.token')).toMatchObject({ value: '********', source: 'runtime' });
    await rig.shot('admin-09-settings');

    await page.getByRole('button', { name: '恢复为配置文件的值: gewe.download_url' }).click();
    await waitFor(
      async () =>
        ((await get('/api/system/config')).settings as { name: string; source: string }[]).find(
          (s) => s.name === 'gewe.download_url',
        )?.source === 'config',
      5000,
      'reset to the file value',
    );
  });

  it('manages users, and says clearly why the last admin cannot be demoted or deleted', async () => {
    await nav('用户');
    await page.getByRole('heading', { name: '用户', level: 1 }).waitFor();
    await page.getByRole('button', { name: '添加用户' }).click();
    const dialog = page.getByTestId('user-dialog');
    await dialog.getByLabel('用户名').fill('a');
    await dialog.getByLabel('密码').fill('short');
    await dialog.getByRole('button', { name: '保存' }).click();
    expect(await fieldError('密码').textContent()).toBe('至少 8 个字符');
    await dialog.getByLabel('用户名').fill('operator1');
    await dialog.getByLabel('邮箱').fill('ops@example.com');
    await dialog.getByLabel('密码').fill('operator-pass-1');
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('user-operator1').getByText('操作员').waitFor();

    // a taken username: the 409 lands next to the field
    await page.getByRole('button', { name: '添加用户' }).click();
    await dialog.getByLabel('用户名').fill('operator1');
    await dialog.getByLabel('密码').fill('operator-pass-2');
    await dialog.getByRole('button', { name: '保存' }).click();
    expect(await fieldError('用户名').textContent()).toBe('这个用户名已被使用。');
    await dialog.getByRole('button', { name: '取消' }).click();

    // the only admin: demoting it is refused with the reason
    await page.getByRole('button', { name: '编辑 admin' }).click();
    await dialog.getByLabel(/^管理员/).uncheck();
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.getByRole('alert').getByText('不能删除、降级或停用最后一个启用的管理员').waitFor();
    await rig.shot('admin-10-users-last-admin');
    await dialog.getByRole('button', { name: '取消' }).click();
    await page.getByRole('button', { name: '删除 admin' }).click();
    await page.getByRole('alert').getByText('不能删除自己的账号。').waitFor();

    await page.getByRole('button', { name: '重置密码 operator1' }).click();
    const reset = page.getByTestId('reset-password');
    await reset.getByLabel('新密码', { exact: true }).fill('operator-pass-9');
    await reset.getByLabel('再次输入新密码').fill('operator-pass-9');
    await reset.getByRole('button', { name: '重置密码' }).click();
    await page.getByText('已为「operator1」设置新密码').waitFor();
    const users = (await get('/api/admin/users')).items as { username: string; isAdmin: boolean }[];
    expect(users.map((u) => [u.username, u.isAdmin])).toEqual(
      expect.arrayContaining([
        ['admin', true],
        ['operator1', false],
      ]),
    );
    await http().post('/api/auth/login').send({ username: 'operator1', password: 'operator-pass-9' }).expect(200);
    await rig.shot('admin-11-users');
  });

  it('lets an operator in without the admin screens', async () => {
    await page.getByRole('button', { name: /^用户菜单: admin/ }).click();
    await page.getByRole('button', { name: '退出登录' }).click();
    await logIn(rig, 'operator1', 'operator-pass-9');
    const menu = page.getByRole('navigation');
    await menu.getByRole('link', { name: '插件' }).waitFor();
    expect(await menu.getByRole('link', { name: '用户' }).count()).toBe(0);
    expect(await menu.getByRole('link', { name: '设置' }).count()).toBe(0);
    await nav('插件');
    await page.getByTestId('plugin-ExamplePlugin').waitFor();
    expect(await page.getByRole('button', { name: /停用|启用/ }).count()).toBe(0);
    await page.getByRole('button', { name: /^用户菜单: operator1/ }).click();
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(`${rig.base}/login`);
  });

  it('changes its own password from the user menu', async () => {
    await logIn(rig);
    await page.getByRole('button', { name: /^用户菜单: admin/ }).click();
    await page.getByRole('button', { name: '修改密码' }).click();
    const dialog = page.getByTestId('change-password');
    await dialog.getByLabel('当前密码').fill('not-my-password');
    await dialog.getByLabel('新密码', { exact: true }).fill(NEW_ADMIN_PASSWORD);
    await dialog.getByLabel('再次输入新密码').fill('something-else-1');
    await dialog.getByRole('button', { name: '修改密码' }).click();
    expect(await fieldError('再次输入新密码').textContent()).toBe('两次输入的新密码不一致');
    await dialog.getByLabel('再次输入新密码').fill(NEW_ADMIN_PASSWORD);
    await dialog.getByRole('button', { name: '修改密码' }).click();
    await fieldError('当前密码').getByText('当前密码不正确').waitFor();
    await rig.shot('admin-12-change-password');
    await dialog.getByLabel('当前密码').fill(ADMIN.password);
    await dialog.getByRole('button', { name: '修改密码' }).click();
    await dialog.getByText('密码已修改').waitFor();
    await dialog.getByRole('button', { name: '关闭' }).last().click();
    // the old password no longer works, the new one does
    await http().post('/api/auth/login').send(ADMIN).expect(401);
    token = (
      await http().post('/api/auth/login').send({ username: ADMIN.username, password: NEW_ADMIN_PASSWORD }).expect(200)
    ).body.accessToken;
    await page.getByRole('button', { name: /^用户菜单: admin/ }).click();
    await page.getByRole('button', { name: '退出登录' }).click();
    await logIn(rig, ADMIN.username, NEW_ADMIN_PASSWORD);
  });

  it('fits a phone screen and speaks English', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    for (const [path, heading, shot] of [
      ['/plugins/FlakyPlugin', 'FlakyPlugin', 'admin-13-plugin-phone'],
      ['/users', '用户', 'admin-14-users-phone'],
      ['/settings', '系统设置', 'admin-15-settings-phone'],
      [`/robots/${robot.id}`, '客服二号', 'admin-16-robot-phone'],
    ]) {
      await page.goto(`${rig.base}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await rig.shot(shot);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: '切换语言' }).click();
    await nav('Plugins');
    await page.getByRole('heading', { name: 'Plugins', level: 1 }).waitFor();
    await page.getByTestId('plugin-ExamplePlugin').getByText('Enabled').waitFor();
    await nav('Settings');
    await page.getByRole('heading', { name: 'System settings' }).waitFor();
    await rig.shot('admin-17-settings-en');
    await page.getByRole('button', { name: 'Switch language' }).click();
  });

  it('logged no errors in the browser console but the refusals it was asked to show', () => {
    // 400 (invalid values), 401 (wrong current password), 409 (last admin, taken username, deleting oneself)
    expect(rig.consoleErrors.filter((e) => !/Failed to load resource: .* status of (400|401|409)/.test(e))).toEqual([]);
  });
});
