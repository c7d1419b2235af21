import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../callback/classify';
import type { GeweEvent } from '../callback/events';
import { parseJsonBigSafe } from '../common/bigint-json';
import { metaEvent, toOneBotEvents, type TranslateContext } from './onebot-events';
import { DEFAULT_SETTINGS, type IdMapper, type MessageRef, type OneBotEvent, type OneBotId } from './onebot.types';
import { decodeRequestFlag } from './request-flag';
import { parseMessage } from './segments';

interface Sample {
  label: string;
  kind?: string;
  payload: Record<string, unknown>;
}

const FAKE_GEWE = join(__dirname, '..', '..', 'test', 'fake-gewe');
const SAMPLES = parseJsonBigSafe(readFileSync(join(FAKE_GEWE, 'callbacks.json'), 'utf8')) as Sample[];
const EDGE = parseJsonBigSafe(readFileSync(join(FAKE_GEWE, 'edge-callbacks.json'), 'utf8')) as Sample[];

/** The account the official samples were delivered to (their `Wxid` is the other side's). */
const ROBOT = 'wxid_0xsqb3o0tsvz22';
const PEER = 'wxid_phyyedw9xap22';
const SELF_ID = 10_000;

/** Aliases from counters, as the real mapper allocates them from a sequence. */
class FakeIds implements IdMapper {
  readonly mode = 'alias' as const;
  readonly users = new Map<string, number>();
  readonly groups = new Map<string, number>();
  readonly messages = new Map<string, { alias: number; ref: MessageRef }>();

  user(wxid: string): Promise<OneBotId> {
    if (!this.users.has(wxid)) this.users.set(wxid, 1000 + this.users.size);
    return Promise.resolve(this.users.get(wxid)!);
  }
  group(chatId: string): Promise<OneBotId> {
    if (!this.groups.has(chatId)) this.groups.set(chatId, 2000 + this.groups.size);
    return Promise.resolve(this.groups.get(chatId)!);
  }
  message(ref: MessageRef): Promise<OneBotId> {
    if (!this.messages.has(ref.newMsgId)) this.messages.set(ref.newMsgId, { alias: 3000 + this.messages.size, ref });
    return Promise.resolve(this.messages.get(ref.newMsgId)!.alias);
  }
  userWxid(id: unknown): Promise<string | null> {
    return Promise.resolve([...this.users].find(([, a]) => String(a) === String(id))?.[0] ?? null);
  }
  groupChatId(id: unknown): Promise<string | null> {
    return Promise.resolve([...this.groups].find(([, a]) => String(a) === String(id))?.[0] ?? null);
  }
  messageRef(id: unknown): Promise<MessageRef | null> {
    return Promise.resolve([...this.messages.values()].find((m) => String(m.alias) === String(id))?.ref ?? null);
  }
}

function context(ids: FakeIds, opts: { postSelf?: boolean } = {}): TranslateContext {
  return {
    ids,
    selfId: SELF_ID,
    settings: { ...DEFAULT_SETTINGS, robotId: 7, enabled: true, postSelf: opts.postSelf ?? false },
    messageLogId: 55,
    mediaUrl: (kind) => `https://gw.example/onebot/media/7/55/${kind}`,
    names: (wxid) =>
      Promise.resolve(
        wxid === 'wxid_alice7788' ? { nickname: 'Alice', card: '小爱' } : { nickname: `nick-${wxid}`, card: null },
      ),
  };
}

/** A sample as the robot that received it sees it (`Wxid` dropped: the robot's own wxid is used). */
function event(label: string, robotWxid = ROBOT): GeweEvent {
  const sample = [...SAMPLES, ...EDGE].find((s) => s.label === label);
  if (!sample) throw new Error(`no sample ${label}`);
  const { Wxid: _ignored, ...payload } = sample.payload;
  return classify(payload, { id: 7, appId: 'wx_app', wxid: robotWxid });
}

async function one(ev: GeweEvent, ctx: TranslateContext = context(new FakeIds())): Promise<OneBotEvent> {
  const out = await toOneBotEvents(ev, ctx);
  expect(out).toHaveLength(1);
  return out[0];
}

