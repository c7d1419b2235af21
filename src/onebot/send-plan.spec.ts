import { classify } from '../callback/classify';
import type { SentMessage } from '../gewe/modules/message.api';
import type { RobotClient } from '../gewe/robot-client';
import type { MediaKind } from './onebot-media';
import { ActionError, RETCODE, type IdMapper, type MessageRef, type OneBotId, type Segment } from './onebot.types';
import { parseMessage } from './segments';
import { executeSend, planSend, sentBefore, type GeweSend, type PlanContext } from './send-plan';

const ROOM = '34757816141@chatroom';

/** Aliases known beforehand: 1001 Alice, 1002 Bob (no name anywhere), 3001 a message. */
class FakeIds implements IdMapper {
  readonly mode = 'alias' as const;
  readonly users: Record<string, string> = { '1001': 'wxid_alice7788', '1002': 'wxid_bob2233' };
  readonly refs: Record<string, MessageRef> = {
    '3001': {
      robotId: 7,
      newMsgId: '3617029648443513152',
      msgId: '1040356107',
      createTime: 1705044119,
      chatId: ROOM,
      messageLogId: 12,
    },
  };
  user(): Promise<OneBotId> {
    throw new Error('not used');
  }
  group(): Promise<OneBotId> {
    throw new Error('not used');
  }
  message(): Promise<OneBotId> {
    throw new Error('not used');
  }
  userWxid(id: unknown): Promise<string | null> {
    const key = String(id);
    return Promise.resolve(this.users[key] ?? (key.startsWith('wxid_') ? key : null));
  }
  groupChatId(): Promise<string | null> {
    return Promise.resolve(null);
  }
  messageRef(id: unknown): Promise<MessageRef | null> {
    return Promise.resolve(this.refs[String(id)] ?? null);
  }
}

function ctx(isGroup: boolean): PlanContext & { hosted: [string, MediaKind][] } {
  const hosted: [string, MediaKind][] = [];
  return {
    hosted,
    ids: new FakeIds(),
    chatId: isGroup ? ROOM : 'wxid_alice7788',
    isGroup,
    memberName: (wxid) => Promise.resolve(wxid === 'wxid_alice7788' ? '小爱' : null),
    hostMedia: (source, kind) => {
      hosted.push([source, kind]);
      return Promise.resolve(source.startsWith('http') ? source : `https://gw.example/onebot/out/${hosted.length}`);
    },
    quoted: (ref) =>
      Promise.resolve(
        ref.newMsgId === '3617029648443513152'
          ? { fromWxid: 'wxid_bob2233', displayName: 'Bob', content: '明天 <10点> 开会 & 吃饭', msgType: 1 }
          : null,
      ),
  };
}

