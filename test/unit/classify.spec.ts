import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../../src/callback/classify';
import { EVENT_KINDS, type GeweEvent, type RobotRef } from '../../src/callback/events';
import { parseJsonBigSafe } from '../../src/common/bigint-json';

interface Sample {
  label: string;
  kind: string;
  payload: Record<string, unknown>;
}

const FILE_TEXT = readFileSync(join(__dirname, '..', 'fake-gewe', 'callbacks.json'), 'utf8');
const SAMPLES = parseJsonBigSafe(FILE_TEXT) as Sample[];
/** Each sample's NewMsgId exactly as written in the file (digits taken from the text, never through a float). */
const FILE_IDS = FILE_TEXT.split(/"label"\s*:/)
  .slice(1)
  .map((chunk) => /"NewMsgId"\s*:\s*(-?\d+)/.exec(chunk)?.[1] ?? null);

interface EdgeCase {
  label: string;
  note?: string;
  payload: Record<string, unknown>;
  /** Fields the event must have; `details` is compared whole unless `partialDetails`. */
  expect: Partial<GeweEvent>;
  partialDetails?: boolean;
}

/** Shapes the official samples lack, written from the protocol (group quotes, other sysmsgs, English notices…). */
const EDGE_CASES = parseJsonBigSafe(
  readFileSync(join(__dirname, '..', 'fake-gewe', 'edge-callbacks.json'), 'utf8'),
) as EdgeCase[];

const BOT = 'wxid_bot';
const ROOM = '12345678901@chatroom';
const robot: RobotRef = { id: 7, appId: 'wx_app', wxid: BOT };

interface MsgInput {
  from: string;
  to: string;
  type: number;
  content: string;
  msgSource?: string;
  newMsgId?: string | number;
  pushContent?: string;
}

/** An AddMsg callback as Gewe sends it (after the bigint-safe parse). */
function addMsg(m: MsgInput): Record<string, unknown> {
  return {
    TypeName: 'AddMsg',
    Appid: 'wx_app',
    Wxid: BOT,
    Data: {
      MsgId: 1040356095,
      FromUserName: { string: m.from },
      ToUserName: { string: m.to },
      MsgType: m.type,
      Content: { string: m.content },
      Status: 3,
      ImgStatus: 1,
      ImgBuf: { iLen: 0 },
      CreateTime: 1705043418,
      MsgSource: m.msgSource ?? '<msgsource>\n\t<signature>v1_x</signature>\n</msgsource>\n',
      ...(m.pushContent === undefined ? {} : { PushContent: m.pushContent }),
      NewMsgId: m.newMsgId ?? '7773749793478223190',
      MsgSeq: 640356095,
    },
  };
}

function atList(ids: string): string {
  return `<msgsource>\n\t<atuserlist><![CDATA[${ids}]]></atuserlist>\n\t<membercount>3</membercount>\n</msgsource>\n`;
}

function sample(label: string): Sample {
  const found = SAMPLES.find((s) => s.label === label);
  if (!found) throw new Error(`no sample ${label}`);
  return found;
}

