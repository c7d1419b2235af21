import { readFileSync } from 'node:fs';
import { parseCsv } from '../support/csv';
import { groupTextCallback } from '../support/onebot';
import { textCallback } from '../support/samples';
import { waitFor } from '../support/wait';
import { describeBrowser, logIn, startConsole, type ConsoleRig } from './support';

/**
 * The conversations screen in chromium against the real service and the fake Gewe: the chat list with unread badges,
 * a group's history, a text with an @ picked from the members sent through the governor (the fake Gewe receives
 * postText with the `ats`), the robot's own message on the right, and a CSV export downloaded. Screenshots go to
 * screenshots/conversations-*.
 */
jest.setTimeout(180_000); // a guard against a hang, generous for a busy machine

const ROBOT_WXID = 'wxid_conv_browser_bot';
/** The fake Gewe's canned group and a member of it with a group display name (synced into the directory). */
const ROOM = '34757816141@chatroom';
const MEMBER = 'wxid_fake_alice01';
const MEMBER_NAME = 'Alice(群名片)';

describeBrowser('the conversations screen of the console in a browser', () => {
  let rig: ConsoleRig;
  let admin: string;
  let robot: { id: number; appId: string; key: string };
  const bearer = () => ({ Authorization: `Bearer ${admin}` });
  const post = async (body: string) => {
    const res = await fetch(`${rig.base}/api/webhook?key=${encodeURIComponent(robot.key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
  };
  /** The governor's count of the robot's sends so far. */
  const governed = async () => {
    const depth = (await rig.t.http().get('/api/queue').set(bearer()).expect(200)).body as {
      sends: { robotId: number; sent: number }[];
    };
    return depth.sends.find((s) => s.robotId === robot.id)?.sent ?? 0;
  };

  beforeAll(async () => {
    rig = await startConsole({ overrides: { directory: { sync_pause: '0ms' } } });
    const { t, fake } = rig;
    admin = await rig.adminToken();
    const created = (
      await t
        .http()
        .post('/api/robots')
        .set(bearer())
        .send({ name: '会话机器人', baseUrl: rig.gewe.baseUrl, token: fake.issueToken(), isGewe: false })
        .expect(201)
    ).body;
    await t.http().post(`/api/robots/${created.id}/login`).set(bearer()).expect(200);
    const appId = (await t.http().get(`/api/robots/${created.id}`).set(bearer())).body.appId as string;
    fake.confirm(appId, { wxid: ROBOT_WXID, nickName: '会话机器人' });
    await waitFor(
      async () => (await t.http().get(`/api/robots/${created.id}/status`).set(bearer())).body.status === 'online',
      8000,
      'the robot online',
    );
    robot = { id: created.id, appId, key: new URL(created.callbackUrl as string).searchParams.get('key')! };
    await t.http().post(`/api/robots/${robot.id}/directory/sync`).set(bearer()).expect(202);
    await waitFor(
      async () => (await t.http().get(`/api/robots/${robot.id}/directory/sync`).set(bearer())).body.state === 'done',
      undefined,
      'the directory synced',
    );
    await logIn(rig);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });
  afterEach(() => {
    // what the page logged is the first thing to read when a step fails
    if (rig?.consoleErrors.length) process.stderr.write(`page errors:\n${rig.consoleErrors.join('\n')}\n`);
  });

  it('lists the chats with unread badges and opens a group with its history', async () => {
    const { page, base } = rig;
    await post(
      textCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        from: 'wxid_friend_li',
        text: '老李的私聊',
        newMsgId: '7400000000000000001',
      }),
    );
    await post(
      groupTextCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        chatroom: ROOM,
        from: MEMBER,
        text: '群里的第一条',
        newMsgId: '7400000000000000002',
      }),
    );
    await post(
      groupTextCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        chatroom: ROOM,
        from: MEMBER,
        text: '群里的第二条',
        newMsgId: '7400000000000000003',
      }),
    );
    await waitFor(
      async () =>
        (
          (await rig.t.http().get(`/api/robots/${robot.id}/conversations`).set(bearer()).expect(200)).body
            .items as unknown[]
        ).length === 2,
      undefined,
      'two conversations logged',
    );

    // from the robot's page
    await page.goto(`${base}/robots/${robot.id}`);
    await page.getByTestId('robot-conversations-link').click();
    await page.getByRole('heading', { name: '会话 · 会话机器人', level: 1 }).waitFor();
    const room = page.getByTestId(`conversation-${ROOM}`);
    await room.waitFor();
    expect(await room.getByTestId('unread').textContent()).toBe('2');
    expect(await page.getByTestId('conversation-wxid_friend_li').getByTestId('unread').textContent()).toBe('1');
    await rig.shot('conversations-01-list', { allow: ['wxid_friend_li', MEMBER, MEMBER_NAME, ROOM] });
    await room.getByText('Fake 测试群').waitFor();

    await room.click();
    const thread = page.getByTestId('thread');
    await thread.getByText('群里的第一条').waitFor();
    await thread.getByText('群里的第二条').waitFor();
    // opening it read it: the badge goes
    await room.getByTestId('unread').waitFor({ state: 'detached' });
    expect(await page.getByTestId('conversation-wxid_friend_li').getByTestId('unread').count()).toBe(1);
  });

  it('sends a text with an @ picked from the members, through the governor, and shows it on the right', async () => {
    const { page } = rig;
    const before = await governed();
    const box = page.getByRole('form', { name: '发送消息' });
    await box.getByLabel('消息内容').fill('请看一下 ');
    await box.getByRole('button', { name: '@ 提及' }).click();
    await box.getByLabel('按名字搜索群成员').first().fill('Alice');
    await box.getByRole('option').getByRole('button', { name: MEMBER_NAME }).click();
    expect(await box.getByLabel('消息内容').inputValue()).toBe(`请看一下 @${MEMBER_NAME}\u2005`);
    await box.getByTestId('mentions').waitFor();
    await box.getByRole('button', { name: '发送', exact: true }).click();

    const sent = await waitFor(
      () => rig.fake.sends('/message/postText').find((s) => s.body.toWxid === ROOM) ?? null,
      undefined,
      'the text on the fake Gewe',
    );
    expect(sent.body).toMatchObject({ content: `请看一下 @${MEMBER_NAME}\u2005`, ats: MEMBER });
    expect(await governed()).toBe(before + 1);

    // the robot's own message, on the right, in the thread (the log has it at once, sent by the console's user)
    const mine = page.getByTestId('thread').locator('[data-self="true"]');
    await mine.getByText(`请看一下 @${MEMBER_NAME}`).waitFor();
    await mine.getByTestId('message-sent-by').waitFor();
    await page.getByTestId('sending').waitFor({ state: 'detached' });
    await rig.shot('conversations-02-sent', { allow: [MEMBER, MEMBER_NAME, ROOM, 'admin'] });
  });

  it('shows a message arriving in the open chat live, and counts one arriving in another', async () => {
    const { page } = rig;
    await post(
      groupTextCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        chatroom: ROOM,
        from: MEMBER,
        text: '实时到达的一条',
        newMsgId: '7400000000000000004',
      }),
    );
    await page.getByTestId('thread').getByText('实时到达的一条').waitFor();
    await post(
      textCallback({
        appId: robot.appId,
        robotWxid: ROBOT_WXID,
        from: 'wxid_friend_li',
        text: '老李又来了',
        newMsgId: '7400000000000000005',
      }),
    );
    await waitFor(
      async () => (await page.getByTestId('conversation-wxid_friend_li').getByTestId('unread').textContent()) === '2',
      undefined,
      'the other chat counting two unread',
    );
  });

  it('downloads the chat as CSV with Chinese headers', async () => {
    const { page } = rig;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.thread-head').getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const text = readFileSync(await download.path(), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toContain('内容');
    const content = header.indexOf('内容');
    expect(rows.map((r) => r[content])).toEqual([
      '群里的第一条',
      '群里的第二条',
      `请看一下 @${MEMBER_NAME}\u2005`,
      '实时到达的一条',
    ]);
    expect(rows.every((r) => r[header.indexOf('会话名称')] === 'Fake 测试群')).toBe(true);
  });
});
