import type { Page } from 'playwright-core';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The first-party plugins set for one group from the console's chat settings page, as shipped: KeywordReply switched
 * on there only with a rule of its own (a list of objects in the per-chat form), AiChat's system prompt, GroupWelcome's
 * welcome and GroupDigest's language for that group — each stored as the chat's section (the API answers it) and
 * shown again after a reload. What each section then does in the chat is proved end to end in
 * test/e2e/plugins/per-chat.e2e-spec.ts.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROOM = '20261202@chatroom';

describeBrowser('the first-party plugins set per chat in a browser', () => {
  let rig: ConsoleRig;
  let page: Page;
  let robotId: number;
  const api = (path: string, init?: RequestInit) => rig.api(path, init);
  const card = (plugin: string) => page.getByTestId(`chat-plugin-${plugin}`);
  const form = (plugin: string) => page.getByTestId(`chat-config-form-${plugin}`);
  /** Saves a plugin's per-chat form and waits until the page says the chat has its own options. */
  const save = async (plugin: string) => {
    await form(plugin).getByRole('button', { name: '保存此聊天的选项' }).click();
    await card(plugin).getByText('此聊天有自己的选项。').waitFor();
  };
  const stored = async () =>
    (
      (await api(`/api/robots/${robotId}/chats/${encodeURIComponent(ROOM)}/plugins?limit=200`)).items as {
        name: string;
        chatEnabled: boolean | null;
        config: Record<string, unknown> | null;
      }[]
    ).reduce<Record<string, { chatEnabled: boolean | null; config: Record<string, unknown> | null }>>(
      (all, p) => ({ ...all, [p.name]: { chatEnabled: p.chatEnabled, config: p.config } }),
      {},
    );

  beforeAll(async () => {
    rig = await startConsole({ shipped: ['KeywordReply', 'AiChat', 'GroupWelcome', 'GroupDigest'] });
    ({ page } = rig);
    const robot = await api('/api/robots?verify=false', {
      method: 'POST',
      body: JSON.stringify({
        name: '群助手',
        baseUrl: 'http://127.0.0.1:1/v2/api',
        token: 'per-chat-t',
        appId: 'wx_pc',
      }),
    });
    robotId = robot.id as number;
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it("sets each plugin's options for one group, and shows them again after a reload", async () => {
    // a chat without messages yet is opened by its id
    await page.goto(`${rig.base}/chats/${robotId}?chat=${encodeURIComponent(ROOM)}`);
    await card('KeywordReply').getByTestId('chat-plugin-effective').getByText('实际: 关闭').waitFor();

    // KeywordReply: off everywhere, on in this group, with a rule of the group's own
    await card('KeywordReply').getByTestId('chat-plugin-switch').selectOption('on');
    await card('KeywordReply').getByTestId('chat-plugin-effective').getByText('实际: 开启').waitFor();
    await form('KeywordReply').getByRole('button', { name: '规则列表: 添加一项' }).click();
    const rule = form('KeywordReply').getByTestId('array-row').first();
    await rule.getByLabel('匹配方式').selectOption({ label: '完全一致' });
    await rule.getByLabel('关键词').fill('菜单');
    await rule.getByLabel('回复文字').fill('本群菜单：1. 报名 2. 签到');
    await save('KeywordReply');

    await form('AiChat').getByLabel('系统提示词').fill('你是本群的读书会助手。');
    await save('AiChat');
    await form('GroupWelcome').getByLabel('欢迎语').fill('欢迎 {at} 加入读书会！');
    await save('GroupWelcome');
    await form('GroupDigest').getByLabel('语言').selectOption({ label: '英文' });
    await save('GroupDigest');
    await rig.shot('plugins-per-chat', { allow: [ROOM] });

    const expected = {
      KeywordReply: {
        chatEnabled: true,
        config: {
          rules: [
            expect.objectContaining({
              match: 'exact',
              pattern: '菜单',
              reply: expect.objectContaining({ type: 'text', text: '本群菜单：1. 报名 2. 签到' }),
            }),
          ],
        },
      },
      AiChat: { chatEnabled: null, config: { systemPrompt: '你是本群的读书会助手。' } },
      GroupWelcome: { chatEnabled: null, config: { welcomeText: '欢迎 {at} 加入读书会！' } },
      GroupDigest: { chatEnabled: null, config: { language: 'en' } },
    };
    expect(await stored()).toMatchObject(expected);

    await page.reload();
    await card('KeywordReply').getByTestId('chat-plugin-effective').getByText('实际: 开启').waitFor();
    const again = form('KeywordReply').getByTestId('array-row').first();
    expect(await again.getByLabel('关键词').inputValue()).toBe('菜单');
    expect(await form('AiChat').getByLabel('系统提示词').inputValue()).toBe('你是本群的读书会助手。');
    expect(await form('GroupWelcome').getByLabel('欢迎语').inputValue()).toBe('欢迎 {at} 加入读书会！');
    expect(rig.consoleErrors).toEqual([]);
  });
});