describe('classify: the 31 official samples', () => {
  it('reads 31 samples and one NewMsgId slot per sample from the file', () => {
    expect(SAMPLES).toHaveLength(31);
    expect(FILE_IDS).toHaveLength(31);
  });

  it.each(SAMPLES.map((s, i) => [i + 1, s.label, s.kind, s, FILE_IDS[i] ?? null] as const))(
    'classifies sample %i (%s) as %s with the exact NewMsgId',
    (_n, _label, kind, s, fileId) => {
      const ev = classify(s.payload, robot);
      expect(ev.kind).toBe(kind);
      expect(ev.newMsgId).toBe(fileId);
      expect(ev.raw).toBe(s.payload);
      expect(ev.robotId).toBe(7);
      expect(ev.appId).toBe('wx_wR_U4zPj2M_OTS3BCyoE4');
    },
  );

  it('covers every event kind of the samples exactly once', () => {
    const kinds = SAMPLES.map((s) => classify(s.payload, robot).kind);
    expect(new Set(kinds)).toEqual(new Set(EVENT_KINDS.slice(0, 31)));
  });

  it('keeps ids above 2^53 exact in revoke and quote payloads', () => {
    const revoke = classify(sample('撤回消息').payload, robot);
    expect(revoke.newMsgId).toBe('1968256046');
    expect(revoke.details).toEqual({ revokedMsgId: '5576224237104747184', replaceMsg: '"朝夕。" 撤回了一条消息' });
    const quote = classify(sample('引用消息').payload, robot);
    expect(quote.text).toBe('看看这个');
    expect(quote.details.quotedMsgId).toBe('3617029648443513152');
    expect(quote.details.quotedType).toBe('49');
    expect(String(quote.details.quotedContent)).toMatch(/^<msg><appmsg/);
  });

  it('reads the rename sample’s new name from curly quotes', () => {
    const ev = classify(sample('修改群名称').payload, robot);
    expect(ev.details).toEqual({ newName: 'GeWe test1' });
    expect(ev.text).toBe('你修改群名为“GeWe test1”');
    expect(ev.isGroup).toBe(true);
    expect(ev.chatId).toBe('34757816141@chatroom');
  });

  it('resolves the kicked member of the kick sample from its link list', () => {
    const ev = classify(sample('踢出群聊通知').payload, robot);
    expect(ev.details.kickedWxids).toEqual(['wxid_8pvka4jg6qzt22']);
    expect(ev.details.kickedNicknames).toEqual(['白开水加糖']);
    expect(ev.senderWxid).toBeNull();
    expect(ev.content?.startsWith('<sysmsg')).toBe(true);
  });

  it('keeps the transfer amount as written, full-width yen included', () => {
    const ev = classify(sample('转账消息').payload, robot);
    expect(ev.details.amount).toBe('￥0.10');
    expect(ev.details.transactionId).toBe('53010000124165202401122702555054');
    expect(ev.details.receiver).toBe('wxid_0xsqb3o0tsvz22');
  });

  it('reads the red packet although its type is written as CDATA', () => {
    const ev = classify(sample('红包消息').payload, robot);
    expect(ev.details.sendId).toBe('1000039901202401127291056629415');
    expect(ev.details.receiverTitle).toBe('恭喜发财，大吉大利');
  });

  it('reads the finder card from child elements', () => {
    const ev = classify(sample('视频号消息').payload, robot);
    expect(ev.details.objectId).toBe('14264358459626428566');
    expect(ev.details.nickname).toBe('国风锦鲤');
  });

  it('reads the announcement text from <content>', () => {
    const ev = classify(sample('发布群公告').payload, robot);
    expect(ev.details).toEqual({ announcement: '群公告哈1', operatorWxid: 'wxid_0xsqb3o0tsvz22' });
    expect(ev.senderWxid).toBe('wxid_0xsqb3o0tsvz22');
  });

  it('reads media details with numbers where they are sizes', () => {
    const image = classify(sample('图片消息').payload, robot);
    expect(image.details).toMatchObject({
      md5: '2a4cb28868b9d450a135b1a85b5ba3dd',
      length: 2998,
      hasInlineThumb: true,
    });
    const location = classify(sample('地理位置').payload, robot);
    expect(location.details).toMatchObject({ latitude: 39.90374, longitude: 116.397827, poiName: '北京天安门广场' });
    const file = classify(sample('文件消息（文件发送完成）').payload, robot);
    expect(file.details).toMatchObject({ fileName: 'hhh.xlsx', fileExt: 'xlsx', fileSize: 8939 });
  });

  it('turns a DelContacts for a room into group_quit with the room as chat', () => {
    const ev = classify(sample('退出群聊').payload, robot);
    expect(ev.details).toEqual({ userName: '34559815390@chatroom' });
    expect(ev.chatId).toBe('34559815390@chatroom');
  });
});

describe('classify: the edge-case corpus', () => {
  it.each(EDGE_CASES.map((c) => [c.label, c] as const))('classifies %s', (_label, c) => {
    const ev = classify(c.payload, robot);
    const { details, ...rest } = c.expect;
    expect(ev).toMatchObject(rest);
    if (details !== undefined) {
      if (c.partialDetails) expect(ev.details).toMatchObject(details);
      else expect(ev.details).toEqual(details);
    }
  });
});

