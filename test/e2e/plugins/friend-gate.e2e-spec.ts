/**
 * FriendGate through the real app (plugins/ as shipped, the fake Gewe, one online robot), in both queue modes: a
 * matching request is accepted with its tickets, greeted and invited; one that matches nothing is declined (recorded,
 * never accepted); the daily cap stops the request after it.
 */
import { PluginRecordsStore } from '../../../src/plugin/plugin-records.store';
import { friendRequestCallback, ticketsOf } from '../../support/friend-requests';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, QueueMode } from '../../support/services';
import { waitFor } from '../../support/wait';

const GROUP = '50000000001@chatroom';
const CAP = 3;

function suite(mode: QueueMode) {
  let h: PluginHarness;
  const ask = (wxid: string, content: string, nickname = wxid) =>
    h.post(friendRequestCallback({ appId: h.robot.appId, robotWxid: ROBOT_WXID, wxid, nickname, content }));
  const accepts = () => h.sends('/contacts/addContacts').map((s) => s.body);
  const declined = (wxid: string) =>
    waitFor(
      async () => {
        const list = await h.t.app.get(PluginRecordsStore).forPlugin('FriendGate').list('declined');
        return list.find((r) => r.chatId === wxid) ?? null;
      },
      undefined,
      `the declined record of ${wxid}`,
    );

  beforeAll(async () => {
    h = await startPluginHarness({ mode, name: 'friend-gate' });
    await h.enable('FriendGate', {
      keywords: ['OpenGewe'],
      dailyCap: CAP,
      greeting: 'Hi {name}, welcome!',
      greetingDelaySeconds: 0,
      inviteGroups: [GROUP],
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('accepts a matching request with its tickets, then greets the new friend and invites them', async () => {
    expect(await ask('wxid_ann001', '我是 opengewe 的用户', 'Ann')).toBe(200);
    const [greeting] = await h.waitSends(1, '/message/postText', 'the greeting');
    expect(accepts()).toEqual([
      expect.objectContaining({ scene: 6, option: 3, ...ticketsOf('wxid_ann001'), content: '' }),
    ]);
    expect(greeting.body).toMatchObject({ toWxid: 'wxid_ann001', content: 'Hi Ann, welcome!' });
    // greeted once the contact exists: after Gewe accepted the request
    expect(greeting.at).toBeGreaterThanOrEqual(h.sends('/contacts/addContacts')[0].at);
    const [invite] = await h.waitSends(1, '/group/inviteMember', 'the invite');
    expect(invite.body).toMatchObject({ chatroomId: GROUP, wxids: 'wxid_ann001' });
    const accepted = await h.t.app.get(PluginRecordsStore).forPlugin('FriendGate').list('accepted');
    expect(accepted).toEqual([
      expect.objectContaining({
        chatId: 'wxid_ann001',
        robotId: h.robot.id,
        data: expect.objectContaining({ reason: 'keyword' }),
      }),
    ]);
  });

  it('declines a request that matches no rule: recorded for the operator, never accepted', async () => {
    expect(await ask('wxid_bob002', 'hello')).toBe(200);
    const record = await declined('wxid_bob002');
    expect(record.data).toMatchObject({ wxid: 'wxid_bob002', content: 'hello', reason: 'no_match' });
    expect(accepts().filter((b) => b.v3 === ticketsOf('wxid_bob002').v3)).toEqual([]);
  });

  it(`stops at the daily cap of ${CAP}: the request after it is declined and not accepted`, async () => {
    for (const w of ['wxid_cap01', 'wxid_cap02']) expect(await ask(w, 'OpenGewe')).toBe(200);
    await waitFor(() => (accepts().length >= CAP ? true : null), undefined, `${CAP} accepts`);
    expect(await ask('wxid_cap03', 'OpenGewe')).toBe(200);
    const record = await declined('wxid_cap03');
    expect(record.data).toMatchObject({ reason: 'daily_cap', cap: CAP });
    expect(accepts().map((b) => b.v3)).toEqual(expect.not.arrayContaining([ticketsOf('wxid_cap03').v3]));
    expect(accepts()).toHaveLength(CAP);
  });
}

describe('FriendGate e2e (simple queue)', () => suite('simple'));
describeWithRedis('FriendGate e2e (advanced queue)', () => suite('advanced'));
