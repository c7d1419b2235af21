import { stringifyJson } from '../../src/common/bigint-json';
import type { CallOptions, GeweCaller } from '../../src/gewe/gewe-caller';
import { GeweApiError, GeweTransportError } from '../../src/gewe/gewe.errors';
import { ContactApi } from '../../src/gewe/modules/contact.api';
import { GroupApi } from '../../src/gewe/modules/group.api';
import { MessageApi, normalizeSent } from '../../src/gewe/modules/message.api';

/**
 * The modules only shape requests and answers; the HTTP layer has its own tests (gewe-client.spec.ts). A recording
 * GeweCaller stands in for it: it keeps every call and answers with canned data (or throws what `reply` throws).
 */
interface Call {
  endpoint: string;
  body: Record<string, unknown>;
  options?: CallOptions;
}

type Reply = (endpoint: string, body: Record<string, unknown>) => unknown;

function recorder(reply: Reply = () => null): { caller: GeweCaller; calls: Call[] } {
  const calls: Call[] = [];
  const caller: GeweCaller = {
    appId: 'wx_app',
    isGewe: true,
    call<T>(endpoint: string, body: Record<string, unknown> = {}, options?: CallOptions): Promise<T> {
      calls.push(options === undefined ? { endpoint, body } : { endpoint, body, options });
      return new Promise<T>((resolve) => resolve(reply(endpoint, body) as T));
    },
  };
  return { caller, calls };
}

const SENT = { toWxid: 'wxid_to', createTime: 1704163145, msgId: 769533801, newMsgId: '7123456789012345678', type: 1 };
const FILE = { fileUrl: 'http://cdn.example/20250905/a.png' };
const XML = '<?xml version="1.0"?><msg><img aeskey="k" length="4061" /></msg>';

const apiError = (endpoint: string, msg = '下载图片失败') => new GeweApiError(endpoint, 500, msg, msg);