describe('classify: senders, chats and mentions', () => {
  it('takes a group sender with a custom id from the content prefix', () => {
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 1, content: 'zhangsan123:\n大家好' }), robot);
    expect(ev.kind).toBe('text');
    expect(ev.isGroup).toBe(true);
    expect(ev.chatId).toBe(ROOM);
    expect(ev.senderWxid).toBe('zhangsan123');
    expect(ev.content).toBe('大家好');
    expect(ev.text).toBe('大家好');
    expect(ev.isSelf).toBe(false);
  });

  it('marks a private message the robot sent as self, with the peer as chat', () => {
    const ev = classify(addMsg({ from: BOT, to: 'wxid_friend', type: 1, content: 'hi there' }), robot);
    expect(ev.isSelf).toBe(true);
    expect(ev.isGroup).toBe(false);
    expect(ev.chatId).toBe('wxid_friend');
    expect(ev.senderWxid).toBe(BOT);
  });

  it('uses From as the chat of a private message from someone else', () => {
    const ev = classify(addMsg({ from: 'wxid_friend', to: BOT, type: 1, content: 'yo' }), robot);
    expect(ev.isSelf).toBe(false);
    expect(ev.chatId).toBe('wxid_friend');
    expect(ev.senderWxid).toBe('wxid_friend');
  });

  it('reads a group message the robot sent (no prefix) as the robot’s own', () => {
    const ev = classify(addMsg({ from: BOT, to: ROOM, type: 1, content: 'hello: all\nsecond line' }), robot);
    expect(ev.isGroup).toBe(true);
    expect(ev.chatId).toBe(ROOM);
    expect(ev.senderWxid).toBe(BOT);
    expect(ev.isSelf).toBe(true);
    expect(ev.text).toBe('hello: all\nsecond line');
  });

  it('marks a group message from the robot with a prefix as self', () => {
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 1, content: `${BOT}:\nfrom my phone` }), robot);
    expect(ev.senderWxid).toBe(BOT);
    expect(ev.isSelf).toBe(true);
  });

  it('sees an @-mention of the robot and strips the mention markup from the text', () => {
    const ev = classify(
      addMsg({ from: ROOM, to: BOT, type: 1, content: 'wxid_alice:\n@Bot\u2005hi', msgSource: atList(`,${BOT}`) }),
      robot,
    );
    expect(ev.mentions).toEqual([BOT]);
    expect(ev.mentionsSelf).toBe(true);
    expect(ev.mentionsAll).toBe(false);
    expect(ev.text).toBe('hi');
    expect(ev.content).toBe('@Bot\u2005hi');
  });

  it('sees @all and several mentions, ignoring empty entries and blanks', () => {
    const ev = classify(
      addMsg({
        from: ROOM,
        to: BOT,
        type: 1,
        content: 'wxid_alice:\n@所有人\u2005开会 @小明\u2005',
        msgSource: atList(', notify@all ,wxid_b,,'),
      }),
      robot,
    );
    expect(ev.mentions).toEqual(['notify@all', 'wxid_b']);
    expect(ev.mentionsAll).toBe(true);
    expect(ev.mentionsSelf).toBe(false);
    expect(ev.text).toBe('开会');
  });

  it('takes off a mention without U+2005 only when MsgSource lists more mentions than the markup shows', () => {
    const text = (content: string, ids?: string): string | null =>
      classify(addMsg({ from: ROOM, to: BOT, type: 1, content, msgSource: ids ? atList(ids) : undefined }), robot).text;
    expect(text('wxid_alice:\n@Robot Helper  ', BOT)).toBe('');
    expect(text('wxid_alice:\n谁知道？@小助手', BOT)).toBe('谁知道？');
    // Every listed mention has its markup: an "@" the writer typed stays, and so does one without any mention.
    expect(text('wxid_alice:\n@Bob\u2005mail me at x@y.com', 'wxid_bob')).toBe('mail me at x@y.com');
    expect(text('wxid_alice:\nping @everyone')).toBe('ping @everyone');
  });

  it('reads an atuserlist written without CDATA', () => {
    const src = `<msgsource><atuserlist>wxid_x,${BOT}</atuserlist></msgsource>`;
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 1, content: 'wxid_x:\nhey', msgSource: src }), robot);
    expect(ev.mentionsSelf).toBe(true);
  });

  it('accepts the lowercase key spelling of newer Gewe builds', () => {
    const upper = addMsg({ from: 'wxid_friend', to: BOT, type: 1, content: 'lower' });
    const lower = { type_name: 'AddMsg', appid: 'wx_other', wxid: BOT, data: upper.Data };
    const ev = classify(lower, robot);
    expect(ev.kind).toBe('text');
    expect(ev.typeName).toBe('AddMsg');
    expect(ev.appId).toBe('wx_other');
    expect(ev.robotWxid).toBe(BOT);
    expect(ev.text).toBe('lower');
    expect(ev.newMsgId).toBe('7773749793478223190');
    const camel = classify({ typeName: 'addmsg', Appid: 'wx_app', Data: upper.Data }, robot);
    expect(camel.kind).toBe('text');
    expect(camel.typeName).toBe('AddMsg');
  });

  it('takes the robot wxid from the robot when the callback has none', () => {
    const payload = addMsg({ from: BOT, to: 'wxid_friend', type: 1, content: 'x' });
    delete payload.Wxid;
    const ev = classify(payload, robot);
    expect(ev.robotWxid).toBe(BOT);
    expect(ev.isSelf).toBe(true);
  });

  it('writes small numeric ids as strings', () => {
    const ev = classify(addMsg({ from: 'wxid_friend', to: BOT, type: 1, content: 'x', newMsgId: 1968256046 }), robot);
    expect(ev.newMsgId).toBe('1968256046');
    expect(ev.msgId).toBe('1040356095');
    expect(ev.createTime).toBe(1705043418);
  });
});

