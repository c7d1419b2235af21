import { createServer, type AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, navTo, startConsole, type ConsoleRig } from './support';

/**
 * The OneBot panel of the robot page in chromium against the real service and the fake Gewe: the settings saved and
 * read back after a reload (write-only tokens shown as "已设置"), field errors in the console's words, the status
 * panel with a forward WebSocket client connected, and the message log naming the OneBot client that sent a message.
 * Screenshots go to screenshots/onebot-*.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROBOT_WXID = 'wxid_onebot_bot';

/** A local port nothing listens on (a server was bound to it and closed): connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeBrowser('the OneBot panel of a robot in a browser', () => {
  let rig: ConsoleRig;
  let page: Page;
  let admin: string;
  let robotId: number;
  let reverseUrl: string;
  let postUrl: string;
  const bearer = () => ({ Authorization: `Bearer ${admin}` });
  const panel = () => page.getByTestId('robot-onebot');

  beforeAll(async () => {
    rig = await startConsole();
    ({ page } = rig);
    const { t, fake } = rig;
    admin = await rig.adminToken();
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer())
        .send({ name: '框架机器人', baseUrl: rig.gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body as { id: number };
    robotId = created.id;
    await t.http().post(`/api/robots/${robotId}/login`).set(bearer()).expect(200);
    const appId = (await t.http().get(`/api/robots/${robotId}`).set(bearer())).body.appId as string;
    fake.confirm(appId, { wxid: ROBOT_WXID, nickName: '框架机器人' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${robotId}/status`).set(bearer())).body.status === 'online',
      8000,
      'the robot online',
    );
    reverseUrl = `ws://127.0.0.1:${await closedPort()}/onebot/v11/ws`;
    postUrl = `http://127.0.0.1:${await closedPort()}/onebot/v11/http`;
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('saves the OneBot settings, shows them again after a reload, and the status panel with the failing target', async () => {
    await page.goto(`${rig.base}/robots/${robotId}`);
    const p = panel();
    const form = p.getByTestId('onebot-form');
    await form.getByLabel('启用 OneBot').waitFor();
    // the URL to give a framework, on this host
    const forward = (await p.getByTestId('onebot-forward-url').locator('code').textContent()) ?? '';
    expect(forward).toBe(`${rig.base.replace(/^http/, 'ws')}/onebot/v11/${robotId}`);
    expect(await form.getByLabel('ID 模式').inputValue()).toBe('alias');
    await p.getByText('NoneBot2 要求 user_id、group_id 是整数').waitFor();
    await p.getByTestId('onebot-status').waitFor();
    await p.getByText('OneBot 未启用').waitFor();

    await form.getByLabel('启用 OneBot').check();
    await form.getByRole('button', { name: '添加反向 WebSocket 目标' }).click();
    const reverse = form.getByTestId('onebot-reverse-0');
    await reverse.getByLabel('地址').fill(reverseUrl);
    await reverse.getByLabel('访问令牌').fill('reverse-secret-token');
    await reverse.getByLabel('重连间隔（毫秒）').fill('1000');
    await form.getByRole('button', { name: '添加 HTTP POST 目标' }).click();
    const post = form.getByTestId('onebot-http-0');
    // a cloud-metadata address: the form lets it through, the API refuses it, naming the field
    await post.getByLabel('地址').fill('http://169.254.169.254/latest');
    await post.getByLabel('签名密钥').fill('post-secret');
    await post.getByLabel('超时（毫秒）').fill('3000');
    await form.getByLabel('上报机器人自己发出的消息（message_sent 事件）').check();
    // the form's own check first
    await form.getByLabel('心跳间隔（毫秒）').fill('500');
    await form.getByRole('button', { name: '保存 OneBot 设置' }).click();
    await form.getByText('请输入 0，或 1000 到 600000 之间的整数').waitFor();
    await form.getByLabel('心跳间隔（毫秒）').fill('20000');
    await form.getByRole('button', { name: '保存 OneBot 设置' }).click();
    await post.getByTestId('field-error').waitFor();
    expect(await post.getByTestId('field-error').textContent()).toContain('地址');
    await rig.shot('onebot-01-field-error', { allow: ['reverse-secret-token', 'post-secret'] });

    await post.getByLabel('地址').fill(postUrl);
    await form.getByRole('button', { name: '保存 OneBot 设置' }).click();
    await form.getByText('OneBot 设置已保存').waitFor();

    const stored = (await rig.t.http().get(`/api/robots/${robotId}/onebot`).set(bearer()).expect(200)).body;
    expect(stored).toMatchObject({
      enabled: true,
      idMode: 'alias',
      forwardWs: true,
      reverseWs: [{ url: reverseUrl, accessTokenSet: true, reconnectIntervalMs: 1000 }],
      httpPost: [{ url: postUrl, secretSet: true, timeoutMs: 3000 }],
      postSelf: true,
      heartbeatIntervalMs: 20000,
    });
    expect(JSON.stringify(stored)).not.toContain('reverse-secret-token');

    await page.reload();
    await form.getByLabel('启用 OneBot').waitFor();
    expect(await form.getByLabel('启用 OneBot').isChecked()).toBe(true);
    expect(await reverse.getByLabel('地址').inputValue()).toBe(reverseUrl);
    expect(await reverse.getByLabel(/访问令牌/).inputValue()).toBe(''); // write-only
    await reverse.getByTestId('secret-set').waitFor();
    expect(await reverse.getByLabel('重连间隔（毫秒）').inputValue()).toBe('1000');
    expect(await post.getByLabel('地址').inputValue()).toBe(postUrl);
    await post.getByTestId('secret-set').waitFor();
    expect(await form.getByLabel('心跳间隔（毫秒）').inputValue()).toBe('20000');
    expect(await form.getByLabel('上报机器人自己发出的消息（message_sent 事件）').isChecked()).toBe(true);

    // the status panel: the reverse target is listed, and its refused connection is told in Chinese
    const status = p.getByTestId('onebot-status');
    await status.getByTestId('onebot-events-per-minute').waitFor();
    await status.locator('tr[data-transport="reverse-ws"]').waitFor({ timeout: 60_000 });
    await status
      .locator('[data-testid="onebot-errors"] li[data-code="ONEBOT_REVERSE_CONNECT_FAILED"]')
      .first()
      .waitFor({ timeout: 60_000 });
    expect(await status.locator('li[data-code="ONEBOT_REVERSE_CONNECT_FAILED"]').first().textContent()).toContain(
      '反向 WebSocket 连接',
    );
    await rig.shot('onebot-02-saved-and-status');

    // keeping the token: a save without typing one leaves it set
    await form.getByRole('button', { name: '保存 OneBot 设置' }).click();
    await form.getByText('OneBot 设置已保存').waitFor();
    const again = (await rig.t.http().get(`/api/robots/${robotId}/onebot`).set(bearer()).expect(200)).body;
    expect(again.reverseWs[0].accessTokenSet).toBe(true);
    expect(again.httpPost[0].secretSet).toBe(true);
    // the refused save (400) is logged by the browser itself
    expect(rig.consoleErrors.filter((e) => !/Failed to load resource: .* status of 400/.test(e))).toEqual([]);
  });

  it('lists a connected forward WebSocket client, and the message log names the OneBot client that sent', async () => {
    const { t } = rig;
    const token = (
      await t
        .http()
        .post('/api/admin/tokens')
        .set(bearer())
        .send({ name: 'nonebot', scopes: ['onebot'] })
        .expect(201)
    ).body.token as string;
    const ws = new WebSocket(`${rig.base.replace(/^http/, 'ws')}/onebot/v11/${robotId}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const answers = new Map<unknown, { status: string; retcode: number }>();
    ws.on('message', (data: WebSocket.RawData) => {
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8');
      const frame = JSON.parse(text) as { echo?: unknown; status?: string; retcode?: number };
      if (frame.echo !== undefined) answers.set(frame.echo, frame as { status: string; retcode: number });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });

      await page.goto(`${rig.base}/robots/${robotId}`);
      const status = panel().getByTestId('onebot-status');
      const row = status.locator('tr[data-transport="forward-ws"]');
      await row.first().waitFor({ timeout: 60_000 }); // the panel reads the status again every 5 s
      expect(await row.first().textContent()).toContain('已连接');
      expect(await row.first().locator('code').textContent()).toContain('127.0.0.1');
      await rig.shot('onebot-03-client-connected');

      ws.send(
        JSON.stringify({
          action: 'send_private_msg',
          params: { user_id: 'wxid_framework_friend', message: '来自框架的问候' },
          echo: 'hello-1',
        }),
      );
      await waitFor(() => answers.has('hello-1'), 30_000, 'the answer to send_private_msg');
      expect(answers.get('hello-1')).toMatchObject({ status: 'ok', retcode: 0 });
      await waitFor(
        () => rig.fake.sends('/message/postText').some((s) => s.body.content === '来自框架的问候'),
        30_000,
        'the send at the fake Gewe',
      );

      await navTo(rig, '消息');
      const message = page.getByTestId('message-list').locator('tr').filter({ hasText: '来自框架的问候' }).first();
      await message.waitFor();
      const by = message.getByTestId('message-sent-by');
      await by.waitFor();
      expect(await by.getAttribute('data-via')).toBe('onebot');
      expect((await by.textContent()) ?? '').toMatch(/^由 OneBot 客户端 \S+ 发送/);
      await rig.shot('onebot-04-sent-by', { allow: ['来自框架的问候'] });
      expect(rig.consoleErrors.filter((e) => !/Failed to load resource: .* status of 400/.test(e))).toEqual([]);
    } finally {
      ws.close();
    }
  });
});
