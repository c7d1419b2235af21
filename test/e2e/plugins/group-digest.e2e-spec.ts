/**
 * GroupDigest end to end, in both queue modes: group messages are logged, then "#群总结" in the group gets a digest
 * in statistics mode (AiChat is not enabled) with the right counts and the members' names; and ctx.history (the
 * message log's HistorySource on PluginPorts) reads a chat's messages oldest first, the newest `limit` of them.
 */
import { PluginPorts } from '../../../src/plugin/plugin-ports';
import { newMsgId } from '../../support/onebot';
import { dispatched, groupMessage } from '../../support/plugin-callbacks';
import { PluginHarness, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, type QueueMode } from '../../support/services';
import { bearer, describeE2E } from '../../support/test-app';

const ROOM = '5555555555@chatroom';
const OTHER = '6666666666@chatroom';
const TZ = 'Asia/Shanghai';

function digestSuite(mode: QueueMode) {
  let h: PluginHarness;

  beforeAll(async () => {
    h = await startPluginHarness({ mode, name: 'digest', overrides: { plugins: { timezone: TZ } } });
    await h.enable('GroupDigest');
  });
  afterAll(() => h?.close());

  /** Posts a group text and waits until it is logged and dispatched. */
  async function say(room: string, from: string, name: string, content: string) {
    const id = newMsgId();
    await h.post(groupMessage(h, { room, from, name, content, id }));
    await dispatched(h, room, id);
  }

  it('answers the command with statistics: message count, most active members by name, busiest hour', async () => {
    const before = new Date();
    await say(ROOM, 'wxid_alice', 'Alice', '今天开会吗？');
    await say(ROOM, 'wxid_bob', 'Bob', '下午三点');
    await say(ROOM, 'wxid_alice', 'Alice', '好的');
    await say(OTHER, 'wxid_dave', 'Dave', '别的群');
    await say(ROOM, 'wxid_carol', 'Carol', '收到');
    await say(ROOM, 'wxid_alice', 'Alice', '会议室见');
    await say(ROOM, 'wxid_bob', 'Bob', '👌');

    await h.post(groupMessage(h, { room: ROOM, from: 'wxid_carol', name: 'Carol', content: '#群总结' }));
    const [sent] = await h.waitSends(1, '/message/postText', 'the digest');
    expect(sent.body.toWxid).toBe(ROOM);
    const hour = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', hourCycle: 'h23' }).format(before),
    );
    const after = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', hourCycle: 'h23' }).format(new Date()),
    );
    const text = String(sent.body.content);
    expect(text.split('\n').slice(0, 6)).toEqual([
      '📊 最近 24 小时群聊统计',
      '消息总数：6 条，3 人发言',
      '最活跃成员：',
      '1. Alice：3 条',
      '2. Bob：2 条',
      '3. Carol：1 条',
    ]);
    // all were written within this hour (or the next, when the test crossed it)
    const span = (x: number) => `${String(x).padStart(2, '0')}:00–${String((x + 1) % 24).padStart(2, '0')}:00`;
    expect(text.split('\n')[6]).toMatch(new RegExp(`^最热闹的时段：(${span(hour)}|${span(after)})`));
  });

  it('ctx.history reads a chat from the log: oldest first, the newest `limit`, names from the push text', async () => {
    const history = h.t.app.get(PluginPorts).history!;
    const since = new Date(Date.now() - 3_600_000);
    const all = await history.recent(h.robot.id, ROOM, { since, limit: 2000 });
    // people's messages (the robot's own digest is there too once plugin sends are logged as its own)
    expect(all.filter((m) => !m.isSelf).map((m) => [m.senderName, m.text])).toEqual([
      ['Alice', '今天开会吗？'],
      ['Bob', '下午三点'],
      ['Alice', '好的'],
      ['Carol', '收到'],
      ['Alice', '会议室见'],
      ['Bob', '👌'],
      ['Carol', '#群总结'],
    ]);
    expect(all.filter((m) => m.isSelf).every((m) => m.senderName === null)).toBe(true);
    expect(all[0]).toMatchObject({
      kind: 'text',
      senderWxid: 'wxid_alice',
      isSelf: false,
      createTime: expect.any(Number),
    });
    const last2 = await history.recent(h.robot.id, ROOM, { since, limit: 2 });
    expect(last2.map((m) => m.id)).toEqual(all.slice(-2).map((m) => m.id));
    expect(await history.recent(h.robot.id, ROOM, { since: new Date(Date.now() + 60_000), limit: 10 })).toEqual([]);
    expect((await history.recent(h.robot.id, OTHER, { since, limit: 10 })).map((m) => m.senderName)).toEqual(['Dave']);
  });

  it('sends the digest to the configured groups on its schedule (the job run now)', async () => {
    await h.enable('GroupDigest', { scheduleCron: '* * * * *', scheduleGroups: [ROOM], language: 'en' });
    const run = await h.t
      .http()
      .post('/api/plugins/GroupDigest/jobs/scheduled/run?wait=true')
      .set(bearer(h.admin))
      .expect(200);
    expect(run.body).toMatchObject({ plugin: 'GroupDigest', job: 'scheduled', status: 'ok' });
    const sends = await h.waitSends(2, '/message/postText', 'the scheduled digest');
    expect(sends[1].body.toWxid).toBe(ROOM);
    expect(String(sends[1].body.content).split('\n').slice(0, 3)).toEqual([
      'Group digest — the last 24 hours',
      'Messages: 6, from 3 members',
      'Most active:',
    ]);
  });
}

describeE2E('GroupDigest plugin, simple queue', () => digestSuite('simple'));
describeE2E('GroupDigest plugin, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => digestSuite('advanced')),
);
