/**
 * GroupWelcome through the real app (plugins/ as shipped, the fake Gewe, one online robot), in both queue modes: a join
 * gets one welcome that @s the newcomer; a burst of joins in one group gets one welcome naming them all; a removal
 * notice. The merge window is 1 second.
 */
import { joinCallback, kickCallback, NoticeMember } from '../../support/group-notices';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, QueueMode } from '../../support/services';

const IMAGE = 'http://img.example/welcome.png';
const INVITER = { wxid: 'wxid_owner01', nickname: '群主' };
const member = (n: number): NoticeMember => ({ wxid: `wxid_new${n}`, nickname: `新人${n}` });

function suite(mode: QueueMode) {
  let h: PluginHarness;
  const join = (room: string, joined: NoticeMember[]) =>
    h.post(joinCallback({ appId: h.robot.appId, robotWxid: ROBOT_WXID, room, inviter: INVITER, joined }));
  const welcomes = (room: string) => h.sends('/message/postText').filter((s) => s.body.toWxid === room);

  beforeAll(async () => {
    h = await startPluginHarness({ mode, name: 'group-welcome' });
    await h.enable('GroupWelcome', { mergeWindowSeconds: 1, kickNotice: true, imageUrl: IMAGE });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  beforeEach(() => h.fake.clearLogs());

  it('welcomes one member who joins with one message that @s them, then the image', async () => {
    const room = '40000000001@chatroom';
    expect(await join(room, [member(1)])).toBe(200);
    const [welcome] = await h.waitSends(1, '/message/postText', 'the welcome');
    expect(welcome.body).toMatchObject({ toWxid: room, content: '欢迎 @新人1 加入本群！', ats: 'wxid_new1' });
    const [image] = await h.waitSends(1, '/message/postImage', 'the welcome image');
    expect(image.body).toMatchObject({ toWxid: room, imgUrl: IMAGE });
    expect(image.at).toBeGreaterThanOrEqual(welcome.at);
  });

  it('merges a burst of three joins in one group into one welcome naming all three', async () => {
    const room = '40000000002@chatroom';
    const later = '40000000003@chatroom';
    expect(await Promise.all([join(room, [member(2)]), join(room, [member(3)]), join(room, [member(4)])])).toEqual([
      200, 200, 200,
    ]);
    await h.waitSends(1, '/message/postText', 'the merged welcome');
    // a join in another group after the burst: its welcome comes once the burst's batch was flushed, so a second
    // welcome of the burst's group would be there by now
    expect(await join(later, [member(5)])).toBe(200);
    await h.waitSends(2, '/message/postText', 'the later welcome');
    const [merged] = welcomes(room);
    expect(welcomes(room)).toHaveLength(1);
    expect(merged.body.ats).toEqual(expect.any(String));
    expect(String(merged.body.ats).split(',').sort()).toEqual(['wxid_new2', 'wxid_new3', 'wxid_new4']);
    for (const n of ['@新人2', '@新人3', '@新人4']) expect(merged.body.content).toContain(n);
    expect(welcomes(later).map((s) => s.body.content)).toEqual(['欢迎 @新人5 加入本群！']);
  });

  it('posts a notice when a member is removed', async () => {
    const room = '40000000004@chatroom';
    const kicked = { wxid: 'wxid_gone01', nickname: '捣乱者' };
    expect(await h.post(kickCallback({ appId: h.robot.appId, robotWxid: ROBOT_WXID, room, kicked: [kicked] }))).toBe(
      200,
    );
    const [notice] = await h.waitSends(1, '/message/postText', 'the removal notice');
    expect(notice.body).toMatchObject({ toWxid: room, content: '捣乱者 已被移出群聊。' });
    expect(notice.body).not.toHaveProperty('ats');
  });
}

describe('GroupWelcome e2e (simple queue)', () => suite('simple'));
describeWithRedis('GroupWelcome e2e (advanced queue)', () => suite('advanced'));
