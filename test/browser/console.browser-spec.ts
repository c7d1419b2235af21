import type { BrowserContext, Page } from 'playwright-core';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { textCallback } from '../support/samples';
import { ADMIN } from '../support/test-app';
import { describeBrowser, navTo, startConsole, type ConsoleRig } from './support';

/**
 * The admin console in a real browser (Debian's chromium through playwright-core; no browser download), against
 * the real service on SQLite and the fake Gewe server driven through its control API. A screenshot of each screen
 * goes to test/browser/screenshots/. Without chromium the suite is skipped loudly — under CI=true it fails.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

describeBrowser('the admin console in a browser', () => {
  let rig: ConsoleRig;
  let fake: FakeGewe;
  let gewe: { baseUrl: string; controlUrl: string };
  let base: string;
  let context: BrowserContext;
  let page: Page;
  const js = <T>(expr: string) => rig.js<T>(expr);
  const shot = (name: string) => rig.shot(name);
  const control = (path: string, body: object) => rig.control(path, body);
  const appIdOf = () => rig.loginAppId();

  beforeAll(async () => {
    // ExamplePlugin, and a plugin whose manifest is broken: the dashboard lists the problem
    rig = await startConsole({ plugins: { BrokenPlugin: { manifest: '{"name": "BrokenPlugin"}' } } });
    ({ fake, gewe, base, context, page } = rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('sends to the login screen, in Chinese, and logs in', async () => {
    await page.goto(`${base}/robots`);
    await page.waitForURL(`${base}/login`);
    await page.getByLabel('用户名').fill(ADMIN.username);
    await page.getByLabel('密码').fill(ADMIN.password);
    await shot('01-login');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('heading', { name: '概览' }).waitFor();
    expect(page.url()).toBe(`${base}/`);
    expect(await js<string[]>('Object.keys(localStorage).sort()')).toEqual(['og.accessToken', 'og.refreshToken']);
  });

  it('shows the dashboard: robots, queue depth, plugins', async () => {
    await page.getByTestId('dash-queue').getByText('等待', { exact: true }).waitFor();
    await page.getByTestId('robots-online').waitFor();
    expect(await page.getByTestId('robots-online').textContent()).toBe('0');
    await page.getByTestId('dash-plugins').getByText('BrokenPlugin').waitFor();
    await page.locator('.live-dot.on').waitFor();
    await shot('02-dashboard');
  });

  it('creates a robot after testing the connection with Gewe', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '机器人' }).click();
    await page.getByRole('heading', { name: '机器人', level: 1 }).waitFor();
    await page.getByText('还没有机器人').waitFor();
    await page.getByRole('button', { name: '添加机器人' }).click();
    const dialog = page.getByTestId('create-robot');
    await dialog.getByLabel('名称').fill('客服机器人');
    await dialog.getByLabel('Gewe API 地址').fill(gewe.baseUrl);
    // a wrong token: the connection test refuses it
    await dialog.getByLabel('Gewe Token').fill('not-a-token-gewe-knows');
    await dialog.getByRole('button', { name: '测试并保存' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toMatch(/token/i);
    await dialog.getByLabel('Gewe Token').fill(fake.issueToken());
    await shot('03-robot-create');
    await dialog.getByRole('button', { name: '测试并保存' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('rowheader', { name: /客服机器人/ }).waitFor();
    await shot('04-robots');
  });

  it('completes a QR login in the dialog while the states change live', async () => {
    await page.getByRole('button', { name: '扫码登录' }).click();
    const dialog = page.getByTestId('qr-dialog');
    const status = dialog.getByTestId('qr-status');
    await dialog.getByRole('img', { name: '微信登录二维码' }).waitFor();
    expect(await status.getAttribute('data-status')).toBe('awaiting_scan');
    await shot('05-qr-awaiting-scan');
    const appId = await appIdOf();

    await control('/scan', { appId, account: { nickName: '小助手' } });
    await dialog.locator('[data-status="scanned"]').first().waitFor();
    expect(await status.textContent()).toContain('小助手');
    await shot('06-qr-scanned');

    await control('/captcha', { appId, code: '246810' });
    await dialog.getByLabel('安全验证码').waitFor();
    await shot('07-qr-need-captcha');
    await dialog.getByLabel('安全验证码').fill('246810');
    await dialog.getByRole('button', { name: '提交验证码' }).click();
    await dialog.locator('[data-testid="qr-status"][data-status="scanned"]').waitFor();

    await control('/confirm', { appId, account: { wxid: 'wxid_console_bot', nickName: '小助手' } });
    await dialog.locator('[data-testid="qr-status"][data-status="online"]').waitFor();
    await dialog.getByText('已登录：小助手').waitFor();
    await shot('08-qr-online');
    await dialog.getByRole('button', { name: '关闭' }).last().click();
    await page.getByTestId('robot-1').locator('[data-status="online"]').waitFor();
    await shot('09-robots-online');
  });

  it('copies the callback URL', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.getByRole('button', { name: /复制: 回调地址 客服机器人/ }).click();
    await page
      .getByRole('button', { name: /复制: 回调地址/ })
      .getByText('已复制')
      .waitFor();
    const copied = await js<string>('navigator.clipboard.readText()');
    expect(copied).toMatch(new RegExp(`^${base}/api/webhook\\?key=`));
  });

  it('shows new messages live on the dashboard', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '概览' }).click();
    await page.getByTestId('robots-online').getByText('1').waitFor();
    // Gewe delivers a message to the callback URL the console copied
    const url = (await js<string>('navigator.clipboard.readText()')).trim();
    const state = (await (await fetch(`${gewe.controlUrl}/state`)).json()) as { devices: { appId: string }[] };
    const appId = state.devices[0].appId;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: textCallback({
        appId,
        robotWxid: 'wxid_console_bot',
        from: 'wxid_customer',
        text: '你好，在吗？',
        newMsgId: '7200000000000000001',
      }),
    });
    expect(res.status).toBe(200);
    await page.getByTestId('dash-messages').getByText('你好，在吗？').waitFor();
    await shot('10-dashboard-live');
  });

  it('switches to English and fits a phone screen', async () => {
    await page.getByRole('button', { name: '切换语言' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Robots' }).click();
    await page.getByRole('heading', { name: 'Robots', level: 1 }).waitFor();
    await shot('11-robots-en');
    await page.setViewportSize({ width: 375, height: 812 });
    await page.reload();
    await page.getByRole('heading', { name: 'Robots', level: 1 }).waitFor();
    expect(await js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await shot('12-robots-phone');
    await page.getByRole('button', { name: 'QR login' }).waitFor({ state: 'detached' });
    // on a phone the navigation is behind the menu button
    await navTo(rig, 'Dashboard');
    expect(await js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await shot('13-dashboard-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logs out: the tokens are gone and the login screen is back', async () => {
    await page.getByRole('button', { name: /^User menu: admin/ }).click();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    await page.getByLabel('Username').waitFor();
    expect(await js<string[]>("Object.keys(localStorage).filter((k) => k.includes('Token'))")).toEqual([]);
    await page.reload();
    await page.getByLabel('Username').waitFor();
  });

  it('logged no errors in the browser console', () => {
    // the refused connection test answered 400: the browser reports that resource; nothing else may fail
    expect(rig.consoleErrors.filter((e) => !/Failed to load resource: .* status of 400/.test(e))).toEqual([]);
  });
});