describe('classify: kinds beyond the samples', () => {
  it('classifies an Offline callback without Data', () => {
    const ev = classify({ TypeName: 'Offline', Appid: 'wx_app', Wxid: BOT }, robot);
    expect(ev.kind).toBe('offline');
    expect(ev.typeName).toBe('Offline');
    expect(ev.details).toEqual({});
    expect(ev.newMsgId).toBeNull();
  });

  it('reads an ordinary appmsg type 5 as a link, not as a group invite', () => {
    const content =
      '<msg><appmsg appid="" sdkver="0"><title>今日新闻</title><des>摘要</des><type>5</type>' +
      '<url>https://mp.weixin.qq.com/s?a=1&amp;b=2</url><thumburl>https://img/x.jpg</thumburl>' +
      '<sourceusername>gh_abc</sourceusername><sourcedisplayname>某公众号</sourcedisplayname></appmsg></msg>';
    const ev = classify(addMsg({ from: 'wxid_friend', to: BOT, type: 49, content }), robot);
    expect(ev.kind).toBe('link');
    expect(ev.details).toEqual({
      title: '今日新闻',
      description: '摘要',
      url: 'https://mp.weixin.qq.com/s?a=1&b=2',
      thumbUrl: 'https://img/x.jpg',
      sourceUsername: 'gh_abc',
      sourceDisplayName: '某公众号',
    });
  });

  it('reads a group invite card by its url even when the title is translated', () => {
    const content =
      '<msg><appmsg><title>Group Chat Invitation</title><des>"Ann" invited you to join "Club"</des><type>5</type>' +
      '<url><![CDATA[https://support.weixin.qq.com/cgi-bin/mmsupport-bin/addchatroombyinvite?ticket=X]]></url></appmsg></msg>';
    const ev = classify(addMsg({ from: 'wxid_friend', to: BOT, type: 49, content }), robot);
    expect(ev.kind).toBe('group_invite');
  });

  it('reads the new text and the quoted id of a group quote, even with the member in fromusr', () => {
    const content =
      'wxid_alice:\n<?xml version="1.0"?>\n<msg><appmsg appid="" sdkver="0"><title>同意 +1</title><type>57</type>' +
      '<refermsg><type>1</type><svrid>9223372036854775807</svrid><fromusr>wxid_bob</fromusr>' +
      `<chatusr>${ROOM}</chatusr><displayname>Bob</displayname><content>明天开会</content></refermsg></appmsg></msg>`;
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 49, content }), robot);
    expect(ev.kind).toBe('quote');
    expect(ev.senderWxid).toBe('wxid_alice');
    expect(ev.text).toBe('同意 +1');
    expect(ev.details).toEqual({
      quotedMsgId: '9223372036854775807',
      quotedType: '1',
      quotedSender: 'wxid_bob',
      quotedChat: ROOM,
      quotedDisplayName: 'Bob',
      quotedContent: '明天开会',
    });
  });

  it('reads an unknown appmsg type with a url as a link, and without one as unknown', () => {
    const withUrl = '<msg><appmsg><title>Song</title><type>3</type><url>https://music/x</url></appmsg></msg>';
    expect(classify(addMsg({ from: 'wxid_f', to: BOT, type: 49, content: withUrl }), robot).kind).toBe('link');
    const bare = '<msg><appmsg><title>History</title><type>19</type></appmsg></msg>';
    expect(classify(addMsg({ from: 'wxid_f', to: BOT, type: 49, content: bare }), robot).kind).toBe('unknown');
  });

  it('reads a 10000 notice of someone joining by QR code as group_join', () => {
    const ev = classify(
      addMsg({ from: ROOM, to: BOT, type: 10000, content: '"张三"通过扫描"李四"分享的二维码加入群聊' }),
      robot,
    );
    expect(ev.kind).toBe('group_join');
    expect(ev.text).toBe('"张三"通过扫描"李四"分享的二维码加入群聊');
    expect(ev.details).toEqual({
      joinedWxids: [],
      joinedNicknames: ['张三'],
      inviterWxid: null,
      inviterNickname: '李四',
    });
    expect(ev.senderWxid).toBeNull();
  });

  it('reads a 10000 invitation of several people as group_join', () => {
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 10000, content: '"A"邀请"B、C"加入了群聊' }), robot);
    expect(ev.kind).toBe('group_join');
    expect(ev.details).toMatchObject({ joinedNicknames: ['B', 'C'], inviterNickname: 'A' });
  });

  it('reads other 10000 notices: kick, dismiss, straight-quoted rename, new owner, and anything else as system', () => {
    const kinds = (content: string): [string, Record<string, unknown>] => {
      const ev = classify(addMsg({ from: ROOM, to: BOT, type: 10000, content }), robot);
      return [ev.kind, ev.details];
    };
    expect(kinds('"甲"将"乙"移出了群聊')).toEqual([
      'group_kick',
      { kickedWxids: [], kickedNicknames: ['乙'], operatorWxid: null, operatorNickname: '甲' },
    ]);
    expect(kinds('群主"甲"已解散该群聊')).toEqual(['group_dismiss', { operatorWxid: null, operatorNickname: '甲' }]);
    expect(kinds('"甲"修改群名为"新 名字"')).toEqual(['group_rename', { newName: '新 名字' }]);
    expect(kinds('你修改群名为“解散吧”')).toEqual(['group_rename', { newName: '解散吧' }]);
    expect(kinds('你已成为新群主')).toEqual(['group_owner_change', { newOwnerWxid: BOT, newOwnerNickname: null }]);
    expect(kinds('"甲"邀请你加入了群聊')[0]).toBe('group_invited');
    expect(kinds('你已解散该群聊')).toEqual(['group_dismiss', { operatorWxid: BOT, operatorNickname: null }]);
    expect(kinds('你已添加了甲，现在可以开始聊天了。')).toEqual(['system', {}]);
  });

  it('keeps a join request waiting for approval as system, and reads a QR-code joiner as one person', () => {
    const ev = (content: string): GeweEvent => classify(addMsg({ from: ROOM, to: BOT, type: 10000, content }), robot);
    const request = ev('"小红"想邀请"小李"加入群聊');
    expect([request.kind, request.text]).toEqual(['system', '"小红"想邀请"小李"加入群聊']);
    expect(ev('"Alice" wants to invite 2 friends to the group chat').kind).toBe('system');
    // The account itself joining names it as "你" / "You".
    expect(ev('你通过扫描"李四"分享的二维码加入群聊').details).toEqual({
      joinedWxids: [BOT],
      joinedNicknames: [],
      inviterWxid: null,
      inviterNickname: '李四',
    });
    expect(ev('You joined the group chat via the QR Code shared by "Li Si".').details).toMatchObject({
      joinedWxids: [BOT],
      inviterNickname: 'Li Si',
    });
    // A QR code brings in one person: a "、" in the nickname does not make two.
    expect(ev('"卓桓、Zhuohuan"通过扫描"李佳芮"分享的二维码加入群聊').details).toEqual({
      joinedWxids: [],
      joinedNicknames: ['卓桓、Zhuohuan'],
      inviterWxid: null,
      inviterNickname: '李佳芮',
    });
  });

  it('gives a 10002 template notice its sentence as text, names filled in', () => {
    const ev = classify(sample('踢出群聊通知').payload, robot);
    expect(ev.text).toBe('你将"白开水加糖"移出了群聊');
  });

  it('reads a 10002 join template with the joined wxids and the inviter', () => {
    const content =
      `${ROOM}:\n<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">` +
      '<plain><![CDATA[]]></plain><template><![CDATA["$username$"邀请"$names$"加入了群聊]]></template><link_list>' +
      '<link name="username" type="link_profile"><memberlist><member><username><![CDATA[wxid_inv]]></username>' +
      '<nickname><![CDATA[邀请人]]></nickname></member></memberlist></link>' +
      '<link name="names" type="link_profile"><memberlist>' +
      '<member><username><![CDATA[wxid_n1]]></username><nickname><![CDATA[新人1]]></nickname></member>' +
      '<member><username><![CDATA[wxid_n2]]></username><nickname><![CDATA[新人2]]></nickname></member>' +
      '</memberlist><separator><![CDATA[、]]></separator></link></link_list></content_template></sysmsgtemplate></sysmsg>';
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 10002, content }), robot);
    expect(ev.kind).toBe('group_join');
    expect(ev.details).toEqual({
      joinedWxids: ['wxid_n1', 'wxid_n2'],
      joinedNicknames: ['新人1', '新人2'],
      inviterWxid: 'wxid_inv',
      inviterNickname: '邀请人',
    });
  });

  it('reads a 10002 "invited you" template as group_invited', () => {
    const content =
      `${ROOM}:\n<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profilewithrevoke">` +
      '<template><![CDATA["$username$"邀请你加入了群聊，群聊参与人还有：$others$]]></template><link_list>' +
      '<link name="username" type="link_profile"><memberlist><member><username>wxid_inv</username>' +
      '<nickname>邀请人</nickname></member></memberlist></link></link_list></content_template></sysmsgtemplate></sysmsg>';
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 10002, content }), robot);
    expect(ev.kind).toBe('group_invited');
    expect(ev.details).toEqual({ inviterWxid: 'wxid_inv', inviterNickname: '邀请人' });
  });

  it('reads an unrecognised sysmsg without a sentence as system, naming its type', () => {
    const content = `${ROOM}:\n<sysmsg type="NewXmlChatRoomAccessVerifyApplication"><x>1</x></sysmsg>`;
    const ev = classify(addMsg({ from: ROOM, to: BOT, type: 10002, content }), robot);
    expect(ev.kind).toBe('system');
    expect(ev.text).toBeNull();
    expect(ev.details).toEqual({ sysmsgType: 'NewXmlChatRoomAccessVerifyApplication', members: [] });
  });

  it('reads MsgType 51 as sync', () => {
    const content = '<msg><op id="2"><name>lastMessage</name></op></msg>';
    expect(classify(addMsg({ from: BOT, to: BOT, type: 51, content }), robot).kind).toBe('sync');
  });

  it('reads an unknown MsgType as unknown', () => {
    const ev = classify(addMsg({ from: 'wxid_friend', to: BOT, type: 9999, content: 'x' }), robot);
    expect(ev.kind).toBe('unknown');
    expect(ev.msgType).toBe(9999);
    expect(ev.newMsgId).toBe('7773749793478223190');
  });

  it('reads an unknown TypeName as unknown, keeping its spelling', () => {
    const ev = classify({ TypeName: 'ModChatRooms', Appid: 'wx_app', Data: {} }, robot);
    expect(ev.kind).toBe('unknown');
    expect(ev.typeName).toBe('ModChatRooms');
  });
});