describe('planSend', () => {
  it('sends at + text + image in a group as one postText with ats and "@Name ", then one postImage', async () => {
    const c = ctx(true);
    const plan = await planSend(parseMessage('[CQ:at,qq=1001] 你好[CQ:image,file=base64://iVBORw0KGgo=]'), c);
    expect(plan).toEqual<GeweSend[]>([
      { kind: 'text', content: '@小爱 你好', ats: ['wxid_alice7788'] },
      { kind: 'image', url: 'https://gw.example/onebot/out/1' },
    ]);
    expect(c.hosted).toEqual([['base64://iVBORw0KGgo=', 'image']]);
  });

  it('names an @ from the segment, else the member lookup, else the wxid; @all is notify@all', async () => {
    const plan = await planSend(
      [
        { type: 'at', data: { qq: 'all' } },
        { type: 'at', data: { qq: 1002 } },
        { type: 'at', data: { qq: '1001', name: 'Alice' } },
        { type: 'at', data: { qq: 1002 } },
        { type: 'text', data: { text: '看这里' } },
        { type: 'face', data: { id: 14 } },
        { type: 'face', data: { id: '17' } },
        { type: 'face', data: { id: 1, name: '/捂脸' } },
      ],
      ctx(true),
    );
    expect(plan).toEqual([
      {
        kind: 'text',
        content: '@所有人 @wxid_bob2233 @Alice @wxid_bob2233 看这里[微笑][表情][捂脸]',
        ats: ['notify@all', 'wxid_bob2233', 'wxid_alice7788'],
      },
    ]);
  });

  it('writes an @ in a private chat as text only', async () => {
    const plan = await planSend(parseMessage('[CQ:at,qq=1001] hi'), ctx(false));
    expect(plan).toEqual([{ kind: 'text', content: '@小爱 hi', ats: [] }]);
  });

  it('sends a reply as a type 57 quote whose title is the text that follows', async () => {
    const c = ctx(true);
    const [send, ...rest] = await planSend(parseMessage('[CQ:reply,id=3001]收到 & 好的'), c);
    expect(rest).toEqual([]);
    expect(send?.kind).toBe('appmsg');
    const xml = (send as { xml: string }).xml;
    expect(xml.startsWith('<appmsg')).toBe(true);
    expect(xml.endsWith('</appmsg>')).toBe(true);
    // WeChat's own quote, read back by the classifier, is the quote we meant
    const ev = classify(
      {
        TypeName: 'AddMsg',
        Appid: 'wx_app',
        Data: {
          MsgId: 1,
          NewMsgId: '99',
          FromUserName: { string: ROOM },
          ToUserName: { string: 'wxid_bot' },
          MsgType: 49,
          Content: { string: `wxid_alice7788:\n<msg>${xml}</msg>` },
          CreateTime: 1705046000,
        },
      },
      { id: 7, appId: 'wx_app', wxid: 'wxid_bot' },
    );
    expect(ev.kind).toBe('quote');
    expect(ev.text).toBe('收到 & 好的');
    expect(ev.details).toMatchObject({
      quotedMsgId: '3617029648443513152',
      quotedType: '1',
      quotedSender: 'wxid_bob2233',
      quotedChat: ROOM,
      quotedDisplayName: 'Bob',
      quotedContent: '明天 <10点> 开会 & 吃饭',
    });
  });

  it('makes the same quote XML as the official sample’s shape in a private chat (fromusr is the writer)', async () => {
    const c = {
      ...ctx(false),
      quoted: () => Promise.resolve({ fromWxid: 'wxid_a', displayName: 'A', content: 'x', msgType: 1 }),
    };
    const [send] = await planSend(parseMessage('[CQ:reply,id=3001]ok'), c);
    expect((send as { xml: string }).xml).toContain('<fromusr>wxid_a</fromusr><chatusr>wxid_a</chatusr>');
  });

  it('drops a reply to a message it does not know, keeping the text', async () => {
    expect(await planSend(parseMessage('[CQ:reply,id=999]hi'), ctx(true))).toEqual([
      { kind: 'text', content: 'hi', ats: [] },
    ]);
  });

  it('plans record, video, file, share, contact and xml with their defaults', async () => {
    const c = ctx(true);
    const segs: Segment[] = [
      { type: 'record', data: { file: 'https://x.example/a.silk', duration: '3' } },
      { type: 'record', data: { file: 'file:///tmp/b.silk' } },
      { type: 'video', data: { file: 'https://x.example/v.mp4', thumb: 'https://x.example/t.jpg', duration: 12 } },
      { type: 'file', data: { file: 'https://x.example/files/%E6%8A%A5%E5%91%8A.pdf' } },
      { type: 'file', data: { file: 'base64://AAAA', name: 'a.txt' } },
      { type: 'share', data: { url: 'https://x.example/p', title: 'T', content: 'D', image: 'https://x.example/i' } },
      { type: 'contact', data: { type: 'wx', id: '1001' } },
      { type: 'xml', data: { data: '<msg><appmsg><title>x</title><type>3</type></appmsg></msg>' } },
      { type: 'json', data: { data: '{}' } },
      { type: 'poke', data: { qq: 1 } },
    ];
    expect(await planSend(segs, c)).toEqual<GeweSend[]>([
      { kind: 'voice', url: 'https://x.example/a.silk', durationMs: 3000 },
      { kind: 'voice', url: 'https://gw.example/onebot/out/2', durationMs: 1000 },
      {
        kind: 'video',
        url: 'https://x.example/v.mp4',
        thumbUrl: 'https://x.example/t.jpg',
        durationSeconds: 12,
      },
      { kind: 'file', url: 'https://x.example/files/%E6%8A%A5%E5%91%8A.pdf', fileName: '报告.pdf' },
      { kind: 'file', url: 'https://gw.example/onebot/out/6', fileName: 'a.txt' },
      { kind: 'link', title: 'T', desc: 'D', linkUrl: 'https://x.example/p', thumbUrl: 'https://x.example/i' },
      { kind: 'card', wxid: 'wxid_alice7788', nickname: '小爱' },
      { kind: 'appmsg', xml: '<appmsg><title>x</title><type>3</type></appmsg>' },
    ]);
    expect(c.hosted.map(([, kind]) => kind)).toEqual(['record', 'record', 'video', 'image', 'file', 'file']);
  });

  it('sends an inbound image segment back from its url (its file is only a name)', async () => {
    const c = ctx(true);
    const plan = await planSend([{ type: 'image', data: { file: '123.jpg', url: 'https://gw.example/m/1' } }], c);
    expect(plan).toEqual([{ kind: 'image', url: 'https://gw.example/m/1' }]);
  });

  it.each([[[]], [[{ type: 'text', data: { text: '  ' } }]], [[{ type: 'json', data: { data: '{}' } }]]])(
    'refuses a message with nothing to send (%j) with 1400',
    async (segs) => {
      const err = await planSend(segs as Segment[], ctx(true)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActionError);
      expect((err as ActionError).retcode).toBe(RETCODE.BAD_REQUEST);
    },
  );
});

