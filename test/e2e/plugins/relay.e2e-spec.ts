/**
 * Relay end to end: the real app on plugins/, the fake Gewe, one online robot, in both queue modes. A text of group
 * A arrives in group B with the sender's name before it; a both-way route does not bounce it back (the fake echoes
 * the robot's sends as its own messages) nor relays a text another relay wrote; an image goes with forwardImage and
 * its own XML; a denied sender is not relayed.
 */
import { FakeGewe } from '../../fake-gewe/fake-gewe';
import { newMsgId } from '../../support/onebot';
import { dispatched, groupMessage, IMAGE_XML } from '../../support/plugin-callbacks';
import { PluginHarness, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, type QueueMode } from '../../support/services';
import { describeE2E } from '../../support/test-app';

const A = '1111111111@chatroom';
const B = '2222222222@chatroom';
const C = '3333333333@chatroom';

function relaySuite(mode: QueueMode) {
  let h: PluginHarness;

  beforeAll(async () => {
    h = await startPluginHarness({ mode, name: 'relay', fake: new FakeGewe({ syncSends: true }) });
    await h.enable('Relay', {
      routes: [
        { from: A, to: [B], bothWays: true, denySenders: ['wxid_muted'] },
        { from: C, to: [B], kinds: ['image'], prefix: '<{name}> ' },
      ],
    });
  });
  afterAll(() => h?.close());

  it('relays a text of group A to group B with the sender name, and a both-way route does not loop', async () => {
    const id = newMsgId();
    await h.post(groupMessage(h, { room: A, from: 'wxid_alice', name: 'Alice', content: '大家好', id }));
    const [sent] = await h.waitSends(1, '/message/postText');
    expect(sent.body).toMatchObject({ toWxid: B, content: '[Alice] 大家好' });
    const results = await dispatched(h, A, id);
    expect(results.find((r) => r.plugin === 'Relay')).toMatchObject({
      status: 'ok',
      notes: [{ relay: 'sent', kind: 'text', to: [B] }],
    });

    // the fake echoes the relayed text into B as the robot's own message: that one is never relayed back to A;
    // nor is a text another robot relayed into B (it already carries a prefix: the hop limit)
    const relayedByOther = newMsgId();
    await h.post(
      groupMessage(h, {
        room: B,
        from: 'wxid_other_bot',
        name: 'Bot2',
        content: '[Carol] 转发来的',
        id: relayedByOther,
      }),
    );
    expect((await dispatched(h, B, relayedByOther)).find((r) => r.plugin === 'Relay')?.notes).toEqual([
      { relay: 'skipped', reason: 'hop_limit', hops: 1, maxHops: 1 },
    ]);
    // a person's message in B goes back to A: the route is both ways
    const back = newMsgId();
    await h.post(groupMessage(h, { room: B, from: 'wxid_bob', name: 'Bob', content: '收到', id: back }));
    await dispatched(h, B, back);
    const texts = h.sends('/message/postText').map((s) => [s.body.toWxid, s.body.content]);
    expect(texts).toEqual([
      [B, '[Alice] 大家好'],
      [A, '[Bob] 收到'],
    ]);
  });

  it('forwards an image with forwardImage and its own XML, after a line with the sender name', async () => {
    const before = h.sends('/message/postText').length;
    const id = newMsgId();
    await h.post(groupMessage(h, { room: C, from: 'wxid_dave', name: 'Dave', msgType: 3, content: IMAGE_XML, id }));
    const [fwd] = await h.waitSends(1, '/message/forwardImage');
    expect(fwd.body.toWxid).toBe(B);
    expect(fwd.body.xml).toBe(IMAGE_XML);
    expect(
      h
        .sends('/message/postText')
        .slice(before)
        .map((s) => [s.body.toWxid, s.body.content]),
    ).toEqual([[B, '<Dave>']]);
    // the C route carries images only
    const text = newMsgId();
    await h.post(groupMessage(h, { room: C, from: 'wxid_dave', name: 'Dave', content: 'only text', id: text }));
    expect((await dispatched(h, C, text)).find((r) => r.plugin === 'Relay')?.notes).toBeUndefined();
    expect(h.sends('/message/postText')).toHaveLength(before + 1);
  });

  it('does not relay a denied sender', async () => {
    const before = h.sends().length;
    const id = newMsgId();
    await h.post(groupMessage(h, { room: A, from: 'wxid_muted', name: 'Muted', content: '不要转发', id }));
    const results = await dispatched(h, A, id);
    expect(results.find((r) => r.plugin === 'Relay')).toMatchObject({ status: 'ok' });
    expect(results.find((r) => r.plugin === 'Relay')?.notes).toBeUndefined();
    expect(h.sends()).toHaveLength(before);
  });
}

describeE2E('Relay plugin, simple queue', () => relaySuite('simple'));
describeE2E('Relay plugin, advanced queue', () =>
  describeWithRedis('BullMQ on the real Redis', () => relaySuite('advanced')),
);
