import type { Page } from 'playwright-core';
import { FakeGewe } from '../fake-gewe/fake-gewe';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The robot dialogs for a first trial: the download URL field (and the default the server will derive), the hint
 * that tells how to "scan" with the fake Gewe, and a refused QR login said once.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

describeBrowser('the robot dialogs in a browser', () => {
  let rig: ConsoleRig;
  let fake: FakeGewe;
  let page: Page;
  const api = (path: string, init?: RequestInit) => rig.api(path, init);

  beforeAll(async () => {
    rig = await startConsole();
    ({ fake, page } = rig);
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('offers the download URL when adding a robot, and names the one a Gewechat layout gives', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '机器人' }).click();
    await page.getByRole('button', { name: '添加机器人' }).click();
    const dialog = page.getByTestId('create-robot');
    await dialog.getByLabel('名称').fill('试用机器人');
    await dialog.getByLabel('Gewe API 地址').fill('http://192.168.1.10:2531/v2/api');
    const hint = dialog.getByTestId('download-url-hint');
    await hint.getByText('留空将使用 http://192.168.1.10:2532/download').waitFor();
    // the paid service derives nothing
    await dialog.getByLabel('付费版 GeWeAPI（不勾选：自建 Gewechat）').check();
    await hint.getByText(/gewe\.download_url/).waitFor();
    await dialog.getByLabel('付费版 GeWeAPI（不勾选：自建 Gewechat）').uncheck();

    const { baseUrl, downloadUrl } = fake.urls();
    await dialog.getByLabel('Gewe API 地址').fill(baseUrl);
    await dialog.getByLabel('Gewe Token').fill(fake.issueToken());
    await dialog.getByLabel('文件下载地址').fill(downloadUrl);
    await dialog.getByRole('button', { name: '测试并保存' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('rowheader', { name: /试用机器人/ }).waitFor();
    expect(await api('/api/robots/1')).toMatchObject({ baseUrl, downloadUrl });
  });

  it('tells how to "scan" with the fake Gewe, and the command it shows logs the robot in', async () => {
    await page.getByTestId('robot-1').getByRole('button', { name: '扫码登录' }).click();
    const dialog = page.getByTestId('qr-dialog');
    await dialog.getByRole('img', { name: '微信登录二维码' }).waitFor();
    const command = (await dialog.getByTestId('qr-fake-hint').locator('code').textContent()) ?? '';
    const origin = new URL(fake.urls().baseUrl).origin;
    expect(command).toBe(`curl -s -X POST ${origin}/__control/confirm`);
    await rig.shot('robot-dialogs-qr-fake-hint');
    // what the command does: POST, no body
    expect((await fetch(`${origin}/__control/confirm`, { method: 'POST' })).status).toBe(200);
    await dialog.locator('[data-testid="qr-status"][data-status="online"]').waitFor();
    expect(await dialog.getByTestId('qr-fake-hint').count()).toBe(0);
    await dialog.getByRole('button', { name: '关闭' }).last().click();
  });

  it('says once why Gewe refused a QR login', async () => {
    const robot = await api('/api/robots', {
      method: 'POST',
      body: JSON.stringify({ name: '第二个', baseUrl: fake.urls().baseUrl, token: fake.issueToken(), isGewe: false }),
    });
    fake.fault({ path: '/login/getLoginQrCode', mode: 'ret500', msg: '创建设备失败', times: 1 });
    await page.reload();
    const row = page.getByTestId(`robot-${String(robot.id)}`);
    const answered = page.waitForResponse((r) => r.url().endsWith(`/api/robots/${String(robot.id)}/login`));
    await row.getByRole('button', { name: '扫码登录' }).click();
    expect((await answered).status()).toBe(502);
    const dialog = page.getByTestId('qr-dialog');
    await dialog.locator('[data-testid="qr-status"][data-status="error"]').waitFor();
    await dialog
      .getByRole('alert')
      .getByText(/创建设备失败/)
      .waitFor();
    await rig.shot('robot-dialogs-qr-refused');
    expect(await dialog.getByText(/创建设备失败/).count()).toBe(1);
  });
});
