import type { Page } from 'playwright-core';
import { groupTextCallback } from '../support/onebot';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The chat settings page: from the robot page to a chat of its message log, a plugin switched off there, a per-chat
 * option saved, and both still there after a reload (and in the API).
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROOM = '20262026@chatroom';

describeBrowser('chat settings in a browser', () => {
  let rig: ConsoleRig;
  let page: Page;
  let robotId: number;
  const api = (path: string, init?: RequestInit) => rig.api(path, init);

  beforeAll(async () => {
    rig = await startConsole();
    ({ page } = rig);
    // a robot and one group message in its log (the robot is not online: the chat has no name)
    const robot = await api('/api/robots?verify=false', {
      method: 'POST',
      body: JSON.stringify({
        name: '聊天机器人',
        baseUrl: 'http://127.0.0.1:1/v2/api',
        token: 'chat-t',
        appId: 'wx_chat',
      }),
    });
    robotId = robot.id as number;
    const key = new URL(robot.callbackUrl as string).searchParams.get('key') ?? '';
    const res = await fetch(`${rig.base}/api/webhook?key=${encodeURIComponent(key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: groupTextCallback({
        appId: 'wx_chat',
        robotWxid: 'wxid_chat_bot',
        chatroom: ROOM,
        from: 'wxid_member',
        text: '大家好',
      }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => {
      const list = await api(`/api/robots/${robotId}/chats`);
      return (list.items as unknown[]).length ? true : null;
    });
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('switches a plugin off in a chat, sets its per-chat option, and shows both after a reload', async () => {
    await page.goto(`${rig.base}/robots/${robotId}`);
    await page.getByTestId('robot-chats-link').click();
    await page.getByRole('heading', { name: /聊天设置/ }).waitFor();
    const row = page.getByTestId(`chat-${ROOM}`);
    await row.getByText('群', { exact: true }).waitFor();
    // searching narrows the list
    await page.getByTestId('chats-search').fill('no-such-chat');
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('chats-search').fill('20262026');
    await row.getByRole('button', { name: '设置' }).click();

    const card = page.getByTestId('chat-plugin-ExamplePlugin');
    const select = card.getByTestId('chat-plugin-switch');
    // it inherits the global switch (on)
    expect(await select.inputValue()).toBe('inherit');
    await card.getByRole('option', { name: /继承（开启，来自全局开关）/ }).waitFor({ state: 'attached' });
    await select.selectOption('off');
    await card.getByTestId('chat-plugin-effective').getByText('实际: 关闭').waitFor();

    const form = card.getByTestId('chat-config-form-ExamplePlugin');
    await form.getByLabel('回复内容').fill('本群的 pong');
    await form.getByRole('button', { name: '保存此聊天的选项' }).click();
    await card.getByText('此聊天有自己的选项。').waitFor();
    await rig.shot('chat-settings', { allow: [ROOM] });

    await page.reload();
    expect(new URL(page.url()).searchParams.get('chat')).toBe(ROOM);
    const again = page.getByTestId('chat-plugin-ExamplePlugin');
    await again.getByTestId('chat-plugin-effective').getByText('实际: 关闭').waitFor();
    expect(await again.getByTestId('chat-plugin-switch').inputValue()).toBe('off');
    expect(await again.getByTestId('chat-config-form-ExamplePlugin').getByLabel('回复内容').inputValue()).toBe(
      '本群的 pong',
    );
    const stored = await api(`/api/robots/${robotId}/chats/${encodeURIComponent(ROOM)}/plugins?limit=200`);
    expect((stored.items as { name: string }[]).find((p) => p.name === 'ExamplePlugin')).toMatchObject({
      chatEnabled: false,
      config: { pongText: '本群的 pong' },
    });
    // the row says the chat has settings now
    await page.getByTestId(`chat-${ROOM}`).getByText('已设置').waitFor();

    // reset to inherited: the section goes, the switch stays
    await again.getByTestId('chat-plugin-reset').click();
    await again.getByText('此聊天沿用插件的配置。').waitFor();
    expect(await again.getByTestId('chat-config-form-ExamplePlugin').getByLabel('回复内容').inputValue()).toBe('');
  });

  it("opens a message's chat from the message log, fits a phone, and speaks English", async () => {
    await page.goto(`${rig.base}/messages`);
    await page.getByRole('link', { name: ROOM }).first().click();
    await page.waitForURL(`${rig.base}/chats/${robotId}?chat=${encodeURIComponent(ROOM)}`);
    const card = page.getByTestId('chat-plugin-ExamplePlugin');
    await card.getByTestId('chat-plugin-effective').getByText('实际: 关闭').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await rig.shot('chat-settings-phone', { allow: [ROOM] });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: '切换语言' }).click();
    await page.getByRole('heading', { name: /Chat settings/, level: 1 }).waitFor();
    await card.getByTestId('chat-plugin-effective').getByText('Effective: Off').waitFor();
    await card.getByRole('option', { name: 'Inherit (On, from the global switch)' }).waitFor({ state: 'attached' });
    await card.getByText('Options in this chat').waitFor();
    await page.getByRole('button', { name: 'Switch language' }).click();
    expect(rig.consoleErrors).toEqual([]);
  });
});