describe('MessageApi', () => {
  const setup = (reply: Reply = () => SENT) => {
    const { caller, calls } = recorder(reply);
    return { api: new MessageApi(caller), calls };
  };

  it.each<[string, (api: MessageApi) => Promise<unknown>, string, Record<string, unknown>]>([
    ['postText', (a) => a.postText('wxid_to', 'hello'), '/message/postText', { toWxid: 'wxid_to', content: 'hello' }],
    [
      'postImage',
      (a) => a.postImage('wxid_to', 'http://i/1.png'),
      '/message/postImage',
      { toWxid: 'wxid_to', imgUrl: 'http://i/1.png' },
    ],
    [
      'postFile',
      (a) => a.postFile('wxid_to', 'http://f/a.xls', 'a.xls'),
      '/message/postFile',
      { toWxid: 'wxid_to', fileUrl: 'http://f/a.xls', fileName: 'a.xls' },
    ],
    [
      'postVoice',
      (a) => a.postVoice('wxid_to', 'http://v/a.silk', 2000),
      '/message/postVoice',
      { toWxid: 'wxid_to', voiceUrl: 'http://v/a.silk', voiceDuration: 2000 },
    ],
    [
      'postVideo',
      (a) => a.postVideo('wxid_to', 'http://v/a.mp4', 'http://v/a.jpg', 10),
      '/message/postVideo',
      { toWxid: 'wxid_to', videoUrl: 'http://v/a.mp4', thumbUrl: 'http://v/a.jpg', videoDuration: 10 },
    ],
    [
      'postLink',
      (a) => a.postLink('wxid_to', { title: 'T', desc: 'D', linkUrl: 'http://l', thumbUrl: 'http://t.jpg' }),
      '/message/postLink',
      { toWxid: 'wxid_to', title: 'T', desc: 'D', linkUrl: 'http://l', thumbUrl: 'http://t.jpg' },
    ],
    [
      'postNameCard',
      (a) => a.postNameCard('wxid_to', '谭艳', 'wxid_card'),
      '/message/postNameCard',
      { toWxid: 'wxid_to', nickName: '谭艳', nameCardWxid: 'wxid_card' },
    ],
    [
      'postEmoji',
      (a) => a.postEmoji('wxid_to', '4cc7540a85b5b6cf4ba14e9f4ae08b7c', 102357),
      '/message/postEmoji',
      { toWxid: 'wxid_to', emojiMd5: '4cc7540a85b5b6cf4ba14e9f4ae08b7c', emojiSize: 102357 },
    ],
    [
      'postAppMsg',
      (a) => a.postAppMsg('wxid_to', '<appmsg><type>57</type></appmsg>'),
      '/message/postAppMsg',
      { toWxid: 'wxid_to', appmsg: '<appmsg><type>57</type></appmsg>' },
    ],
    [
      'postMiniApp',
      (a) =>
        a.postMiniApp('wxid_to', {
          miniAppId: 'wx1f9ea355b47256dd',
          displayName: '百果园+',
          pagePath: 'pages/homeDelivery/index.html',
          coverImgUrl: 'http://c.jpg',
          title: '水果',
          userName: 'gh_690acf47ea05@app',
        }),
      '/message/postMiniApp',
      {
        toWxid: 'wxid_to',
        miniAppId: 'wx1f9ea355b47256dd',
        displayName: '百果园+',
        pagePath: 'pages/homeDelivery/index.html',
        coverImgUrl: 'http://c.jpg',
        title: '水果',
        userName: 'gh_690acf47ea05@app',
      },
    ],
    ['forwardFile', (a) => a.forwardFile('wxid_to', XML), '/message/forwardFile', { toWxid: 'wxid_to', xml: XML }],
    ['forwardImage', (a) => a.forwardImage('wxid_to', XML), '/message/forwardImage', { toWxid: 'wxid_to', xml: XML }],
    ['forwardVideo', (a) => a.forwardVideo('wxid_to', XML), '/message/forwardVideo', { toWxid: 'wxid_to', xml: XML }],
    ['forwardUrl', (a) => a.forwardUrl('wxid_to', XML), '/message/forwardUrl', { toWxid: 'wxid_to', xml: XML }],
    [
      'forwardMiniApp',
      (a) => a.forwardMiniApp('wxid_to', XML, 'http://c.jpg'),
      '/message/forwardMiniApp',
      { toWxid: 'wxid_to', xml: XML, coverImgUrl: 'http://c.jpg' },
    ],
  ])(
    '%s posts to its endpoint with the official fields and returns string ids',
    async (_name, send, endpoint, body) => {
      const { api, calls } = setup();
      const sent = await send(api);
      expect(calls).toEqual([{ endpoint, body }]);
      expect(sent).toEqual({ ...SENT, msgId: '769533801', newMsgId: '7123456789012345678' });
    },
  );

  it('postImage hands back the CDN data Gewe returns for forwardImage', async () => {
    const { api } = setup(() => ({
      ...SENT,
      aesKey: 'k',
      fileId: 'f',
      length: 1096,
      width: 400,
      height: 400,
      md5: 'm',
    }));
    await expect(api.postImage('wxid_to', 'http://i/1.png')).resolves.toMatchObject({
      aesKey: 'k',
      fileId: 'f',
      length: 1096,
      width: 400,
      md5: 'm',
    });
  });

  it('postText joins mentions into one comma-separated ats string', async () => {
    const { api, calls } = setup();
    await api.postText('1@chatroom', '@A @B hi', ['wxid_a', ' wxid_b ', '']);
    await api.postText('1@chatroom', '@所有人 hi', 'notify@all');
    await api.postText('1@chatroom', 'hi', 'wxid_a, ,wxid_b,');
    expect(calls.map((c) => c.body.ats)).toEqual(['wxid_a,wxid_b', 'notify@all', 'wxid_a,wxid_b']);
  });

  it('postText sends no ats field when nobody is mentioned', async () => {
    const { api, calls } = setup();
    await api.postText('wxid_to', 'hi', []);
    await api.postText('wxid_to', 'hi', ' , ');
    for (const c of calls) expect(c.body).not.toHaveProperty('ats');
  });

  it('revokeMsg sends msgId, newMsgId and createTime as strings, as the docs do, 64-bit ones exactly', async () => {
    const { api, calls } = setup(() => undefined);
    await expect(api.revokeMsg('wxid_to', '769533801', '7123456789012345678', '1704163145')).resolves.toBeUndefined();
    expect(calls[0].endpoint).toBe('/message/revokeMsg');
    expect(calls[0].body).not.toHaveProperty('msgid');
    const wire = stringifyJson(calls[0].body);
    expect(wire).toBe(
      '{"toWxid":"wxid_to","msgId":"769533801","newMsgId":"7123456789012345678","createTime":"1704163145"}',
    );
  });

  it('revokeMsg takes the fields of a send answer as they are', async () => {
    const { api, calls } = setup(() => undefined);
    const sent = normalizeSent(SENT);
    await api.revokeMsg(sent.toWxid, sent.msgId, sent.newMsgId, sent.createTime);
    expect(stringifyJson(calls[0].body)).toContain(
      '"msgId":"769533801","newMsgId":"7123456789012345678","createTime":"1704163145"',
    );
  });

  it('revokeMsg refuses an id that is not an integer before sending anything', async () => {
    const { api, calls } = setup();
    await expect(api.revokeMsg('wxid_to', '1', '7123456789012345678', 'null')).rejects.toThrow(TypeError);
    await expect(api.revokeMsg('wxid_to', '1e3', '2', '3')).rejects.toThrow(/msgId must be the integer/);
    expect(calls).toHaveLength(0);
  });

  it('downloadImage asks for a normal image by default and the given type otherwise', async () => {
    const { api, calls } = setup(() => FILE);
    await expect(api.downloadImage(XML)).resolves.toEqual(FILE);
    await api.downloadImage(XML, 1);
    expect(calls).toEqual([
      { endpoint: '/message/downloadImage', body: { xml: XML, type: 2 } },
      { endpoint: '/message/downloadImage', body: { xml: XML, type: 1 } },
    ]);
  });

  it('downloadImageBest falls back from HD to normal to thumbnail', async () => {
    const { api, calls } = setup((_e, body) => {
      if (body.type === 3) return { fileUrl: 'thumb.jpg' };
      throw apiError('/message/downloadImage');
    });
    await expect(api.downloadImageBest(XML)).resolves.toEqual({ fileUrl: 'thumb.jpg' });
    expect(calls.map((c) => c.body.type)).toEqual([1, 2, 3]);
  });

  it('downloadImageBest stops at the first type that works', async () => {
    const { api, calls } = setup(() => ({ fileUrl: 'hd.jpg' }));
    await expect(api.downloadImageBest(XML)).resolves.toEqual({ fileUrl: 'hd.jpg' });
    expect(calls.map((c) => c.body.type)).toEqual([1]);
  });

  it('downloadImageBest moves on when an answer has no fileUrl', async () => {
    const { api, calls } = setup((_e, body) => (body.type === 1 ? { fileUrl: '' } : { fileUrl: 'normal.jpg' }));
    await expect(api.downloadImageBest(XML)).resolves.toEqual({ fileUrl: 'normal.jpg' });
    expect(calls.map((c) => c.body.type)).toEqual([1, 2]);
  });

  it('downloadImageBest moves on after a timeout', async () => {
    const { api, calls } = setup((_e, body) => {
      if (body.type === 1) throw new GeweTransportError('/message/downloadImage', 'timeout', 'no answer');
      return { fileUrl: 'normal.jpg' };
    });
    await expect(api.downloadImageBest(XML)).resolves.toEqual({ fileUrl: 'normal.jpg' });
    expect(calls).toHaveLength(2);
  });

  it('downloadImageBest rethrows the last error when every type fails', async () => {
    const { api, calls } = setup((_e, body) => {
      throw apiError('/message/downloadImage', `type ${String(body.type)} missing`);
    });
    await expect(api.downloadImageBest(XML)).rejects.toMatchObject({ reason: 'type 3 missing' });
    expect(calls).toHaveLength(3);
  });

  it('downloadImageBest does not retry when Gewe cannot be reached', async () => {
    const { api, calls } = setup(() => {
      throw new GeweTransportError('/message/downloadImage', 'unreachable', 'ECONNREFUSED');
    });
    await expect(api.downloadImageBest(XML)).rejects.toMatchObject({ code: 'GEWE_UNREACHABLE' });
    expect(calls).toHaveLength(1);
  });

  it('downloadVoice writes the callback msgId as a bare JSON integer', async () => {
    const { api, calls } = setup(() => FILE);
    await expect(api.downloadVoice(XML, '5332565812')).resolves.toEqual(FILE);
    expect(calls[0].endpoint).toBe('/message/downloadVoice');
    expect(stringifyJson(calls[0].body)).toBe(`{"xml":${JSON.stringify(XML)},"msgId":5332565812}`);
  });

  it('downloadVoice rejects a msgId that is not an integer before sending anything', async () => {
    const { api, calls } = setup(() => FILE);
    await expect(api.downloadVoice(XML, 'abc')).rejects.toThrow(TypeError);
    expect(calls).toHaveLength(0);
  });

  it.each<[string, (api: MessageApi) => Promise<unknown>, string, Record<string, unknown>]>([
    ['downloadVideo', (a) => a.downloadVideo(XML), '/message/downloadVideo', { xml: XML }],
    ['downloadFile', (a) => a.downloadFile(XML), '/message/downloadFile', { xml: XML }],
    ['downloadEmojiMd5', (a) => a.downloadEmojiMd5('4cc7540a'), '/message/downloadEmojiMd5', { emojiMd5: '4cc7540a' }],
    [
      'downloadCdn',
      (a) => a.downloadCdn({ aesKey: 'k', fileId: 'f', type: 5, totalSize: 63, suffix: 'json' }),
      '/message/downloadCdn',
      { aesKey: 'k', fileId: 'f', type: '5', totalSize: '63', suffix: 'json' },
    ],
  ])('%s posts the official fields and returns the fileUrl', async (_name, download, endpoint, body) => {
    const { api, calls } = setup(() => FILE);
    await expect(download(api)).resolves.toEqual(FILE);
    expect(calls).toEqual([{ endpoint, body }]);
  });

  it('downloadEmojiMd5 accepts the url spellings Gewe documents for its answer', async () => {
    for (const data of [{ url: 'http://e/1.png' }, { Url: 'http://e/1.png' }]) {
      const { api } = setup(() => data);
      await expect(api.downloadEmojiMd5('4cc7540a')).resolves.toMatchObject({ fileUrl: 'http://e/1.png' });
    }
  });

  it('a download answered without a fileUrl fails with a GeweApiError', async () => {
    const { api } = setup(() => null);
    await expect(api.downloadVideo(XML)).rejects.toBeInstanceOf(GeweApiError);
    await expect(api.downloadVideo(XML)).rejects.toThrow(/without a fileUrl/);
  });
});

