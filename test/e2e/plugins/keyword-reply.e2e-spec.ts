/**
 * KeywordReply through the real app (plugins/ as shipped, the fake Gewe, one online robot), in both queue modes:
 * rules answer with {name}, contains and regex rules, the cooldown per rule and chat, and an image answer.
 */
import { groupTextCallback } from '../../support/onebot';
import { PluginHarness, ROBOT_WXID, startPluginHarness } from '../../support/plugin-e2e';
import { describeWithRedis, QueueMode } from '../../support/services';

const ROOM = '30000000001@chatroom';

const RULES = [
  { match: 'exact', pattern: 'hello', reply: { type: 'text', text: 'Hi {name}!' } },
  { match: 'contains', pattern: 'price', reply: { type: 'text', text: 'See the price list.' } },
  { match: 'regex', pattern: '^order\\s+(\\d+)$', reply: { type: 'text', text: 'Looking up your order.' } },
  { match: 'exact', pattern: 'coupon', cooldownSeconds: 3600, reply: { type: 'text', text: 'Here is a coupon.' } },
  { match: 'contains', pattern: 'picture', reply: { type: 'image', imageUrl: 'http://img.example/cat.png' } },
  {
    match: 'exact',
    pattern: 'docs',
    reply: {
      type: 'link',
      link: {
        title: 'Docs',
        description: 'Read me',
        url: 'http://docs.example/',
        thumbUrl: 'http://img.example/t.png',
      },
    },
  },
];

/** A group text whose push text names its writer ("Alice : …"), as WeChat sends it. */
function namedGroupText(h: PluginHarness, from: string, name: string, text: string): string {
  return groupTextCallback({ appId: h.robot.appId, robotWxid: ROBOT_WXID, chatroom: ROOM, from, text }).replace(
    JSON.stringify(`${from} 在群聊中@了你`),
    JSON.stringify(`${name} : ${text}`),
  );
}

const texts = (h: PluginHarness) =>
  h.sends('/message/postText').map((s) => [s.body.toWxid, s.body.content] as [unknown, unknown]);

function suite(mode: QueueMode) {
  let h: PluginHarness;

  beforeAll(async () => {
    // one callback at a time, in order: a later message answered proves an earlier one was handled
    h = await startPluginHarness({ mode, name: 'keyword-reply', overrides: { queue: { concurrency: 1 } } });
    await h.enable('KeywordReply', { rules: RULES });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  beforeEach(() => h.fake.clearLogs());

  it('answers an exact rule with the sender’s name, in a group and in a private chat', async () => {
    expect(await h.post(namedGroupText(h, 'wxid_alice01', 'Alice', 'hello'))).toBe(200);
    await h.waitSends(1, '/message/postText');
    expect(await h.privateText('wxid_bob02', 'Hello')).toBe(200);
    await h.waitSends(2, '/message/postText');
    expect(texts(h)).toEqual([
      [ROOM, 'Hi Alice!'],
      ['wxid_bob02', 'Hi wxid_bob02!'],
    ]);
  });

  it('answers contains and regex rules, and not a text no rule matches', async () => {
    await h.groupText(ROOM, 'wxid_carol03', 'hello there'); // "hello" is exact only: no answer
    await h.groupText(ROOM, 'wxid_carol03', 'what is the PRICE of it?');
    await h.privateText('wxid_dave04', 'order 1234');
    await h.waitSends(2, '/message/postText');
    await h.privateText('wxid_dave04', 'hello');
    await h.waitSends(3, '/message/postText');
    expect(texts(h)).toEqual([
      [ROOM, 'See the price list.'],
      ['wxid_dave04', 'Looking up your order.'],
      ['wxid_dave04', 'Hi wxid_dave04!'],
    ]);
  });

  it('keeps a rule silent in a chat during its cooldown, while other chats and rules still answer', async () => {
    await h.groupText(ROOM, 'wxid_erin05', 'coupon');
    await h.waitSends(1, '/message/postText');
    await h.groupText(ROOM, 'wxid_frank06', 'coupon'); // inside the cooldown in this group
    await h.privateText('wxid_erin05', 'coupon'); // another chat: its own cooldown
    await h.groupText(ROOM, 'wxid_frank06', 'price?'); // handled after the second coupon
    await h.waitSends(3, '/message/postText');
    expect(texts(h)).toEqual([
      [ROOM, 'Here is a coupon.'],
      ['wxid_erin05', 'Here is a coupon.'],
      [ROOM, 'See the price list.'],
    ]);
  });

  it('answers a link rule through Gewe’s postLink', async () => {
    await h.privateText('wxid_hank08', 'docs');
    const [link] = await h.waitSends(1, '/message/postLink');
    expect(link.body).toMatchObject({
      toWxid: 'wxid_hank08',
      title: 'Docs',
      desc: 'Read me',
      linkUrl: 'http://docs.example/',
      thumbUrl: 'http://img.example/t.png',
    });
  });

  it('answers an image rule through Gewe’s postImage', async () => {
    await h.groupText(ROOM, 'wxid_gina07', 'send me a picture');
    const [image] = await h.waitSends(1, '/message/postImage');
    expect(image.body).toMatchObject({ toWxid: ROOM, imgUrl: 'http://img.example/cat.png' });
    await h.privateText('wxid_gina07', 'hello');
    await h.waitSends(1, '/message/postText');
    expect(h.sends('/message/postImage')).toHaveLength(1);
  });
}

describe('KeywordReply e2e (simple queue)', () => suite('simple'));
describeWithRedis('KeywordReply e2e (advanced queue)', () => suite('advanced'));
