import { Logger } from '@nestjs/common';
import type { MessageEntity } from '../message-log/message.entity';
import type { MessageLogService, SentRecord } from '../message-log/message-log.service';
import type { RobotEntity } from '../robot/robot.entity';
import type { RobotService } from '../robot/robot.service';
import type { MessengerFactory } from '../sending/messenger.factory';
import type { SendGovernor } from '../sending/send-governor';
import { NO_WECHAT_MEANING, OneBotActions } from './onebot.actions';
import type { OneBotIdStore } from './onebot-ids.service';
import type { OneBotMedia } from './onebot-media';
import type { OneBotSettingsService } from './onebot-settings.service';
import { ActionError, DEFAULT_SETTINGS } from './onebot.types';
import type { ActionResponse, ClientInfo, IdMapper, MessageRef, OneBotId } from './onebot.types';

// The request flags and the events of the other parts as plain fakes of their contracts; messages are parsed and
// planned by the real segments and send plan.
jest.mock('./request-flag', () => ({
  decodeRequestFlag: (flag: string) => {
    if (flag === 'friend-ok') return { kind: 'friend', data: { v3: 'v3_x', v4: 'v4_x', scene: 30, wxid: 'wxid_new' } };
    if (flag === 'group-ok') return { kind: 'group', data: { url: 'https://support.weixin.qq.com/invite' } };
    return null;
  },
}));
jest.mock('./onebot-events', () => ({
  toOneBotEvents: () =>
    Promise.resolve([
      {
        time: 1700000000,
        self_id: 1,
        post_type: 'message',
        message_type: 'group',
        sender: { user_id: 11, nickname: 'Alice' },
        message: [{ type: 'text', data: { text: 'hello' } }],
        raw_message: 'hello',
      },
    ]),
}));

const ROBOT_WXID = 'wxid_robot';
const CLIENT: ClientInfo = { id: 'fws-1', transport: 'forward-ws', remote: '127.0.0.1:5000', tokenName: 'koishi' };

/** Aliases from a counter, as the id store allocates them; raw ids are accepted back as they are. */
class FakeIds implements IdMapper {
  readonly mode = 'alias' as const;
  private next = 100;
  private readonly byId = new Map<number, string>();
  private readonly byRaw = new Map<string, number>();
  readonly refs = new Map<number, MessageRef>();

  private alias(raw: string): number {
    let a = this.byRaw.get(raw);
    if (a === undefined) {
      a = this.next++;
      this.byRaw.set(raw, a);
      this.byId.set(a, raw);
    }
    return a;
  }

  private raw(id: unknown): string | null {
    if (typeof id === 'number' || (typeof id === 'string' && /^\d+$/.test(id)))
      return this.byId.get(Number(id)) ?? null;
    return typeof id === 'string' ? id : null;
  }

  user(wxid: string): Promise<OneBotId> {
    return Promise.resolve(this.alias(wxid));
  }
  group(chatId: string): Promise<OneBotId> {
    return Promise.resolve(this.alias(chatId));
  }
  message(ref: MessageRef): Promise<OneBotId> {
    const a = this.alias(`msg:${ref.newMsgId}`);
    this.refs.set(a, ref);
    return Promise.resolve(a);
  }
  userWxid(id: unknown): Promise<string | null> {
    return Promise.resolve(this.raw(id));
  }
  groupChatId(id: unknown): Promise<string | null> {
    return Promise.resolve(this.raw(id));
  }
  messageRef(id: unknown): Promise<MessageRef | null> {
    return Promise.resolve(this.refs.get(Number(id)) ?? null);
  }
}