describe('normalizeSent', () => {
  it('turns every id into a string and keeps the other fields', () => {
    expect(
      normalizeSent({ toWxid: 'wxid_to', createTime: 1703841160, msgId: 0, newMsgId: 3768973957, type: 1, extra: 'x' }),
    ).toEqual({ toWxid: 'wxid_to', createTime: 1703841160, msgId: '0', newMsgId: '3768973957', type: 1, extra: 'x' });
  });

  it('keeps a 64-bit id that arrives as a string exactly', () => {
    expect(normalizeSent({ newMsgId: '7123456789012345678' }).newMsgId).toBe('7123456789012345678');
  });

  it('uses empty strings for missing ids and copes with no data at all', () => {
    expect(normalizeSent({ toWxid: null, msgId: undefined })).toMatchObject({ toWxid: '', msgId: '', newMsgId: '' });
    expect(normalizeSent(null)).toMatchObject({ toWxid: '', msgId: '', newMsgId: '' });
  });
});

describe('ContactApi', () => {
  const setup = (reply: Reply = () => null) => {
    const { caller, calls } = recorder(reply);
    return { api: new ContactApi(caller), calls };
  };
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `wxid_${i}`);

  it('fetchContactsList posts an empty body with a 2-minute timeout', async () => {
    const lists = { friends: ['wxid_a'], chatrooms: ['1@chatroom'], ghs: ['gh_1'] };
    const { api, calls } = setup(() => lists);
    await expect(api.fetchContactsList()).resolves.toEqual(lists);
    expect(calls).toEqual([{ endpoint: '/contacts/fetchContactsList', body: {}, options: { timeoutMs: 120_000 } }]);
  });

  it('fetchContactsListCache returns empty lists when Gewe sends none', async () => {
    const { api, calls } = setup(() => null);
    await expect(api.fetchContactsListCache()).resolves.toEqual({ friends: [], chatrooms: [], ghs: [] });
    expect(calls).toEqual([{ endpoint: '/contacts/fetchContactsListCache', body: {} }]);
  });

  it('getBriefInfo sends the wxids as an array and accepts up to 100', async () => {
    const { api, calls } = setup(() => [{ userName: 'wxid_0', nickName: 'A' }]);
    await expect(api.getBriefInfo(['wxid_0'])).resolves.toEqual([{ userName: 'wxid_0', nickName: 'A' }]);
    await api.getBriefInfo(ids(100));
    expect(calls[0]).toEqual({ endpoint: '/contacts/getBriefInfo', body: { wxids: ['wxid_0'] } });
    expect(calls[1].body.wxids).toHaveLength(100);
  });

  it('getBriefInfo refuses 0 or more than 100 wxids before any request', async () => {
    const { api, calls } = setup();
    await expect(api.getBriefInfo(ids(101))).rejects.toThrow(RangeError);
    await expect(api.getBriefInfo(ids(101))).rejects.toThrow(/1 to 100 wxids/);
    await expect(api.getBriefInfo([])).rejects.toThrow(/1 to 100 wxids/);
    expect(calls).toHaveLength(0);
  });

  it('getDetailInfo accepts up to 20 wxids and refuses more before any request', async () => {
    const { api, calls } = setup(() => null);
    await expect(api.getDetailInfo(ids(20))).resolves.toEqual([]);
    await expect(api.getDetailInfo(ids(21))).rejects.toThrow(/1 to 20 wxids/);
    expect(calls).toHaveLength(1);
    expect(calls[0].endpoint).toBe('/contacts/getDetailInfo');
  });

  it.each<[string, (api: ContactApi) => Promise<unknown>, string, Record<string, unknown>]>([
    ['search', (a) => a.search('videosapi'), '/contacts/search', { contactsInfo: 'videosapi' }],
    [
      'addContacts',
      (a) => a.addContacts({ scene: 3, option: 2, v3: 'v3_x@stranger', v4: 'v4_y@stranger', content: 'hallo' }),
      '/contacts/addContacts',
      { scene: 3, option: 2, v3: 'v3_x@stranger', v4: 'v4_y@stranger', content: 'hallo' },
    ],
    [
      'addContacts without a greeting',
      (a) => a.addContacts({ scene: 15, option: 3, v3: 'v3_x', v4: 'v4_y' }),
      '/contacts/addContacts',
      { scene: 15, option: 3, v3: 'v3_x', v4: 'v4_y', content: '' },
    ],
    ['deleteFriend', (a) => a.deleteFriend('wxid_a'), '/contacts/deleteFriend', { wxid: 'wxid_a' }],
    [
      'setFriendRemark',
      (a) => a.setFriendRemark('wxid_a', '备注'),
      '/contacts/setFriendRemark',
      { wxid: 'wxid_a', remark: '备注' },
    ],
    [
      'setFriendPermissions',
      (a) => a.setFriendPermissions('wxid_a', true),
      '/contacts/setFriendPermissions',
      { wxid: 'wxid_a', onlyChat: true },
    ],
  ])('%s posts to its endpoint with the official fields', async (_name, run, endpoint, body) => {
    const { api, calls } = setup();
    await run(api);
    expect(calls).toEqual([{ endpoint, body }]);
  });

  it('search returns the v3/v4 Gewe found', async () => {
    const { api } = setup(() => ({ v3: 'v3_x@stranger', v4: 'v4_y@stranger', nickName: '苏生' }));
    await expect(api.search('videosapi')).resolves.toMatchObject({ v3: 'v3_x@stranger', v4: 'v4_y@stranger' });
  });
});