describe('classify: bad input', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'AddMsg'],
    ['a number', 42],
    ['an array', [{ TypeName: 'AddMsg' }]],
    ['an empty object', {}],
    ['AddMsg without Data', { TypeName: 'AddMsg' }],
    ['AddMsg with Data as a string', { TypeName: 'AddMsg', Data: 'x' }],
  ])('answers unknown for %s without throwing', (_what, input) => {
    const ev = classify(input, robot);
    expect(ev.kind).toBe('unknown');
    expect(ev.robotId).toBe(7);
    expect(ev.appId).toBe('wx_app');
    expect(ev.raw).toBe(input);
  });

  it('falls back to substring rules for malformed XML', () => {
    const truncatedLink =
      '<msg><appmsg><title>A & B</title><type>5</type><url>https://x.test/?a=1&b=2</url><des>cut he';
    const link = classify(addMsg({ from: 'wxid_f', to: BOT, type: 49, content: truncatedLink }), robot);
    expect(link.kind).toBe('link');
    expect(link.details).toMatchObject({ title: 'A & B', url: 'https://x.test/?a=1&b=2', description: 'cut he' });

    const truncatedImage = '<msg><img aeskey="abc" md5="def" length="12';
    const image = classify(addMsg({ from: 'wxid_f', to: BOT, type: 3, content: truncatedImage }), robot);
    expect(image.kind).toBe('image');
    expect(image.details).toMatchObject({ aesKey: 'abc', md5: 'def' });

    const truncatedRevoke = `${ROOM}:\n<sysmsg type="revokemsg"><revokemsg><newmsgid>5576224237104747184</newmsgid><repl`;
    const revoke = classify(addMsg({ from: ROOM, to: BOT, type: 10002, content: truncatedRevoke }), robot);
    expect(revoke.kind).toBe('revoke');
    expect(revoke.details.revokedMsgId).toBe('5576224237104747184');

    const garbage = classify(addMsg({ from: 'wxid_f', to: BOT, type: 49, content: '<<<>>> </ <!-- ' }), robot);
    expect(garbage.kind).toBe('unknown');
    const sysGarbage = classify(addMsg({ from: ROOM, to: BOT, type: 10002, content: 'not xml' }), robot);
    expect(sysGarbage.kind).toBe('system');
  });

  it('does not mutate its input and answers the same for the same input', () => {
    for (const s of SAMPLES) {
      const before = JSON.stringify(s.payload);
      const a = classify(s.payload, robot);
      const b = classify(s.payload, robot);
      expect(JSON.stringify(s.payload)).toBe(before);
      expect(a).toEqual(b);
    }
  });
});

