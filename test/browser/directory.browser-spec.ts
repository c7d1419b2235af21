import type { Page } from 'playwright-core';
import { CANNED_CHATROOMS } from '../fake-gewe/fake-gewe-data';
import { groupTextCallback } from '../support/onebot';
import { onlineRobot, type OnlineRobot } from '../support/online-robot';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The directory in the console: from the robot page to its contacts, a sync from the fake Gewe that lists friends and
 * groups by name (the id on hover), filtering by kind and search; then a group message in the message list and its
 * detail, shown with the group's and the sender's names instead of bare ids.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROOM = CANNED_CHATROOMS[0].chatroomId;
const ALICE = 'wxid_fake_alice01';

describeBrowser('directory and names in a browser', () => {
  let rig: ConsoleRig;
  let page: Page;
  let robot: OnlineRobot;

  beforeAll(async () => {
    rig = await startConsole({ overrides: { directory: { sync_pause: '0ms' } } });
    page = rig.page;
    robot = await onlineRobot(
      rig.t,
      await rig.adminToken(),
      rig.fake,
      rig.gewe.baseUrl,
      '通讯录机器人',
      'wxid_dir_bot',
    );
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('syncs the contacts from the robot page and lists them by name, the id on hover', async () => {
    await page.goto(`${rig.base}/robots/${robot.id}`);
    await page.getByTestId('robot-contacts-link').click();
    await page.getByRole('heading', { name: /通讯录/, level: 1 }).waitFor();
    await page.getByTestId('contacts-sync-state').getByText('还没有同步过').waitFor();
    await page.getByText('通讯录是空的').waitFor();

    await page.getByTestId('contacts-sync-start').click();
    await page
      .getByTestId('contacts-sync-state')
      .getByText(/上次同步完成于/)
      .waitFor();
    const alice = page.locator(`[data-testid="contact-row"][data-wxid="${ALICE}"]`);
    await alice.getByText('爱丽丝', { exact: true }).waitFor();
    expect(await alice.getByText('爱丽丝', { exact: true }).getAttribute('title')).toBe(ALICE);
    await alice.getByText('好友', { exact: true }).waitFor();
    await rig.shot('contacts');

    // groups only, with their member counts and a link to the group
    await page.getByTestId('contacts-kinds').getByRole('button', { name: '群' }).click();
    const group = page.locator(`[data-testid="contact-row"][data-wxid="${ROOM}"]`);
    await group.getByText('Fake 测试群').waitFor();
    await group.getByText('3 人').waitFor();
    await alice.waitFor({ state: 'detached' });
    expect(await group.getByTestId('contact-group-link').getAttribute('href')).toContain(encodeURIComponent(ROOM));

    // a search narrows the list
    await page.getByTestId('contacts-kinds').getByRole('button', { name: '全部' }).click();
    await page.getByTestId('contacts-search').fill('alice_fake');
    await alice.waitFor();
    await group.waitFor({ state: 'detached' });
    await page.getByTestId('contacts-search').fill('没有这个人');
    await page.getByText('没有符合条件的联系人。').waitFor();
  });

  it('shows the group’s and the sender’s names in the message list and the detail', async () => {
    const res = await fetch(`${rig.base}/api/webhook?key=${encodeURIComponent(robot.key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: groupTextCallback({
        appId: robot.appId,
        robotWxid: robot.wxid,
        chatroom: ROOM,
        from: ALICE,
        text: '有名字的消息',
      }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => {
      const list = await rig.api(`/api/messages?robotId=${robot.id}&chatId=${encodeURIComponent(ROOM)}`);
      return (list.items as unknown[]).length ? true : null;
    });
    await page.goto(`${rig.base}/messages`);
    const row = page.getByRole('row').filter({ hasText: '有名字的消息' });
    const chat = row.getByText('Fake 测试群');
    await chat.waitFor();
    expect(await chat.getAttribute('title')).toBe(ROOM);
    const sender = row.getByText('Alice(群名片)');
    expect(await sender.getAttribute('title')).toBe(ALICE);
    await rig.shot('messages-with-names');

    await row.getByRole('button').first().click();
    await page.getByText('Alice(群名片)').first().waitFor();
    await page.getByText(ROOM).first().waitFor();
  });
});
