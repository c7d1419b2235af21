import type { Page } from 'playwright-core';
import { friendRequestCallback, ticketsOf } from '../support/friend-requests';
import { onlineRobot, type OnlineRobot } from '../support/online-robot';
import { bearer } from '../support/test-app';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The friend-request inbox and the group page: from the robot page a friend request is accepted with a greeting (the
 * fake Gewe gets addContacts and the text), and a member of a synced group is removed (removeMember), with the
 * robot quitting the group behind a confirm; the Chinese screens show no English sentence.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROBOT_WXID = 'wxid_rel_bot';
const GROUP = '34757816141@chatroom';
const MEMBER = 'wxid_fake_alice01';

describeBrowser('friend requests and group actions in a browser', () => {
  let rig: ConsoleRig;
  let page: Page;
  let robot: OnlineRobot;
  let admin: string;
  /** GET as the admin with one token (rig.api logs in on every call, which the login rate limit stops). */
  const get = async (path: string) =>
    (await rig.t.http().get(path).set(bearer(admin)).expect(200)).body as Record<string, unknown>;
  const sends = (path: string) => rig.fake.sends(path).filter((s) => s.appId === robot.appId);

  beforeAll(async () => {
    rig = await startConsole();
    ({ page } = rig);
    admin = await rig.adminToken();
    robot = await onlineRobot(rig.t, admin, rig.fake, rig.gewe.baseUrl, '好友机器人', ROBOT_WXID);
    const res = await fetch(`${rig.base}/api/webhook?key=${encodeURIComponent(robot.key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: friendRequestCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        wxid: 'wxid_xiaoming',
        nickname: '小明',
        content: '我是小明，想加你好友',
      }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => {
      const list = await get(`/api/robots/${robot.id}/friend-requests`);
      return (list.items as unknown[]).length ? true : null;
    });
    await rig.t.http().post(`/api/robots/${robot.id}/directory/sync`).set(bearer(admin)).expect(202);
    await waitFor(
      async () => ((await get(`/api/robots/${robot.id}/directory/sync`)).state === 'done' ? true : null),
      undefined,
      'the directory sync done',
    );
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('accepts a friend request with a greeting from the console', async () => {
    await page.goto(`${rig.base}/robots/${robot.id}`);
    await page.getByTestId('robot-friend-requests-link').click();
    await page.getByRole('heading', { name: /好友申请/, level: 1 }).waitFor();
    const row = page.getByTestId('request-wxid_xiaoming');
    await row.getByText('我是小明，想加你好友').waitFor();
    await row.getByTestId('request-status').getByText('待处理').waitFor();
    await rig.shot('relations-01-requests', { allow: ['wxid_xiaoming'] });

    await row.getByTestId('request-accept').click();
    const dialog = page.getByTestId('accept-dialog');
    await dialog.getByTestId('accept-greeting').fill('你好小明，很高兴认识你');
    await dialog.getByRole('button', { name: '通过申请' }).click();
    await page.getByText('已通过 小明 的好友申请，并发出了问候').waitFor();
    // the pending tab no longer lists it; the accepted one does
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('requests-tab-accepted').click();
    await page.getByTestId('request-wxid_xiaoming').getByTestId('request-status').getByText('已通过').waitFor();
    await rig.shot('relations-02-accepted', { allow: ['wxid_xiaoming'] });

    expect(sends('/contacts/addContacts').map((s) => s.body)).toEqual([
      expect.objectContaining({ option: 3, scene: 6, ...ticketsOf('wxid_xiaoming') }),
    ]);
    expect(sends('/message/postText').map((s) => s.body)).toEqual([
      expect.objectContaining({ toWxid: 'wxid_xiaoming', content: '你好小明，很高兴认识你' }),
    ]);
  });

  it('removes a group member from the console, and quits the group behind a confirm', async () => {
    await page.goto(`${rig.base}/robots/${robot.id}`);
    await page.getByTestId('robot-groups-link').click();
    await page.getByRole('heading', { name: /群管理/, level: 1 }).waitFor();
    await page.getByTestId('group-select').selectOption(GROUP);
    expect(new URL(page.url()).searchParams.get('chat')).toBe(GROUP);
    const member = page.getByTestId(`member-${MEMBER}`);
    await member.waitFor();
    await page
      .getByTestId('announcement-text')
      .getByText(/群公告/)
      .waitFor();
    // the robot itself is listed, but cannot be removed (it quits instead)
    await page.getByTestId(`member-${ROBOT_WXID}`).waitFor();
    expect(await page.getByTestId(`member-${ROBOT_WXID}`).getByTestId('member-remove').count()).toBe(0);
    await rig.shot('relations-03-group', { allow: [GROUP, MEMBER] });

    await member.getByTestId('member-remove').click();
    const dialog = page.getByTestId('remove-dialog');
    await dialog.getByRole('button', { name: '移出' }).click();
    await member.getByText('已移出').waitFor();
    expect(sends('/group/removeMember').map((s) => s.body)).toEqual([
      expect.objectContaining({ chatroomId: GROUP, wxids: MEMBER }),
    ]);

    await page.getByRole('button', { name: '显示群二维码' }).click();
    await page.getByTestId('group-qr').waitFor();

    await page.getByTestId('group-quit').click();
    const quit = page.getByTestId('quit-dialog');
    // cancelling sends nothing
    await quit.getByRole('button', { name: '取消' }).click();
    await quit.waitFor({ state: 'detached' });
    expect(sends('/group/quitChatroom')).toEqual([]);
    await page.getByTestId('group-quit').click();
    await page.getByTestId('quit-dialog').getByRole('button', { name: '退出群聊' }).click();
    await page.getByText('机器人已退出群聊').waitFor();
    expect(sends('/group/quitChatroom').map((s) => s.body)).toEqual([expect.objectContaining({ chatroomId: GROUP })]);
    await rig.shot('relations-04-group-done', { allow: [GROUP, MEMBER] });
  });

  it('fits a phone, and speaks English when switched', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${rig.base}/friend-requests/${robot.id}`);
    await page.getByTestId('requests-tab-accepted').click();
    await page.getByTestId('request-wxid_xiaoming').waitFor();
    expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.goto(`${rig.base}/groups/${robot.id}?chat=${encodeURIComponent(GROUP)}`);
    await page.getByTestId(`member-${ROBOT_WXID}`).waitFor();
    // the member removed in the test before is out of the directory's list already
    expect(await page.getByTestId(`member-${MEMBER}`).count()).toBe(0);
    expect(await rig.js<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await rig.shot('relations-05-group-phone', { allow: [GROUP, MEMBER] });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: '切换语言' }).click();
    await page.getByRole('heading', { name: /^Group/, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.goto(`${rig.base}/friend-requests/${robot.id}`);
    await page.getByRole('heading', { name: /Friend requests/, level: 1 }).waitFor();
    await page.getByTestId('requests-tab-pending').getByText('Pending').waitFor();
    // back to Chinese for whatever runs next
    await page.getByRole('button', { name: 'Switch language' }).click();
    await page.getByRole('heading', { name: /好友申请/, level: 1 }).waitFor();
  });
});
