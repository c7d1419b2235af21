import type { Page } from 'playwright-core';
import { AlertReceiver } from '../support/alert-receiver';
import { onlineRobot, type OnlineRobot } from '../support/online-robot';
import { bearer } from '../support/test-app';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The operations screens in a real browser: API tokens (created in the UI, its secret read once and used by "another
 * system" to send a message through the fake Gewe, then revoked), the audit log of those actions, and alerts (channels
 * set in the UI, a test alert, a robot going offline and coming back).
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

describeBrowser('the operations screens in a browser: API tokens, audit log, alerts', () => {
  let rig: ConsoleRig;
  let page: Page;
  let admin: string;
  let sender: OnlineRobot;
  let watched: OnlineRobot;
  let secret = '';
  let tokenId = 0;
  const receiver = new AlertReceiver('/hooks/opengewe');

  const nav = (name: string) =>
    page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name, exact: true });
  /** "Another system" calling the send API with the token. */
  const sendWithToken = (content: string) =>
    fetch(`${rig.base}/api/robots/${sender.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ type: 'text', toWxid: 'wxid_customer', content }),
    });

  beforeAll(async () => {
    await receiver.start();
    rig = await startConsole({
      overrides: {
        gewe: { health_check_interval: '200ms', reconnect_attempts: 100, reconnect_backoff: '100ms' },
        alerts: {
          evaluate_interval: '100ms',
          rules: ['robot_offline'],
          robot_offline_after: '300ms',
          resolve_after: '0s',
        },
      },
    });
    page = rig.page;
    admin = await rig.adminToken();
    sender = await onlineRobot(rig.t, admin, rig.fake, rig.gewe.baseUrl, '客服机器人', 'wxid_sender');
    watched = await onlineRobot(rig.t, admin, rig.fake, rig.gewe.baseUrl, '值班机器人', 'wxid_watched');
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
    await receiver.stop();
  });

  it('logs in as an admin, who sees alerts, the audit log and API tokens in the menu', async () => {
    await logIn(rig);
    for (const name of ['告警', '操作审计', 'API 令牌']) await nav(name).waitFor();
  });

  it('creates an API token and shows its secret once, with a warning and a copy button', async () => {
    await nav('API 令牌').click();
    await page.getByRole('heading', { name: 'API 令牌', level: 1 }).waitFor();
    await page.getByText('还没有 API 令牌。').waitFor();
    await page.getByRole('button', { name: '新建令牌' }).click();
    const dialog = page.getByTestId('create-token');
    await dialog.getByLabel('名称').fill('crm');
    // no scope chosen: the form says so and sends nothing
    await dialog.getByRole('button', { name: '创建令牌' }).click();
    await dialog.getByRole('alert').getByText('请至少选择一项权限范围。').waitFor();
    // every scope of the API is offered (the robots are picked only once "chosen robots" is)
    expect(await dialog.getByRole('checkbox').count()).toBe(8);
    await dialog.getByRole('checkbox', { name: /onebot.*OneBot v11 客户端/ }).waitFor();
    await dialog.getByRole('checkbox', { name: /messages:send/ }).check();
    // every robot by default; limited to the sender robot here
    expect(await dialog.getByRole('radio', { name: /全部机器人/ }).isChecked()).toBe(true);
    await dialog.getByRole('radio', { name: /只限选定的机器人/ }).check();
    const picker = dialog.getByTestId('token-robot-picker');
    await picker.getByRole('checkbox', { name: /值班机器人/ }).waitFor();
    // chosen, but no robot picked: the form says so and sends nothing
    await dialog.getByRole('button', { name: '创建令牌' }).click();
    await dialog.getByRole('alert').getByText('请至少选择一个机器人', { exact: false }).waitFor();
    await picker.getByRole('checkbox', { name: /客服机器人/ }).check();
    await dialog.getByLabel('有效期').selectOption('30');
    await rig.shot('ops-01-token-create');
    await dialog.getByRole('button', { name: '创建令牌' }).click();

    const shown = page.getByTestId('token-secret');
    await shown.getByRole('heading', { name: '令牌「crm」已创建' }).waitFor();
    expect(await shown.getByRole('alert').textContent()).toContain('只显示这一次');
    secret = ((await shown.getByTestId('token-secret-value').textContent()) ?? '').trim();
    expect(secret).toMatch(/^ogw_[A-Za-z0-9_-]{43}$/);
    await rig.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.base });
    await shown.getByRole('button', { name: '复制: 令牌密钥' }).click();
    await shown.getByRole('button', { name: '复制: 令牌密钥' }).getByText('已复制').waitFor();
    expect(await rig.js<string>('navigator.clipboard.readText()')).toBe(secret);
    await rig.shot('ops-02-token-secret');
    await shown.getByRole('button', { name: '我已保存，关闭' }).click();
    await shown.waitFor({ state: 'detached' });

    const list = (await rig.t.http().get('/api/admin/tokens').set(bearer(admin)).expect(200)).body as {
      items: { id: number; name: string; expiresAt: string | null; robotIds: number[] | null }[];
    };
    tokenId = list.items[0].id;
    expect(list.items[0].name).toBe('crm');
    expect(list.items[0].robotIds).toEqual([sender.id]);
    // 30 days from now, give or take the test's own run time
    expect(Date.parse(list.items[0].expiresAt!) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const row = page.getByTestId(`token-${tokenId}`);
    await row.getByText('有效', { exact: true }).waitFor();
    await row.getByText('从未使用').waitFor();
    // the list shows the robot it is limited to
    await row.getByTestId('token-robots').getByText('客服机器人').waitFor();
    expect(await row.textContent()).toContain(secret.slice(0, 12));
    // the secret is gone for good: not in the page, not after a reload
    await page.reload();
    await page.getByTestId(`token-${tokenId}`).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('lets another system send a message with the token through the fake Gewe, and nothing else', async () => {
    const before = rig.fake.sends('/message/postText').length;
    const res = await sendWithToken('您的订单已发货');
    expect(res.status).toBe(201);
    const sent = rig.fake.sends('/message/postText').slice(before);
    expect(sent.map((s) => [s.appId, s.body.toWxid, s.body.content])).toEqual([
      [sender.appId, 'wxid_customer', '您的订单已发货'],
    ]);
    // it is limited to the sender robot: sending through the other one is refused
    const elsewhere = await fetch(`${rig.base}/api/robots/${watched.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ type: 'text', toWxid: 'wxid_customer', content: 'not through this one' }),
    });
    expect(elsewhere.status).toBe(403);
    expect(((await elsewhere.json()) as { code?: string }).code).toBe('ROBOT_NOT_ALLOWED');
    expect(rig.fake.sends('/message/postText').slice(before)).toHaveLength(1);
    // its scope is messages:send: reading the token list is refused
    const other = await fetch(`${rig.base}/api/admin/tokens`, { headers: { authorization: `Bearer ${secret}` } });
    expect(other.status).toBe(403);
    // the list shows when and from where it was last used
    await waitFor(
      async () => {
        await page.reload();
        const cell = page.getByTestId(`token-${tokenId}`).getByTestId('token-last-used');
        return (await cell.textContent())?.includes('127.0.0.1') || null;
      },
      10_000,
      'last use shown',
    );
    await rig.shot('ops-03-tokens');
  });

  it('revokes the token after a confirmation; its next call is 401', async () => {
    await page.getByRole('button', { name: '吊销 crm' }).click();
    const dialog = page.getByTestId('revoke-token');
    await dialog.getByRole('heading', { name: '吊销令牌「crm」？' }).waitFor();
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await sendWithToken('still valid')).status).toBe(201);

    await page.getByRole('button', { name: '吊销 crm' }).click();
    await rig.shot('ops-04-token-revoke');
    await dialog.getByRole('button', { name: '确定吊销' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByTestId(`token-${tokenId}`);
    await row.getByText('已吊销', { exact: true }).waitFor();
    await row.getByRole('button', { name: '吊销 crm' }).waitFor({ state: 'detached' });
    const res = await sendWithToken('after revoke');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code?: string; message: string }).message).toBeTruthy();
  });

  it('lists those actions in the audit log, the token shown by its name, with details', async () => {
    await nav('操作审计').click();
    await page.getByRole('heading', { name: '操作审计', level: 1 }).waitFor();
    const table = page.getByTestId('audit-table');
    for (const action of ['token.create', 'message.send', 'token.revoke'])
      await table.locator(`tr[data-action="${action}"]`).first().waitFor();
    const sends = table.locator('tr[data-action="message.send"]');
    expect(await sends.count()).toBe(2);
    expect(await sends.first().getByTestId('audit-actor').textContent()).toBe('API 令牌「crm」');
    const created = table.locator('tr[data-action="token.create"]');
    expect(await created.getByTestId('audit-actor').textContent()).toBe('admin');
    expect(await created.textContent()).toContain('创建 API 令牌');
    await rig.shot('ops-05-audit');

    // the token's actions only: a click on its name filters by it (and the URL says so)
    await sends.first().getByRole('button', { name: 'API 令牌「crm」' }).click();
    await page.waitForURL(`${rig.base}/audit?actor=token%3A${tokenId}`);
    await waitFor(async () => (await table.locator('tbody tr').count()) === 2 || null, 10_000, 'filtered by token');
    expect(await page.getByLabel('操作者').inputValue()).toBe(`token:${tokenId}`);

    // one row's details: the recorded request, never the text itself
    await sends
      .first()
      .getByRole('button', { name: /查看详情/ })
      .click();
    const detail = page.getByTestId('audit-detail');
    const json = JSON.parse((await detail.getByTestId('audit-details-json').textContent()) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(json)).toContain('wxid_customer');
    expect(JSON.stringify(json)).not.toContain('still valid');
    await detail.getByText('127.0.0.1').first().waitFor();
    await rig.shot('ops-06-audit-detail');
    await detail.getByRole('button', { name: '关闭' }).last().click();

    // an area and a result: token.* actions that failed — none
    await page.getByRole('button', { name: '清除筛选' }).click();
    await page.getByLabel('操作', { exact: true }).fill('token');
    await page.getByLabel('结果').selectOption('failed');
    await page.getByRole('button', { name: '筛选', exact: true }).click();
    await page.getByText('没有符合条件的记录。').waitFor();
    await page.getByLabel('结果').selectOption('ok');
    await page.getByRole('button', { name: '筛选', exact: true }).click();
    await waitFor(
      async () => (await table.locator('tbody tr').count()) === 2 || null,
      10_000,
      'token.create and token.revoke',
    );
    expect(await table.locator('tr[data-action="token.revoke"]').count()).toBe(1);
  });

  it('sets the alert channels in the UI and sends a test alert on both', async () => {
    await nav('告警').click();
    await page.getByRole('heading', { name: '告警', level: 1 }).waitFor();
    await page.getByText('没有告警记录。').waitFor();
    // no channel yet: the test alert is refused, saying why
    await page.getByRole('button', { name: '发送测试告警' }).click();
    await page.getByTestId('alert-test-result').getByRole('alert').waitFor();

    const channels = page.getByTestId('alert-channels');
    await channels.getByLabel('Webhook 地址').fill(receiver.url);
    await channels.getByLabel('签名密钥').fill('hook-secret-1');
    await channels.getByLabel('发送告警的机器人').selectOption(String(sender.id));
    await channels.getByLabel('接收告警的 wxid').fill('wxid_ops\nwxid_oncall');
    await channels.getByRole('button', { name: '保存' }).click();
    await channels.getByText('已保存。').waitFor();
    const config = (await rig.t.http().get('/api/alerts/config').set(bearer(admin)).expect(200)).body as {
      webhookUrl: string;
      webhookSecret: string;
      wechatRobotId: number;
      wechatTo: string[];
      runtime: string[];
    };
    expect(config).toMatchObject({
      webhookUrl: receiver.url,
      webhookSecret: '********',
      wechatRobotId: sender.id,
      wechatTo: ['wxid_ops', 'wxid_oncall'],
    });
    // only what was changed became a runtime setting
    expect([...config.runtime].sort()).toEqual(['webhookSecret', 'webhookUrl', 'wechatRobotId', 'wechatTo']);
    await channels.getByText('运行时设置').first().waitFor();

    const before = rig.fake.sends('/message/postText').length;
    await page.getByRole('button', { name: '发送测试告警' }).click();
    const result = page.getByTestId('alert-test-result');
    await result.getByText('测试告警已送达所有渠道。').waitFor();
    const text = (await result.textContent()) ?? '';
    for (const target of [new URL(receiver.url).host, 'wxid_ops', 'wxid_oncall']) expect(text).toContain(target);
    expect(receiver.bodies).toEqual([
      expect.objectContaining({ test: true, alerts: [expect.objectContaining({ rule: 'test' })] }),
    ]);
    const texts = rig.fake.sends('/message/postText').slice(before);
    expect(texts.map((s) => s.body.toWxid).sort()).toEqual(['wxid_oncall', 'wxid_ops']);
    await rig.shot('ops-07-alerts-test');
  });

  it('changes a threshold, then shows a robot going offline and coming back in the history', async () => {
    const rules = page.getByTestId('alert-rules');
    await rules.getByLabel(/掉线多久后告警/).fill('0.01');
    await rules.getByRole('checkbox', { name: /登录需要重新扫码或验证码/ }).check();
    await rules.getByRole('button', { name: '保存' }).click();
    await rules.getByText('已保存。').waitFor();
    const config = (await rig.t.http().get('/api/alerts/config').set(bearer(admin)).expect(200)).body as {
      rules: string[];
      robotOfflineAfterMs: number;
    };
    expect(config.robotOfflineAfterMs).toBe(600);
    expect([...config.rules].sort()).toEqual(['login_needs_scan', 'robot_offline']);

    await rig.control('/offline', { appId: watched.appId, reconnectable: false });
    const row = page.locator('[data-testid="alerts-table"] tr[data-rule="robot_offline"]');
    await waitFor(
      async () => {
        await page.getByRole('button', { name: '刷新' }).click();
        return (await row.getAttribute('data-state', { timeout: 1000 }).catch(() => null)) === 'firing' || null;
      },
      15_000,
      'a firing robot_offline alert in the history',
    );
    expect(await row.textContent()).toContain('值班机器人');
    await rig.shot('ops-08-alerts-firing');
    await rig.control('/online', { appId: watched.appId });
    await waitFor(
      async () => {
        await page.getByRole('button', { name: '刷新' }).click();
        const state = await row.getAttribute('data-state', { timeout: 1000 }).catch(() => null);
        // fired and resolved, each on the webhook and to both wxids
        return (state === 'resolved' && (await row.textContent())?.includes('6/6 条通知成功')) || null;
      },
      20_000,
      'the alert resolved and notified',
    );
    await row.getByText(/^恢复 /).waitFor();
    await rig.shot('ops-09-alerts-resolved');
  });

  it('fits a phone screen, in English too', async () => {
    await page.getByRole('button', { name: '切换语言' }).click();
    await page.setViewportSize({ width: 375, height: 812 });
    for (const [path, heading, shot] of [
      ['/alerts', 'Alerts', 'ops-10-alerts-phone-en'],
      ['/audit', 'Audit log', 'ops-11-audit-phone-en'],
      ['/tokens', 'API tokens', 'ops-12-tokens-phone-en'],
    ]) {
      await page.goto(`${rig.base}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('table tbody tr').first().waitFor();
      expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await rig.shot(shot);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Switch language' }).click();
  });

  it('shows a user who is not an admin the alert history only', async () => {
    await rig.t
      .http()
      .post('/api/admin/users')
      .set(bearer(admin))
      .send({ username: 'viewer', password: 'viewer-pass-1', isAdmin: false })
      .expect(201);
    await rig.js('localStorage.removeItem("og.accessToken"), localStorage.removeItem("og.refreshToken")');
    await logIn(rig, 'viewer', 'viewer-pass-1');
    await nav('告警').waitFor();
    expect(await nav('操作审计').count()).toBe(0);
    expect(await nav('API 令牌').count()).toBe(0);
    await nav('告警').click();
    await page.locator('[data-testid="alerts-table"] tr[data-rule="robot_offline"]').waitFor();
    expect(await page.getByRole('button', { name: '发送测试告警' }).count()).toBe(0);
    expect(await page.getByTestId('alert-channels').count()).toBe(0);
    await page.goto(`${rig.base}/tokens`);
    await page.getByText('只有管理员可以管理 API 令牌。').waitFor();
    await page.goto(`${rig.base}/audit`);
    await page.getByText('只有管理员可以查看操作审计。').waitFor();
  });

  it('logged no errors in the browser console', () => {
    // the refused test alert (409) and the refused calls are reported by the browser as resources; nothing else
    expect(rig.consoleErrors.filter((e) => !/Failed to load resource: .* status of 409/.test(e))).toEqual([]);
  });
});