describe('toOneBotEvents: messages', () => {
  it('turns a private text into message.private.friend with the sender, CQ raw_message and the wx extension', async () => {
    const ids = new FakeIds();
    const ev = event('文本消息');
    const out = await one(ev, context(ids));
    expect(out).toMatchObject({
      time: 1705043418,
      self_id: SELF_ID,
      post_type: 'message',
      message_type: 'private',
      sub_type: 'friend',
      user_id: ids.users.get(PEER),
      message: [{ type: 'text', data: { text: '123' } }],
      raw_message: '123',
      font: 0,
      to_me: true,
      sender: { user_id: ids.users.get(PEER), nickname: `nick-${PEER}`, wxid: PEER },
      wx: { kind: 'text', msgType: 1, newMsgId: '7773749793478223190', chatId: PEER, senderWxid: PEER },
    });
    expect(typeof out.message_id).toBe('number');
    expect(ids.messages.get('7773749793478223190')?.ref).toEqual({
      robotId: 7,
      newMsgId: '7773749793478223190',
      msgId: '1040356095',
      createTime: 1705043418,
      chatId: PEER,
      messageLogId: 55,
    });
  });

  it('turns a group text that @-mentions the robot into message.group.normal with an at of self_id first and to_me', async () => {
    const ids = new FakeIds();
    const out = await one(event('群聊 @ 两个人，最后一个没有分隔符'), context(ids));
    expect(out).toMatchObject({
      post_type: 'message',
      message_type: 'group',
      sub_type: 'normal',
      group_id: ids.groups.get('34757816141@chatroom'),
      user_id: ids.users.get('wxid_alice7788'),
      to_me: true,
      sender: { nickname: 'Alice', card: '小爱', role: 'member', wxid: 'wxid_alice7788' },
    });
    expect(out.message).toEqual([
      { type: 'at', data: { qq: String(SELF_ID), wxid: ROBOT } },
      { type: 'at', data: { qq: String(ids.users.get('wxid_bob2233')), wxid: 'wxid_bob2233' } },
    ]);
    expect(out.raw_message).toBe(
      `[CQ:at,qq=${SELF_ID},wxid=${ROBOT}][CQ:at,qq=${ids.users.get('wxid_bob2233')},wxid=wxid_bob2233]`,
    );
  });

  it('keeps the text of a group message with its mention markup removed', async () => {
    const out = await one(event('群聊 @ 机器人在句末'));
    expect(out.message).toEqual([
      { type: 'at', data: { qq: String(SELF_ID), wxid: ROBOT } },
      { type: 'text', data: { text: '明天几点开会？' } },
    ]);
  });

  it('writes @所有人 as an at of "all", and a group message without a mention of the robot is not to_me', async () => {
    const group = event('群聊 @ 机器人在句末');
    const ev: GeweEvent = {
      ...group,
      mentions: ['notify@all'],
      mentionsAll: true,
      mentionsSelf: false,
      text: '开会了',
    };
    const out = await one(ev);
    expect(out.message).toEqual([
      { type: 'at', data: { qq: 'all' } },
      { type: 'text', data: { text: '开会了' } },
    ]);
    expect(out.to_me).toBe(false);
  });

  it('posts what the robot sent itself as message_sent only when postSelf is on', async () => {
    const mine = event('文本消息', PEER); // the sample as the account that sent it sees it
    expect(mine.isSelf).toBe(true);
    const ids = new FakeIds();
    expect(await toOneBotEvents(mine, context(ids))).toEqual([]);
    const out = await one(mine, context(ids, { postSelf: true }));
    expect(out).toMatchObject({
      post_type: 'message_sent',
      message_type: 'private',
      user_id: SELF_ID,
      target_id: ids.users.get(ROBOT),
      to_me: false,
      message: [{ type: 'text', data: { text: '123' } }],
    });
  });

  it('takes the sender’s nickname from WeChat’s notification text when no name is known', async () => {
    const ctx = { ...context(new FakeIds()), names: undefined };
    expect((await one(event('文本消息'), ctx)).sender).toMatchObject({ nickname: '朝夕。' });
    expect((await one(event('群聊 @ 机器人在句末'), ctx)).sender).toMatchObject({ nickname: 'Alice', card: '' });
  });

  it('answers an official account as a private message of sub_type other', async () => {
    const ev: GeweEvent = { ...event('文本消息'), chatId: 'gh_6651e07e4b2d', senderWxid: 'gh_6651e07e4b2d' };
    expect(await one(ev)).toMatchObject({ message_type: 'private', sub_type: 'other' });
  });

  it.each([
    ['图片消息', 'image', '6906713067183447582.jpg'],
    ['语音消息', 'record', '1428830975092239121.silk'],
    ['视频消息', 'video', '6628526085342711793.mp4'],
  ])('turns %s into a %s segment with the URL we serve', async (label, type, file) => {
    const out = await one(event(label));
    expect(out.message).toEqual([{ type, data: { file, url: `https://gw.example/onebot/media/7/55/${type}` } }]);
    expect(out.raw_message).toBe(`[CQ:${type},file=${file},url=https://gw.example/onebot/media/7/55/${type}]`);
  });

  it('turns a file into a file segment with its name and size, and skips the notice that comes before it', async () => {
    const out = await one(event('文件消息（文件发送完成）'));
    expect(out.message).toEqual([
      {
        type: 'file',
        data: { file: 'hhh.xlsx', name: 'hhh.xlsx', size: '8939', url: 'https://gw.example/onebot/media/7/55/file' },
      },
    ]);
    expect(await toOneBotEvents(event('文件消息（发送文件的通知）'), context(new FakeIds()))).toEqual([]);
  });

  it('turns a sticker into an image of sub_type 1 from WeChat’s CDN', async () => {
    const out = await one(event('emoji表情'));
    expect(out.message).toEqual([
      {
        type: 'image',
        data: expect.objectContaining({
          file: 'cc56728d56c730ddae52baffe941ed86.gif',
          sub_type: '1',
          url: expect.stringMatching(/^http:\/\/wxapp\.tc\.qq\.com\//),
        }),
      },
    ]);
  });

  it('turns a link into a share segment and a name card into a contact segment', async () => {
    const link = await one(event('公众号链接'));
    expect(link.message).toEqual([
      {
        type: 'share',
        data: {
          url: expect.stringMatching(/^http:\/\/mp\.weixin\.qq\.com\/s\?/),
          title: '尔滨，又有好消息！',
          content: '',
          image: expect.stringMatching(/^https:\/\/mmbiz\.qpic\.cn\//),
        },
      },
    ]);
    const card = await one(event('名片消息'));
    expect(card.message).toEqual([
      { type: 'contact', data: { type: 'wx', id: expect.stringMatching(/^v3_.*@stranger$/), nickname: 'Ashley' } },
    ]);
  });

  it('turns a quote into a reply to the quoted message’s alias and the new text', async () => {
    const ids = new FakeIds();
    const out = await one(event('引用消息'), context(ids));
    const quoted = ids.messages.get('3617029648443513152');
    expect(quoted?.ref).toMatchObject({ robotId: 7, newMsgId: '3617029648443513152', chatId: PEER });
    expect(out.message).toEqual([
      { type: 'reply', data: { id: String(quoted?.alias) } },
      { type: 'text', data: { text: '看看这个' } },
    ]);
    expect(out.raw_message).toBe(`[CQ:reply,id=${quoted?.alias}]看看这个`);
  });

  it('makes a group quote of the robot’s message to_me', async () => {
    const ev = event('群聊引用：chatusr 是被引用的人，fromusr 是群');
    expect((await one(ev)).to_me).toBe(false);
    const quotingMe: GeweEvent = { ...ev, details: { ...ev.details, quotedSender: ROBOT } };
    expect((await one(quotingMe)).to_me).toBe(true);
  });

  it.each([
    ['转账消息', '[转账] ￥0.10'],
    ['红包消息', '[红包] 恭喜发财，大吉大利'],
    ['地理位置', '[位置] 北京天安门广场 北京市东城区东长安街 (39.90374, 116.397827)'],
    ['小程序消息', '[小程序] 腾讯云助手'],
    ['视频号消息', '[视频号] 国风锦鲤: 还招人么？我不要工资#逆水寒cos'],
  ])('describes %s in Chinese text and keeps its raw kind in wx', async (label, text) => {
    const ev = event(label);
    const out = await one(ev);
    expect(out.message).toEqual([{ type: 'text', data: { text } }]);
    expect(out.wx).toMatchObject({ kind: ev.kind, msgType: ev.msgType });
  });
});

describe('toOneBotEvents: notices and requests', () => {
  it('turns a revoke into friend_recall with the alias of the revoked message', async () => {
    const ids = new FakeIds();
    const out = await one(event('撤回消息'), context(ids));
    expect(out).toMatchObject({
      post_type: 'notice',
      notice_type: 'friend_recall',
      user_id: ids.users.get(PEER),
      message_id: ids.messages.get('5576224237104747184')?.alias,
    });
  });

  it('turns a revoke in a group into group_recall with the operator', async () => {
    const ids = new FakeIds();
    const ev: GeweEvent = {
      ...event('撤回消息'),
      isGroup: true,
      chatId: '34757816141@chatroom',
      senderWxid: 'wxid_alice7788',
    };
    const out = await one(ev, context(ids));
    expect(out).toMatchObject({
      notice_type: 'group_recall',
      group_id: ids.groups.get('34757816141@chatroom'),
      user_id: ids.users.get('wxid_alice7788'),
      operator_id: ids.users.get('wxid_alice7788'),
      message_id: ids.messages.get('5576224237104747184')?.alias,
    });
  });

  it('turns a pat into notify.poke with the patted member as target', async () => {
    const ids = new FakeIds();
    const out = await one(event('拍一拍消息'), context(ids));
    expect(out).toMatchObject({
      notice_type: 'notify',
      sub_type: 'poke',
      user_id: ids.users.get(PEER),
      target_id: SELF_ID,
    });
    expect(out).not.toHaveProperty('group_id');
  });

  it('turns a kick into group_decrease kick with the operator, one per member', async () => {
    const ids = new FakeIds();
    const out = await one(event('踢出群聊通知'), context(ids));
    expect(out).toMatchObject({
      notice_type: 'group_decrease',
      sub_type: 'kick',
      group_id: ids.groups.get('34757816141@chatroom'),
      user_id: ids.users.get('wxid_8pvka4jg6qzt22'),
      operator_id: SELF_ID,
    });
  });

  it('turns the robot’s removal into group_decrease kick_me, and leaving a group into leave', async () => {
    expect(await one(event('被移除群聊通知'))).toMatchObject({
      notice_type: 'group_decrease',
      sub_type: 'kick_me',
      user_id: SELF_ID,
      operator_id: 0,
    });
    expect(await one(event('退出群聊'))).toMatchObject({
      notice_type: 'group_decrease',
      sub_type: 'leave',
      user_id: SELF_ID,
      operator_id: SELF_ID,
    });
  });

  it('turns joins into group_increase: invite with the inviter, approve without one', async () => {
    const ids = new FakeIds();
    const ctx = context(ids);
    const invited = await toOneBotEvents(
      event('English template: "$username$" invited "$names$" to the group chat'),
      ctx,
    );
    expect(invited).toEqual([
      expect.objectContaining({
        notice_type: 'group_increase',
        sub_type: 'invite',
        user_id: ids.users.get('wxid_n1new'),
        operator_id: ids.users.get('wxid_alice7788'),
      }),
      expect.objectContaining({ notice_type: 'group_increase', user_id: ids.users.get('wxid_n2new') }),
    ]);
    const joined = await one(event('English: "X" joined the group chat'), ctx);
    // WeChat named the member but gave no wxid
    expect(joined).toMatchObject({ sub_type: 'approve', user_id: 0, operator_id: 0, wx: { nickname: 'Dave' } });
  });

  it('turns the robot being pulled into a group into group_increase of self_id', async () => {
    const out = await one(event('English template: "$username$" invited you to a group chat with $others$'));
    expect(out).toMatchObject({ notice_type: 'group_increase', sub_type: 'invite', user_id: SELF_ID });
  });

  it('turns "你已添加了…" into friend_add', async () => {
    const ids = new FakeIds();
    const base = event('文本消息');
    const ev: GeweEvent = { ...base, kind: 'system', msgType: 10000, text: '你已添加了朝夕。，现在可以开始聊天了。' };
    expect(await one(ev, context(ids))).toMatchObject({ notice_type: 'friend_add', user_id: ids.users.get(PEER) });
  });

  it('turns a friend request into request.friend whose flag holds v3, v4 and scene', async () => {
    const ids = new FakeIds();
    const ev = event('好友添加请求通知');
    const out = await one(ev, context(ids));
    expect(out).toMatchObject({
      post_type: 'request',
      request_type: 'friend',
      user_id: ids.users.get(PEER),
      comment: '我是朝夕。',
    });
    expect(decodeRequestFlag(out.flag as string)).toEqual({
      kind: 'friend',
      data: { v3: ev.details.encryptUsername, v4: ev.details.ticket, scene: 6 },
    });
  });

  it('turns a group invite card into request.group invite whose flag holds the invite URL', async () => {
    const ids = new FakeIds();
    const ev = event('群聊邀请');
    const out = await one(ev, context(ids));
    expect(out).toMatchObject({
      post_type: 'request',
      request_type: 'group',
      sub_type: 'invite',
      user_id: ids.users.get(PEER),
      comment: '"朝夕。"邀请你加入群聊"Dromara-SMS4J短信融合"，进入可查看详情。',
    });
    expect(decodeRequestFlag(out.flag as string)).toEqual({
      kind: 'group',
      data: { url: ev.details.url, inviter: PEER },
    });
  });

  it('posts WeChat-only group notices as wx_ notices', async () => {
    expect(await one(event('修改群名称'))).toMatchObject({
      notice_type: 'wx_group_rename',
      detail: { newName: 'GeWe test1' },
    });
  });

  it.each([
    '好友通过验证及好友资料变更的通知消息',
    '群信息变更通知',
    '群待办',
    '掉线通知',
    'functionmsg：没有可读的句子',
  ])('posts nothing for %s', async (label) => {
    expect(await toOneBotEvents(event(label), context(new FakeIds()))).toEqual([]);
  });

  it('gives every message, notice and request the wx extension, and every message string data its raw_message reads back as', async () => {
    const ctx = context(new FakeIds());
    for (const sample of [...SAMPLES, ...EDGE]) {
      const ev = event(sample.label);
      for (const out of await toOneBotEvents(ev, ctx)) {
        expect(out.wx).toEqual(expect.objectContaining({ kind: ev.kind, msgType: ev.msgType, chatId: ev.chatId }));
        expect(typeof out.time).toBe('number');
        expect(out.self_id).toBe(SELF_ID);
        if (out.post_type !== 'message') continue;
        // every data value a string (as go-cqhttp sends them), and raw_message reads back as the same segments
        const segments = out.message as { type: string; data: Record<string, unknown> }[];
        for (const seg of segments) for (const v of Object.values(seg.data)) expect(typeof v).toBe('string');
        expect(parseMessage(out.raw_message)).toEqual(segments);
      }
    }
  });
});

describe('metaEvent', () => {
  it('builds a lifecycle event', () => {
    expect(metaEvent(SELF_ID, 'lifecycle', { subType: 'connect' })).toMatchObject({
      self_id: SELF_ID,
      post_type: 'meta_event',
      meta_event_type: 'lifecycle',
      sub_type: 'connect',
    });
  });

  it('builds a heartbeat with the robot’s online state and the interval', () => {
    const beat = metaEvent(SELF_ID, 'heartbeat', { online: false, intervalMs: 5000 });
    expect(beat).toMatchObject({
      post_type: 'meta_event',
      meta_event_type: 'heartbeat',
      status: { online: false, good: false },
      interval: 5000,
    });
    expect(metaEvent(SELF_ID, 'heartbeat', { online: true }).status).toMatchObject({ online: true, good: true });
  });
});