/** Gewe as the governed client shows it: every call recorded, answers from small tables. */
function fakeGewe(calls: string[]) {
  let n = 0;
  const sent = (to: string) => ({ toWxid: to, msgId: String(++n), newMsgId: `9000000000000000${n}`, createTime: 1700 });
  const members = {
    memberList: [
      { wxid: ROBOT_WXID, nickName: 'Bot', displayName: null },
      { wxid: 'wxid_alice', nickName: 'Alice', displayName: 'Alice in group' },
      { wxid: 'wxid_owner', nickName: 'Owner', displayName: null },
    ],
    chatroomOwner: 'wxid_owner',
    adminWxid: ['wxid_alice'],
  };
  const rec =
    <T>(name: string, answer: (...a: never[]) => T) =>
    (...args: never[]) => {
      calls.push(`${name} ${JSON.stringify(args)}`);
      return Promise.resolve(answer(...args));
    };
  return {
    message: {
      postText: rec('postText', (to: string) => sent(to)),
      postImage: rec('postImage', (to: string) => sent(to)),
      postNameCard: rec('postNameCard', (to: string) => sent(to)),
      forwardImage: rec('forwardImage', (to: string) => sent(to)),
      revokeMsg: rec('revokeMsg', () => undefined),
    },
    contact: {
      fetchContactsListCache: rec('fetchContactsListCache', () => ({
        friends: ['wxid_alice', 'weixin', 'wxid_bob'],
        chatrooms: ['1@chatroom'],
        ghs: [],
      })),
      fetchContactsList: rec('fetchContactsList', () => ({ friends: [], chatrooms: [], ghs: [] })),
      getBriefInfo: rec('getBriefInfo', (wxids: string[]) =>
        wxids.map((w) => ({ userName: w, nickName: `nick ${w}`, remark: w === 'wxid_bob' ? 'Bobby' : null, sex: 2 })),
      ),
      addContacts: rec('addContacts', () => undefined),
      setFriendRemark: rec('setFriendRemark', () => undefined),
    },
    group: {
      getChatroomInfo: rec('getChatroomInfo', (id: string) => {
        if (id === 'gone@chatroom') throw new Error('Gewe: 群聊不存在');
        return { chatroomId: id, nickName: 'Group one', ...members };
      }),
      getChatroomMemberList: rec('getChatroomMemberList', () => members),
      getChatroomMemberDetail: rec('getChatroomMemberDetail', () => []),
      removeMember: rec('removeMember', () => undefined),
      quitChatroom: rec('quitChatroom', () => undefined),
      disbandChatroom: rec('disbandChatroom', () => undefined),
      modifyChatroomName: rec('modifyChatroomName', () => undefined),
      modifyChatroomNickNameForSelf: rec('modifyChatroomNickNameForSelf', () => undefined),
      adminOperate: rec('adminOperate', () => undefined),
      agreeJoinRoom: rec('agreeJoinRoom', () => ({})),
      getChatroomAnnouncement: rec('getChatroomAnnouncement', () => ({
        announcement: 'Be nice',
        announcementEditor: 'wxid_owner',
        publishTime: 1690,
      })),
      setChatroomAnnouncement: rec('setChatroomAnnouncement', () => undefined),
      inviteMember: rec('inviteMember', () => undefined),
    },
  };
}

function setup(status = 'online') {
  const calls: string[] = [];
  const robot = { id: 1, appId: 'wx_app', wxid: ROBOT_WXID, nickname: 'Bot', status } as unknown as RobotEntity;
  const gewe = fakeGewe(calls);
  const ids = new FakeIds();
  const recorded: SentRecord[] = [];
  const rows = new Map<number, Partial<MessageEntity>>();
  const hosted: string[] = [];
  const robots = { findById: (id: number) => Promise.resolve(id === 1 ? robot : null) };
  const messengers = { forRobot: () => ({ gewe }) };
  const governor = { report: () => [{ robotId: 1, queued: 3, sent: 5, delayed: 1, totalDelayMs: 40 }] };
  const messages = {
    recordSent: (r: SentRecord) => {
      recorded.push(r);
      return Promise.resolve(500 + recorded.length);
    },
    entity: (id: number) => {
      const row = rows.get(id);
      return row ? Promise.resolve(row as MessageEntity) : Promise.reject(new Error('no row'));
    },
    groupChats: () => Promise.resolve(['1@chatroom', '2@chatroom']),
  };
  const settings = { get: (robotId: number) => Promise.resolve({ ...DEFAULT_SETTINGS, robotId }) };
  const idStore = { mapper: () => ids };
  const media = {
    host: (source: string) => {
      if (source.startsWith('file://')) return Promise.reject(new ActionError(1400, 'file: outside onebot.file_roots'));
      hosted.push(source);
      return Promise.resolve(source.startsWith('http') ? source : 'http://10.0.0.1:5433/onebot/v11/media/h/x.png');
    },
    inbound: (r: number, m: number, k: string) => `http://10.0.0.1:5433/onebot/v11/media/m/${r}/${m}/${k}?exp=1&sig=s`,
    parseInbound: (url: string) =>
      url.includes('/media/m/1/7/image') ? { robotId: 1, messageLogId: 7, kind: 'image' } : null,
    inboundFile: () => Promise.resolve({ path: '/data/files/ab/abc.jpg', contentType: 'image/jpeg', name: 'abc.jpg' }),
  };
  const actions = new OneBotActions(
    robots as unknown as RobotService,
    messengers as unknown as MessengerFactory,
    governor as unknown as SendGovernor,
    messages as unknown as MessageLogService,
    settings as unknown as OneBotSettingsService,

    idStore as unknown as OneBotIdStore,
    media as unknown as OneBotMedia,
  );
  const call = (action: string, params: Record<string, unknown> = {}, echo?: unknown, robotId = 1) =>
    actions.handle(robotId, { action, params, ...(echo === undefined ? {} : { echo }) }, CLIENT);
  return { actions, call, calls, ids, recorded, rows, robot, hosted, gewe };
}