describe('GroupApi', () => {
  const setup = (reply: Reply = () => null) => {
    const { caller, calls } = recorder(reply);
    return { api: new GroupApi(caller), calls };
  };
  const ROOM = '34757816141@chatroom';

  it.each<[string, (api: GroupApi) => Promise<unknown>, string, Record<string, unknown>]>([
    [
      'createChatroom',
      (a) => a.createChatroom(['wxid_a', 'wxid_b']),
      '/group/createChatroom',
      { wxids: ['wxid_a', 'wxid_b'] },
    ],
    [
      'modifyChatroomName',
      (a) => a.modifyChatroomName(ROOM, 'New name'),
      '/group/modifyChatroomName',
      { chatroomId: ROOM, chatroomName: 'New name' },
    ],
    [
      'modifyChatroomNickNameForSelf',
      (a) => a.modifyChatroomNickNameForSelf(ROOM, 'Bot'),
      '/group/modifyChatroomNickNameForSelf',
      { chatroomId: ROOM, nickName: 'Bot' },
    ],
    [
      'modifyChatroomRemark',
      (a) => a.modifyChatroomRemark(ROOM, 'mine'),
      '/group/modifyChatroomRemark',
      { chatroomId: ROOM, chatroomRemark: 'mine' },
    ],
    ['getChatroomInfo', (a) => a.getChatroomInfo(ROOM), '/group/getChatroomInfo', { chatroomId: ROOM }],
    [
      'getChatroomMemberList',
      (a) => a.getChatroomMemberList(ROOM),
      '/group/getChatroomMemberList',
      { chatroomId: ROOM },
    ],
    [
      'getChatroomMemberDetail',
      (a) => a.getChatroomMemberDetail(ROOM, ['wxid_a', 'wxid_b']),
      '/group/getChatroomMemberDetail',
      { chatroomId: ROOM, memberWxids: ['wxid_a', 'wxid_b'] },
    ],
    [
      'getChatroomAnnouncement',
      (a) => a.getChatroomAnnouncement(ROOM),
      '/group/getChatroomAnnouncement',
      { chatroomId: ROOM },
    ],
    [
      'setChatroomAnnouncement',
      (a) => a.setChatroomAnnouncement(ROOM, '群公告'),
      '/group/setChatroomAnnouncement',
      { chatroomId: ROOM, content: '群公告' },
    ],
    [
      'inviteMember',
      (a) => a.inviteMember(ROOM, ['wxid_a', 'wxid_b'], 'welcome'),
      '/group/inviteMember',
      { chatroomId: ROOM, wxids: 'wxid_a,wxid_b', reason: 'welcome' },
    ],
    [
      'inviteMember without a reason',
      (a) => a.inviteMember(ROOM, 'wxid_a'),
      '/group/inviteMember',
      { chatroomId: ROOM, wxids: 'wxid_a', reason: '' },
    ],
    [
      'removeMember',
      (a) => a.removeMember(ROOM, ['wxid_a', ' wxid_b']),
      '/group/removeMember',
      { chatroomId: ROOM, wxids: 'wxid_a,wxid_b' },
    ],
    ['quitChatroom', (a) => a.quitChatroom(ROOM), '/group/quitChatroom', { chatroomId: ROOM }],
    ['disbandChatroom', (a) => a.disbandChatroom(ROOM), '/group/disbandChatroom', { chatroomId: ROOM }],
    [
      'adminOperate',
      (a) => a.adminOperate(ROOM, ['wxid_a', 'wxid_b'], 1),
      '/group/adminOperate',
      { chatroomId: ROOM, wxids: ['wxid_a', 'wxid_b'], operType: 1 },
    ],
    [
      'adminOperate transferring ownership',
      (a) => a.adminOperate(ROOM, ['wxid_a'], 3),
      '/group/adminOperate',
      { chatroomId: ROOM, wxids: ['wxid_a'], operType: 3 },
    ],
    [
      'agreeJoinRoom',
      (a) => a.agreeJoinRoom('https://support.weixin.qq.com/cgi-bin/mmsupport-bin/addchatroombyinvite?ticket=A'),
      '/group/agreeJoinRoom',
      { url: 'https://support.weixin.qq.com/cgi-bin/mmsupport-bin/addchatroombyinvite?ticket=A' },
    ],
    ['getChatroomQrCode', (a) => a.getChatroomQrCode(ROOM), '/group/getChatroomQrCode', { chatroomId: ROOM }],
    ['pinChat', (a) => a.pinChat(ROOM, true), '/group/pinChat', { chatroomId: ROOM, top: true }],
    [
      'setMsgSilence',
      (a) => a.setMsgSilence(ROOM, false),
      '/group/setMsgSilence',
      { chatroomId: ROOM, silence: false },
    ],
  ])('%s posts to its endpoint with the official fields', async (_name, run, endpoint, body) => {
    const { api, calls } = setup();
    await run(api);
    expect(calls).toEqual([{ endpoint, body }]);
  });

  it('getChatroomInfo returns the members with their group display names', async () => {
    const member = { wxid: 'wxid_g', nickName: 'G', displayName: 'G1', inviterUserName: 'wxid_o', memberFlag: 2049 };
    const { api } = setup(() => ({
      chatroomId: ROOM,
      nickName: 'Test',
      chatRoomOwner: 'wxid_o',
      memberList: [member],
    }));
    const info = await api.getChatroomInfo(ROOM);
    expect(info).toMatchObject({ chatroomId: ROOM, nickName: 'Test', chatRoomOwner: 'wxid_o' });
    expect(info.memberList).toEqual([member]);
  });

  it('getChatroomInfo gives an empty member list when Gewe sends none', async () => {
    const { api } = setup(() => ({ chatroomId: ROOM, memberList: null }));
    await expect(api.getChatroomInfo(ROOM)).resolves.toMatchObject({ chatroomId: ROOM, memberList: [] });
  });

  it('getChatroomMemberList returns owner and admins, admins as an array even when null', async () => {
    const { api } = setup(() => ({ memberList: [{ wxid: 'a' }], chatroomOwner: 'a', adminWxid: null }));
    await expect(api.getChatroomMemberList(ROOM)).resolves.toEqual({
      memberList: [{ wxid: 'a' }],
      chatroomOwner: 'a',
      adminWxid: [],
    });
  });

  it('refuses impossible member lists before any request', async () => {
    const { api, calls } = setup();
    await expect(api.createChatroom(['wxid_a'])).rejects.toThrow(/at least 2 wxids/);
    await expect(api.inviteMember(ROOM, [])).rejects.toThrow(RangeError);
    await expect(api.removeMember(ROOM, ' , ')).rejects.toThrow(RangeError);
    await expect(api.adminOperate(ROOM, [], 1)).rejects.toThrow(RangeError);
    await expect(api.adminOperate(ROOM, ['wxid_a', 'wxid_b'], 3)).rejects.toThrow(/exactly 1 wxid/);
    expect(calls).toHaveLength(0);
  });
});
