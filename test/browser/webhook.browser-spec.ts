import type { Page } from 'playwright-core';
import { textCallback } from '../support/samples';
import { bearer } from '../support/test-app';
import { waitFor } from '../support/wait';
import { ConsoleRig, describeBrowser, logIn, startConsole } from './support';

describeBrowser("a robot's webhook endpoint in the console", () => {
  let rig: ConsoleRig;
  let page: Page;
  let token: string;
  let robot: { id: number; appId: string; callbackUrl: string };
  let seq = 0;

  /** Gewe delivers a text message through `url`; the answer's status. */
  const deliver = async (url: string) =>
    (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: textCallback({
          appId: robot.appId,
          robotWxid: 'wxid_hook_bot',
          from: 'wxid_customer',
          text: '你好',
          newMsgId: `74000000000000${String(++seq).padStart(5, '0')}`,
        }),
      })
    ).status;

  beforeAll(async () => {
    rig = await startConsole();
    page = rig.page;
    token = await rig.adminToken();
    const created = (
      await rig.t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(token))
        .send({ name: '回调机器人', baseUrl: rig.gewe.baseUrl, token: 'tok-webhook-browser', appId: 'wx_hook_browser' })
        .expect(201)
    ).body;
    robot = { id: created.id, appId: 'wx_hook_browser', callbackUrl: created.callbackUrl };
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
  });

  it("shows the endpoint's figures and rotates its key, with a confirm and the new URL to copy", async () => {
    expect(await deliver(robot.callbackUrl)).toBe(200);
    await logIn(rig);
    await page.goto(`${rig.base}/robots/${robot.id}`);
    const hook = page.getByTestId('robot-webhook');
    await waitFor(async () => (await hook.getByTestId('webhook-accepted').textContent()) === '1', 5000, 'accepted 1');

    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await hook.getByRole('button', { name: '更换回调密钥' }).click();
    const fresh = hook.getByTestId('webhook-new-url');
    await fresh.waitFor();
    expect(asked[0]).toContain('回调机器人');
    const newUrl = (await fresh.locator('code').textContent())!;
    expect(newUrl).not.toBe(robot.callbackUrl);
    expect(new URL(newUrl).searchParams.get('key')).toMatch(/^[\w-]{32}$/);
    await fresh.getByRole('button', { name: /复制/ }).waitFor();
    await hook.getByText('旧回调地址有效至').waitFor();
    // the robot's own callback URL shows the new key too
    await page.locator('.copy-field code').filter({ hasText: newUrl }).first().waitFor();
    await rig.shot('webhook-01-rotated');

    expect(await deliver(newUrl)).toBe(200);
    expect(await deliver(robot.callbackUrl)).toBe(200); // within the grace period
    await page.reload();
    await waitFor(async () => (await hook.getByTestId('webhook-accepted').textContent()) === '3', 5000, 'accepted 3');
    expect(rig.consoleErrors).toEqual([]);
  });
});
