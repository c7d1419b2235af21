/**
 * A friend request as Gewe posts it (the official sample's shape: MsgType 37 from `fmessage`, the request in the
 * `<msg …>` attributes), for the FriendGate suites. Each request gets its own tickets.
 */
import { newMsgId } from './onebot';

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export interface FriendRequestOptions {
  appId: string;
  robotWxid: string;
  wxid: string;
  nickname: string;
  content: string;
  scene?: number;
}

/** The tickets the request carries (what addContacts must be called with to accept it). */
export function ticketsOf(wxid: string): { v3: string; v4: string } {
  return { v3: `v3_020b3826fd0301000000000${wxid}@stranger`, v4: `v4_000b708f0b04000001000000000${wxid}@stranger` };
}

export function friendRequestCallback(o: FriendRequestOptions): string {
  const { v3, v4 } = ticketsOf(o.wxid);
  const content =
    `<msg fromusername="${attr(o.wxid)}" encryptusername="${v3}" fromnickname="${attr(o.nickname)}" ` +
    `content="${attr(o.content)}" fullpy="" shortpy="" imagestatus="3" scene="${o.scene ?? 6}" country="" ` +
    `province="" city="" sign="" percard="0" sex="1" alias="" weibo="" albumflag="3" albumstyle="0" ` +
    `bigheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/x/0" smallheadimgurl="http://wx.qlogo.cn/mmhead/ver_1/x/132" ` +
    `ticket="${v4}" opcode="2" googlecontact="" qrticket="" chatroomusername="" sourceusername="" ` +
    `sourcenickname="" sharecardusername="" sharecardnickname="" cardversion="" extflag="0">` +
    `<brandlist count="0" ver="640356091"></brandlist></msg>`;
  return JSON.stringify({
    TypeName: 'AddMsg',
    Appid: o.appId,
    Wxid: o.robotWxid,
    Data: {
      MsgId: 1_040_356_166,
      FromUserName: { string: 'fmessage' },
      ToUserName: { string: o.robotWxid },
      MsgType: 37,
      Content: { string: content },
      Status: 3,
      ImgStatus: 1,
      ImgBuf: { iLen: 0 },
      CreateTime: Math.floor(Date.now() / 1000),
      MsgSource: '<msgsource>\n\t<signature>v1_GOrHWRNL</signature>\n</msgsource>\n',
      NewMsgId: '__ID__',
      MsgSeq: 640_356_166,
    },
  }).replace('"__ID__"', newMsgId());
}