const ok = (data: unknown): Partial<ActionResponse> => ({ status: 'ok', retcode: 0, data });

describe('OneBotActions', () => {
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  describe('answers in the standard shape', () => {
    it('copies echo back, on success and on failure', async () => {
      const { call } = setup();
      expect(await call('get_version_info', {}, { n: 1 })).toEqual({
        status: 'ok',
        retcode: 0,
        data: { app_name: 'OpenGewe', app_version: expect.any(String), protocol_version: 'v11' },
        echo: { n: 1 },
      });
      expect(await call('set_group_ban', {}, 'e2')).toMatchObject({ status: 'failed', retcode: 1404, echo: 'e2' });
    });

    it.each(NO_WECHAT_MEANING.map((a) => [a]))('answers %s with 1404 without calling Gewe', async (action) => {
      const { call, calls } = setup();
      const r = await call(action, { group_id: 1, user_id: 2 });
      expect(r).toMatchObject({
        status: 'failed',
        retcode: 1404,
        data: null,
        message: expect.stringContaining(action),
      });
      expect(calls).toEqual([]);
    });

    it('answers an unknown action, and an unknown action with _async, with 1404', async () => {
      const { call } = setup();
      expect(await call('make_coffee')).toMatchObject({ status: 'failed', retcode: 1404 });
      expect(await call('make_coffee_async')).toMatchObject({ status: 'failed', retcode: 1404 });
      expect(await call('__proto__')).toMatchObject({ status: 'failed', retcode: 1404 });
    });

    it('answers _async and _rate_limited at once with async, and runs the action in the background', async () => {
      const { call, calls, recorded } = setup();
      expect(await call('send_private_msg_async', { user_id: 'wxid_alice', message: 'hi' }, 'a')).toEqual({
        status: 'async',
        retcode: 1,
        data: null,
        echo: 'a',
      });
      expect(await call('send_group_msg_rate_limited', { group_id: '1@chatroom', message: 'yo' })).toMatchObject({
        status: 'async',
        retcode: 1,
      });
      await waitUntil(() => recorded.length === 2);
      expect(calls).toEqual(
        expect.arrayContaining([`postText ["wxid_alice","hi",null]`, `postText ["1@chatroom","yo",null]`]),
      );
    });

    it('logs a background action that fails instead of answering it', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const { call } = setup('offline');
      expect(await call('send_private_msg_async', { user_id: 'wxid_alice', message: 'hi' })).toMatchObject({
        status: 'async',
      });
      await waitUntil(() => warn.mock.calls.some((c) => String(c[1]).includes('deferred')));
    });
  });

  describe('bad parameters and failures', () => {
    it.each([
      ['send_private_msg', { message: 'hi' }, 'user_id'],
      ['send_private_msg', { user_id: 'wxid_alice' }, 'message'],
      ['send_group_msg', { message: 'hi' }, 'group_id'],
      ['send_msg', { message_type: 'channel', user_id: 1, message: 'x' }, 'message_type'],
      ['send_msg', { message: 'x' }, 'user_id'],
      ['send_private_msg', { user_id: 99999, message: 'hi' }, 'user_id'],
      ['send_private_msg', { user_id: 'wxid_alice', message: { not: 'a message' } }, 'message'],
      ['send_private_msg', { user_id: 'wxid_alice', message: '' }, 'message'],
      ['delete_msg', {}, 'message_id'],
      ['get_msg', { message_id: 4242 }, 'message_id'],
      ['set_group_kick', { group_id: '1@chatroom' }, 'user_id'],
      ['set_group_name', { group_id: '1@chatroom' }, 'group_name'],
      ['set_group_card', { group_id: '1@chatroom', user_id: 'wxid_alice', card: 'x' }, 'user_id'],
      ['set_group_leave', { group_id: '1@chatroom', is_dismiss: 'maybe' }, 'is_dismiss'],
      ['set_friend_add_request', { flag: 'forged' }, 'flag'],
      ['set_friend_add_request', { flag: 'group-ok' }, 'flag'],
      ['set_group_add_request', { flag: 'friend-ok' }, 'flag'],
      ['get_image', { file: 'http://elsewhere/x.jpg' }, 'file'],
      ['wx_revoke_msg', { user_id: 'wxid_alice', msg_id: 'x', new_msg_id: '1', create_time: 1 }, 'msg_id'],
      ['wx_invite_group_member', { group_id: '1@chatroom' }, 'user_ids'],
      ['wx_forward_msg', { message_id: 1, user_id: 'wxid_alice' }, 'message_id'],
      ['wx_send_name_card', { user_id: 'wxid_alice' }, 'card_user_id'],
    ])('%s %j → 1400 naming %s', async (action, params, name) => {
      const { call, calls } = setup();
      const r = await call(action, params);
      expect(r).toMatchObject({ status: 'failed', retcode: 1400, data: null });
      expect(r.message).toMatch(new RegExp(`^${name}\\b`));
      expect(calls.filter((c) => !c.startsWith('get'))).toEqual([]);
    });

    it('answers 100 for a Gewe action while the robot is offline, without calling Gewe', async () => {
      const { call, calls } = setup('offline');
      for (const [action, params] of [
        ['send_private_msg', { user_id: 'wxid_alice', message: 'hi' }],
        ['get_group_info', { group_id: '1@chatroom' }],
        ['get_friend_list', {}],
      ] as const) {
        const r = await call(action, params);
        expect(r).toMatchObject({ status: 'failed', retcode: 100, message: expect.stringContaining('not online') });
      }
      expect(calls).toEqual([]);
    });

    it('answers 100 when Gewe refuses, with its reason', async () => {
      const { call } = setup();
      expect(await call('get_group_info', { group_id: 'gone@chatroom' })).toMatchObject({
        status: 'failed',
        retcode: 100,
        data: null,
        message: 'Gewe: 群聊不存在',
        wording: 'Gewe: 群聊不存在',
      });
    });

    it('passes an ActionError of the media host through (file:// outside the roots → 1400)', async () => {
      const { call } = setup();
      const r = await call('send_private_msg', {
        user_id: 'wxid_alice',
        message: [{ type: 'image', data: { file: 'file:///etc/passwd' } }],
      });
      expect(r).toMatchObject({ status: 'failed', retcode: 1400, message: expect.stringMatching(/^file:/) });
    });
  });

  describe('our own state', () => {
    it('get_login_info answers the robot alias, nickname and wxid', async () => {
      const { call, ids } = setup();
      const r = await call('get_login_info');
      expect(r).toMatchObject(ok({ user_id: await ids.user(ROBOT_WXID), nickname: 'Bot', wxid: ROBOT_WXID }));
    });

    it('get_status reports the real online state and the send backlog', async () => {
      expect(await setup().call('get_status')).toMatchObject(
        ok({
          online: true,
          good: true,
          stat: expect.objectContaining({ message_sent: 5 }),
          wx_status: 'online',
          wx_send_backlog: 3,
        }),
      );
      expect(await setup('offline').call('get_status')).toMatchObject(
        ok(expect.objectContaining({ online: false, good: false })),
      );
    });

    it('can_send_image and can_send_record say yes', async () => {
      const { call } = setup();
      expect(await call('can_send_image')).toMatchObject(ok({ yes: true }));
      expect(await call('can_send_record')).toMatchObject(ok({ yes: true }));
    });
  });

  describe('messages', () => {
    it('sends through the governed client, logs each send with the client, answers the first alias', async () => {
      const { call, calls, recorded, ids } = setup();
      const group = await ids.group('1@chatroom');
      const r = await call('send_group_msg', {
        group_id: group,
        message: [
          { type: 'text', data: { text: 'look' } },
          { type: 'image', data: { file: 'base64://iVBORw0KGgo=' } },
        ],
      });
      expect(r.status).toBe('ok');
      expect(calls).toEqual([
        'postText ["1@chatroom","look",null]',
        'postImage ["1@chatroom","http://10.0.0.1:5433/onebot/v11/media/h/x.png"]',
      ]);
      expect(recorded).toEqual([
        expect.objectContaining({ chatId: '1@chatroom', isGroup: true, kind: 'text', text: 'look' }),
        expect.objectContaining({ kind: 'image', text: '[image]' }),
      ]);
      expect(recorded[0].sentBy).toEqual({
        via: 'onebot',
        client: 'fws-1',
        transport: 'forward-ws',
        remote: '127.0.0.1:5000',
      });
      const { message_id } = r.data as { message_id: number };
      expect(typeof message_id).toBe('number');
      expect(await ids.messageRef(message_id)).toMatchObject({ newMsgId: recorded[0].newMsgId, messageLogId: 501 });
    });

    it('logs what went out before a send failed, then answers the failure', async () => {
      const { call, recorded, gewe } = setup();
      (gewe.message as unknown as { postImage: () => Promise<never> }).postImage = () =>
        Promise.reject(new Error('Gewe: 图片发送失败'));
      const r = await call('send_group_msg', {
        group_id: '1@chatroom',
        message: [
          { type: 'text', data: { text: 'look' } },
          { type: 'image', data: { file: 'https://example.com/a.png' } },
        ],
      });
      expect(r).toMatchObject({ status: 'failed', retcode: 100 });
      expect(recorded).toEqual([expect.objectContaining({ chatId: '1@chatroom', kind: 'text', text: 'look' })]);
    });

    it('send_msg goes where message_type or the given id says', async () => {
      const { call, calls } = setup();
      await call('send_msg', { user_id: 'wxid_alice', message: 'a' });
      await call('send_msg', { group_id: '1@chatroom', message: 'b' });
      await call('send_msg', { message_type: 'private', user_id: 'wxid_bob', group_id: '1@chatroom', message: 'c' });
      expect(calls).toEqual([
        'postText ["wxid_alice","a",null]',
        'postText ["1@chatroom","b",null]',
        'postText ["wxid_bob","c",null]',
      ]);
    });

    it('delete_msg recalls an own send with the ids behind its alias', async () => {
      const { call, calls, rows } = setup();
      const sent = await call('send_private_msg', { user_id: 'wxid_alice', message: 'oops' });
      rows.set(501, { id: 501, isSelf: true });
      expect(await call('delete_msg', { message_id: (sent.data as { message_id: number }).message_id })).toMatchObject(
        ok(null),
      );
      expect(calls[1]).toBe('revokeMsg ["wxid_alice","1","90000000000000001",1700]');
    });

    it("delete_msg refuses somebody else's message", async () => {
      const { call, ids, rows } = setup();
      const id = await ids.message({
        robotId: 1,
        newMsgId: '77',
        msgId: '7',
        createTime: 1,
        chatId: 'wxid_alice',
        messageLogId: 9,
      });
      rows.set(9, { id: 9, isSelf: false });
      expect(await call('delete_msg', { message_id: id })).toMatchObject({ status: 'failed', retcode: 100 });
    });

    it('get_msg rebuilds a received message from the log', async () => {
      const { call, ids, rows } = setup();
      rows.set(7, { id: 7, isSelf: false, isGroup: true, chatId: '1@chatroom', raw: '{"TypeName":"AddMsg"}' });
      const id = await ids.message({
        robotId: 1,
        newMsgId: '5',
        msgId: '5',
        createTime: 1,
        chatId: null,
        messageLogId: 7,
      });
      expect(await call('get_msg', { message_id: String(id) })).toMatchObject(
        ok({
          time: 1700000000,
          message_type: 'group',
          message_id: id,
          real_id: id,
          group_id: await ids.group('1@chatroom'),
          sender: { user_id: 11, nickname: 'Alice' },
          message: [{ type: 'text', data: { text: 'hello' } }],
          raw_message: 'hello',
        }),
      );
    });

    it('get_msg answers a sent message from its text', async () => {
      const { call, ids, rows } = setup();
      rows.set(8, {
        id: 8,
        isSelf: true,
        isGroup: false,
        chatId: 'wxid_alice',
        text: 'sent by us',
        createTime: '1700',
        details: JSON.stringify({ sentBy: { via: 'onebot' } }),
        raw: '{}',
      });
      const id = await ids.message({
        robotId: 1,
        newMsgId: '6',
        msgId: '6',
        createTime: 1,
        chatId: null,
        messageLogId: 8,
      });
      expect(await call('get_msg', { message_id: id })).toMatchObject(
        ok({
          time: 1700,
          message_type: 'private',
          message_id: id,
          sender: { user_id: await ids.user(ROBOT_WXID), nickname: 'Bot', wxid: ROBOT_WXID },
          message: [{ type: 'text', data: { text: 'sent by us' } }],
        }),
      );
    });

    it('wx_send_name_card posts the card and logs it', async () => {
      const { call, calls, recorded } = setup();
      const r = await call('wx_send_name_card', { user_id: 'wxid_alice', card_user_id: 'wxid_bob' });
      expect(r).toMatchObject(ok({ message_id: expect.any(Number) }));
      expect(calls).toContain('postNameCard ["wxid_alice","nick wxid_bob","wxid_bob"]');
      expect(recorded[0]).toMatchObject({ kind: 'card', text: '[card] nick wxid_bob' });
    });

    it('wx_revoke_msg revokes with explicit ids', async () => {
      const { call, calls } = setup();
      const r = await call('wx_revoke_msg', {
        group_id: '1@chatroom',
        msg_id: '12',
        new_msg_id: '9223372036854775807',
        create_time: 1700,
      });
      expect(r).toMatchObject(ok(null));
      expect(calls).toEqual(['revokeMsg ["1@chatroom","12","9223372036854775807","1700"]']);
    });

    it('wx_forward_msg forwards a logged image by its XML', async () => {
      const { call, calls, ids, rows, recorded } = setup();
      const raw = JSON.stringify({
        TypeName: 'AddMsg',
        Appid: 'wx_app',
        Wxid: ROBOT_WXID,
        Data: {
          MsgId: 1,
          NewMsgId: '42',
          FromUserName: { string: 'wxid_alice' },
          ToUserName: { string: ROBOT_WXID },
          MsgType: 3,
          Content: { string: '<?xml version="1.0"?><msg><img aeskey="k" cdnmidimgurl="u" /></msg>' },
          CreateTime: 1700,
        },
      });
      rows.set(3, { id: 3, isSelf: false, raw, text: null });
      const id = await ids.message({
        robotId: 1,
        newMsgId: '42',
        msgId: '1',
        createTime: 1,
        chatId: null,
        messageLogId: 3,
      });
      const r = await call('wx_forward_msg', { message_id: id, group_id: '1@chatroom' });
      expect(r).toMatchObject(ok({ message_id: expect.any(Number) }));
      expect(calls[0]).toMatch(/^forwardImage \["1@chatroom","<\?xml/);
      expect(recorded[0]).toMatchObject({ kind: 'image', chatId: '1@chatroom' });
    });
  });

  describe('contacts and groups', () => {
    it('get_friend_list lists friends (not WeChat services) with alias, names and wxid', async () => {
      const { call, ids } = setup();
      expect(await call('get_friend_list')).toMatchObject(
        ok([
          { user_id: await ids.user('wxid_alice'), nickname: 'nick wxid_alice', remark: '', wxid: 'wxid_alice' },
          { user_id: await ids.user('wxid_bob'), nickname: 'nick wxid_bob', remark: 'Bobby', wxid: 'wxid_bob' },
        ]),
      );
    });

    it('get_stranger_info answers the profile', async () => {
      const { call, ids } = setup();
      expect(await call('get_stranger_info', { user_id: 'wxid_bob' })).toMatchObject(
        ok({ user_id: await ids.user('wxid_bob'), nickname: 'nick wxid_bob', sex: 'female', age: 0, wxid: 'wxid_bob' }),
      );
    });

    it('get_group_list joins the saved groups and the groups seen in the log', async () => {
      const { call, ids } = setup();
      const r = await call('get_group_list');
      expect(r).toMatchObject(
        ok([
          { group_id: await ids.group('1@chatroom'), group_name: 'nick 1@chatroom', wxid: '1@chatroom' },
          { group_id: await ids.group('2@chatroom'), group_name: 'nick 2@chatroom', wxid: '2@chatroom' },
        ]),
      );
    });

    it('get_group_list gives the member count of a group looked at in the last minute', async () => {
      const { call } = setup();
      await call('get_group_member_list', { group_id: '2@chatroom' });
      const r = await call('get_group_list');
      expect((r.data as { wxid: string; member_count: number }[]).map((g) => [g.wxid, g.member_count])).toEqual([
        ['1@chatroom', 0],
        ['2@chatroom', 3],
      ]);
    });

    it('get_group_info answers name and member count', async () => {
      const { call, ids } = setup();
      expect(await call('get_group_info', { group_id: '1@chatroom' })).toMatchObject(
        ok({ group_id: await ids.group('1@chatroom'), group_name: 'Group one', member_count: 3, wxid: '1@chatroom' }),
      );
    });

    it('get_group_member_list answers each member with card and role', async () => {
      const { call, ids } = setup();
      const r = await call('get_group_member_list', { group_id: '1@chatroom' });
      const list = r.data as Record<string, unknown>[];
      expect(list.map((m) => [m.wxid, m.card, m.role])).toEqual([
        [ROBOT_WXID, '', 'member'],
        ['wxid_alice', 'Alice in group', 'admin'],
        ['wxid_owner', '', 'owner'],
      ]);
      expect(list[1]).toMatchObject({ group_id: await ids.group('1@chatroom'), user_id: await ids.user('wxid_alice') });
    });

    it('get_group_member_info is answered from a cached member list (one Gewe call for many asks)', async () => {
      const { call, calls } = setup();
      for (let i = 0; i < 5; i++)
        expect(await call('get_group_member_info', { group_id: '1@chatroom', user_id: 'wxid_alice' })).toMatchObject(
          ok(expect.objectContaining({ card: 'Alice in group', nickname: 'Alice', role: 'admin', wxid: 'wxid_alice' })),
        );
      expect(calls.filter((c) => c.startsWith('getChatroomMemberList'))).toHaveLength(1);
      await call('get_group_member_info', { group_id: '1@chatroom', user_id: 'wxid_alice', no_cache: true });
      expect(calls.filter((c) => c.startsWith('getChatroomMemberList'))).toHaveLength(2);
    });

    it('asks Gewe again once a lookup is older than 60 s', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
      try {
        const { call, calls } = setup();
        const ask = () => call('get_group_member_info', { group_id: '1@chatroom', user_id: 'wxid_alice' });
        await ask();
        jest.advanceTimersByTime(59_000);
        await ask();
        expect(calls.filter((c) => c.startsWith('getChatroomMemberList'))).toHaveLength(1);
        jest.advanceTimersByTime(2_000);
        await ask();
        expect(calls.filter((c) => c.startsWith('getChatroomMemberList'))).toHaveLength(2);
      } finally {
        jest.useRealTimers();
      }
    });

    it('a change made through an action forgets the group lookups', async () => {
      const { call, calls } = setup();
      await call('get_group_member_info', { group_id: '1@chatroom', user_id: 'wxid_alice' });
      await call('set_group_kick', { group_id: '1@chatroom', user_id: 'wxid_alice' });
      await call('get_group_member_info', { group_id: '1@chatroom', user_id: 'wxid_alice' });
      expect(calls.filter((c) => c.startsWith('getChatroomMemberList'))).toHaveLength(2);
    });

    it('get_group_member_info of a non-member fails with 100', async () => {
      const { call } = setup();
      expect(await call('get_group_member_info', { group_id: '1@chatroom', user_id: 'wxid_zed' })).toMatchObject({
        status: 'failed',
        retcode: 100,
      });
    });

    it.each([
      ['set_group_kick', { user_id: 'wxid_alice' }, 'removeMember ["1@chatroom",["wxid_alice"]]'],
      ['set_group_leave', {}, 'quitChatroom ["1@chatroom"]'],
      ['set_group_leave', { is_dismiss: 'true' }, 'disbandChatroom ["1@chatroom"]'],
      ['set_group_name', { group_name: 'New' }, 'modifyChatroomName ["1@chatroom","New"]'],
      ['set_group_card', { user_id: ROBOT_WXID, card: 'Me' }, 'modifyChatroomNickNameForSelf ["1@chatroom","Me"]'],
      ['set_group_admin', { user_id: 'wxid_alice' }, 'adminOperate ["1@chatroom",["wxid_alice"],1]'],
      ['set_group_admin', { user_id: 'wxid_alice', enable: false }, 'adminOperate ["1@chatroom",["wxid_alice"],2]'],
      ['wx_set_group_announcement', { content: 'Hi all' }, 'setChatroomAnnouncement ["1@chatroom","Hi all"]'],
      [
        'wx_invite_group_member',
        { user_ids: ['wxid_alice', 'wxid_bob'] },
        'inviteMember ["1@chatroom",["wxid_alice","wxid_bob"],""]',
      ],
    ])('%s %j calls Gewe and answers ok', async (action, params, call0) => {
      const { call, calls } = setup();
      expect(await call(action, { group_id: '1@chatroom', ...params })).toMatchObject(ok(null));
      expect(calls).toEqual([call0]);
    });

    it('wx_get_group_announcement answers the text and its editor', async () => {
      const { call, ids } = setup();
      expect(await call('wx_get_group_announcement', { group_id: '1@chatroom' })).toMatchObject(
        ok({ text: 'Be nice', editor_id: await ids.user('wxid_owner'), editor_wxid: 'wxid_owner', publish_time: 1690 }),
      );
    });
  });

  describe('requests and media', () => {
    it('set_friend_add_request accepts with the v3/v4/scene behind the flag, and sets the remark', async () => {
      const { call, calls } = setup();
      expect(
        await call('set_friend_add_request', { flag: 'friend-ok', approve: true, remark: 'New pal' }),
      ).toMatchObject(ok(null));
      expect(calls).toEqual([
        'addContacts [{"scene":30,"option":3,"v3":"v3_x","v4":"v4_x"}]',
        'setFriendRemark ["wxid_new","New pal"]',
      ]);
    });

    it('set_friend_add_request with approve false rejects', async () => {
      const { call, calls } = setup();
      await call('set_friend_add_request', { flag: 'friend-ok', approve: 'false' });
      expect(calls).toEqual(['addContacts [{"scene":30,"option":4,"v3":"v3_x","v4":"v4_x"}]']);
    });

    it('set_group_add_request joins by the invite URL; declining calls nothing', async () => {
      const { call, calls } = setup();
      expect(await call('set_group_add_request', { flag: 'group-ok', sub_type: 'invite' })).toMatchObject(ok(null));
      expect(await call('set_group_add_request', { flag: 'group-ok', approve: false })).toMatchObject(ok(null));
      expect(calls).toEqual(['agreeJoinRoom ["https://support.weixin.qq.com/invite"]']);
    });

    it('get_image answers the local file and a fresh URL', async () => {
      const { call } = setup();
      const url = 'http://10.0.0.1:5433/onebot/v11/media/m/1/7/image?exp=1&sig=s';
      expect(await call('get_image', { file: url })).toMatchObject(
        ok({ file: '/data/files/ab/abc.jpg', url: expect.stringContaining('/media/m/1/7/image') }),
      );
      expect(await call('get_record', { file: url })).toMatchObject({ status: 'failed', retcode: 1400 });
    });
  });
});

/** Waits for a condition (never for a duration): a background action has done its part. */
async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}
