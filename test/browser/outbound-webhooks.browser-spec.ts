import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { textCallback } from '../support/samples';
import { bearer } from '../support/test-app';
import { waitFor } from '../support/wait';
import { ConsoleRig, describeBrowser, logIn, navTo, startConsole } from './support';

describeBrowser('outbound webhooks in the console', () => {
  let rig: ConsoleRig;
  let page: Page;
  let token: string;
  let robot: { id: number; appId: string; callbackUrl: string };
  let server: Server;
  let receiverUrl: string;
  let status = 500;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(status).end(status < 300 ? 'ok' : 'down');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
    rig = await startConsole({
      overrides: {
        outbound_webhooks: { allow_private_targets: true, attempts: 2, backoff: '50ms', max_backoff: '100ms' },
      },
    });
    page = rig.page;
    token = await rig.adminToken();
    const created = (
      await rig.t
        .http()
        .post('/api/robots?verify=false')
        .set(bearer(token))
        .send({ name: '推送机器人', baseUrl: rig.gewe.baseUrl, token: 'tok-outbound-browser', appId: 'wx_out_browser' })
        .expect(201)
    ).body;
    robot = { id: created.id, appId: 'wx_out_browser', callbackUrl: created.callbackUrl };
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await new Promise((r) => server?.close(r));
  });

  const deliver = async (text: string, newMsgId: string) =>
    expect(
      (
        await fetch(robot.callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: textCallback({ appId: robot.appId, robotWxid: 'wxid_out_bot', from: 'wxid_customer', text, newMsgId }),
        })
      ).status,
    ).toBe(200);

  it('creates a subscription (secret shown once), shows a dead letter and replays it once the receiver is back', async () => {
    await logIn(rig);
    await navTo(rig, '出站 Webhook');
    await page.getByRole('heading', { name: '出站 Webhook' }).waitFor();
    await page.getByRole('button', { name: '+ 新建订阅' }).click();
    const form = page.getByTestId('outbound-form');
    await form.getByLabel('接收地址').fill(receiverUrl);
    await form.getByLabel('说明').fill('客户系统');
    await form.getByRole('checkbox', { name: '文本', exact: true }).check();
    await rig.shot('outbound-01-form', { allow: [receiverUrl] });
    await form.getByRole('button', { name: '保存' }).click();

    const secretDialog = page.getByTestId('outbound-secret');
    const secret = (await secretDialog.getByTestId('outbound-secret-value').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await rig.shot('outbound-02-secret');
    await secretDialog.getByRole('button', { name: '我已保存' }).click();
    const row = page.locator('[data-testid^="outbound-"]').filter({ hasText: receiverUrl });
    await row.getByTestId('outbound-state').filter({ hasText: '已启用' }).waitFor();

    // the receiver is down: both tries fail, the delivery becomes a dead letter
    await deliver('你好，推送', '7500000000000000001');
    await waitFor(() => received.length >= 2, 30_000, 'two failed tries');
    await waitFor(
      async () =>
        ((await rig.api('/api/outbound-webhooks')) as { items: { deadLetters: number }[] }).items[0].deadLetters === 1,
      30_000,
      'a dead letter',
    );
    await row.getByRole('link', { name: '详情' }).click();
    const dead = page.getByTestId('outbound-dead-letters');
    await dead.getByRole('heading', { name: '死信 (1)' }).waitFor();
    await page.getByTestId('outbound-log').locator('[data-error="HTTP_500"]').first().waitFor();
    await rig.shot('outbound-03-dead-letter', { allow: [receiverUrl] });

    status = 200;
    await dead.getByRole('button', { name: '重放', exact: true }).click();
    await page.getByText('已重放 1 条。').waitFor();
    const ok = await waitFor(
      () => received.find((r) => r.body.includes('你好，推送') && received.indexOf(r) >= 2),
      30_000,
      'the replayed delivery',
    );
    const event = new Webhook(secret).verify(ok.body, {
      'webhook-id': String(ok.headers['webhook-id']),
      'webhook-timestamp': String(ok.headers['webhook-timestamp']),
      'webhook-signature': String(ok.headers['webhook-signature']),
    }) as { type: string; data: { text: string } };
    expect(event).toMatchObject({ type: 'message.text', data: { text: '你好，推送' } });

    await page.getByRole('button', { name: '刷新' }).click();
    await dead.getByText('没有死信。').waitFor();

    // the test event
    await page.getByRole('button', { name: '发送测试事件' }).click();
    await page.getByText(/测试事件已排队/).waitFor();
    await waitFor(() => received.some((r) => JSON.parse(r.body).type === 'webhook.test'), 30_000, 'the test event');
    await page.getByRole('button', { name: '刷新' }).click();
    await page.getByTestId('outbound-log').getByText('webhook.test').first().waitFor();
    await rig.shot('outbound-04-log', { allow: [receiverUrl] });
    expect(rig.consoleErrors).toEqual([]);
  });
});