describe('classify: fuzzing', () => {
  /** mulberry32: a tiny deterministic PRNG, so a failure replays the same way. */
  function prng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const JUNK: unknown[] = [
    null,
    undefined,
    0,
    -1,
    1e300,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    'x',
    '<',
    '<msg><appmsg><type>5',
    `${ROOM}:\n<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template><template>移出了群聊`,
    '\u0000\u2005@',
    {},
    [],
    [1, 2],
    { string: 42 },
    { string: null },
    { string: '<msg' },
    true,
    '9'.repeat(40),
    'AddMsg',
    10002,
    49,
  ];

  type Container = Record<string, unknown> | unknown[];

  function containers(value: unknown, out: Container[] = []): Container[] {
    if (typeof value === 'object' && value !== null) {
      out.push(value as Container);
      for (const child of Object.values(value)) containers(child, out);
    }
    return out;
  }

  function mutate(payload: unknown, rnd: () => number): unknown {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
    let root: unknown = structuredClone(payload);
    const steps = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < steps; i++) {
      const all = containers(root);
      if (all.length === 0) return root;
      const target = pick(all);
      const keys = Object.keys(target);
      if (keys.length === 0) continue;
      const key = pick(keys);
      const rec = target as Record<string, unknown>;
      const op = rnd();
      if (op < 0.25) {
        delete rec[key];
      } else if (op < 0.55) {
        rec[key] = pick(JUNK);
      } else if (op < 0.85) {
        // Truncate the content (or any string) at a random point.
        const data = (root as Record<string, unknown> | null)?.Data as Record<string, unknown> | undefined;
        const content = data?.Content as Record<string, unknown> | undefined;
        const value = rec[key];
        if (content && typeof content.string === 'string' && rnd() < 0.6) {
          content.string = content.string.slice(0, Math.floor(rnd() * content.string.length));
        } else if (typeof value === 'string') {
          rec[key] = value.slice(0, Math.floor(rnd() * value.length));
        }
      } else if (op < 0.95) {
        // Swap in a random type so one kind's payload meets another kind's rules.
        const data = (root as Record<string, unknown> | null)?.Data as Record<string, unknown> | undefined;
        if (data && typeof data === 'object') data.MsgType = pick([1, 3, 34, 37, 42, 43, 47, 48, 49, 51, 10000, 10002]);
      } else {
        root = pick(JUNK);
      }
    }
    return root;
  }

  it('never throws on 500 randomly mutated sample payloads', () => {
    const rnd = prng(20240112);
    const kinds = new Set<string>(EVENT_KINDS);
    for (let i = 0; i < 500; i++) {
      const input = mutate(SAMPLES[i % SAMPLES.length]?.payload, rnd);
      let ev: GeweEvent | undefined;
      expect(() => {
        ev = classify(input, robot);
      }).not.toThrow();
      expect(kinds.has(ev!.kind)).toBe(true);
      expect(ev!.newMsgId === null || typeof ev!.newMsgId === 'string').toBe(true);
      expect(ev!.mentions.every((m) => typeof m === 'string')).toBe(true);
      expect(typeof ev!.details).toBe('object');
    }
  });
});