describe('executeSend', () => {
  function sent(n: number): SentMessage {
    return { toWxid: ROOM, createTime: 1705046000 + n, msgId: String(n), newMsgId: `9${n}` };
  }

  /** A Gewe message API that records calls, and fails the call numbered `failAt`. */
  function fakeGewe(failAt?: number): { gewe: RobotClient; calls: unknown[][] } {
    const calls: unknown[][] = [];
    const record =
      (name: string) =>
      (...args: unknown[]): Promise<SentMessage> => {
        calls.push([name, ...args]);
        return calls.length === failAt
          ? Promise.reject(new Error('Gewe said no'))
          : Promise.resolve(sent(calls.length));
      };
    const message = Object.fromEntries(
      ['postText', 'postImage', 'postFile', 'postVideo', 'postVoice', 'postLink', 'postAppMsg', 'postNameCard'].map(
        (name) => [name, record(name)],
      ),
    );
    return { gewe: { message } as unknown as RobotClient, calls };
  }

  const plan: GeweSend[] = [
    { kind: 'text', content: '@小爱 hi', ats: ['wxid_alice7788'] },
    { kind: 'text', content: 'plain', ats: [] },
    { kind: 'image', url: 'https://i' },
    { kind: 'file', url: 'https://f', fileName: 'f.txt' },
    { kind: 'video', url: 'https://v', thumbUrl: 'https://t', durationSeconds: 4 },
    { kind: 'voice', url: 'https://s', durationMs: 2000 },
    { kind: 'link', title: 'T', desc: 'D', linkUrl: 'https://l', thumbUrl: 'https://th' },
    { kind: 'appmsg', xml: '<appmsg/>' },
    { kind: 'card', wxid: 'wxid_x', nickname: 'X' },
  ];

  it('makes the calls in order and resolves with what each sent', async () => {
    const { gewe, calls } = fakeGewe();
    const result = await executeSend(gewe, ROOM, plan);
    expect(calls).toEqual([
      ['postText', ROOM, '@小爱 hi', ['wxid_alice7788']],
      ['postText', ROOM, 'plain', undefined],
      ['postImage', ROOM, 'https://i'],
      ['postFile', ROOM, 'https://f', 'f.txt'],
      ['postVideo', ROOM, 'https://v', 'https://t', 4],
      ['postVoice', ROOM, 'https://s', 2000],
      ['postLink', ROOM, { title: 'T', desc: 'D', linkUrl: 'https://l', thumbUrl: 'https://th' }],
      ['postAppMsg', ROOM, '<appmsg/>'],
      ['postNameCard', ROOM, 'X', 'wxid_x'],
    ]);
    expect(result).toEqual(plan.map((_, i) => sent(i + 1)));
  });

  it('stops at the first failure and rejects with its error, carrying what was sent before it', async () => {
    const { gewe, calls } = fakeGewe(3);
    const err = await executeSend(gewe, ROOM, plan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('Gewe said no');
    expect(sentBefore(err)).toEqual([sent(1), sent(2)]);
    expect(calls).toHaveLength(3);
  });

  it('carries what was sent on an error of its own when the failure is not an object it can mark', async () => {
    const { gewe } = fakeGewe();
    const message = gewe.message as unknown as Record<string, unknown>;
    message.postImage = () => Promise.reject(Object.freeze(new Error('frozen')));
    const err = await executeSend(gewe, ROOM, plan).catch((e: unknown) => e);
    expect((err as Error).message).toBe('frozen');
    expect(sentBefore(err)).toEqual([sent(1), sent(2)]);
  });
});
