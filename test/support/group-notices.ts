/**
 * Group notices as Gewe posts them (10002 `sysmsgtemplate`, the shape of the official kick sample): someone invited
 * members into a group, or the robot removed members from it. For the GroupWelcome suites.
 */
import { newMsgId } from './onebot';

export interface NoticeMember {
  wxid: string;
  nickname: string;
}

const cdata = (s: string) => `<![CDATA[${s}]]>`;

function memberList(members: NoticeMember[]): string {
  return (
    '<memberlist>' +
    members
      .map((m) => `<member><username>${cdata(m.wxid)}</username><nickname>${cdata(m.nickname)}</nickname></member>`)
      .join('') +
    '</memberlist>'
  );
}

function templateCallback(o: { appId: string; robotWxid: string; room: string; template: string; links: string }) {
  const content =
    `${o.room}:\n<sysmsg type="sysmsgtemplate">\n\t<sysmsgtemplate>\n\t\t<content_template type="tmpl_type_profile">` +
    `<plain>${cdata('')}</plain><template>${cdata(o.template)}</template><link_list>${o.links}</link_list>` +
    `</content_template>\n\t</sysmsgtemplate>\n</sysmsg>\n`;
  return JSON.stringify({
    TypeName: 'AddMsg',
    Appid: o.appId,
    Wxid: o.robotWxid,
    Data: {
      MsgId: 1_040_357_000 + Math.floor(Math.random() * 1000),
      FromUserName: { string: o.room },
      ToUserName: { string: o.robotWxid },
      MsgType: 10002,
      Content: { string: content },
      Status: 4,
      ImgStatus: 1,
      ImgBuf: { iLen: 0 },
      CreateTime: Math.floor(Date.now() / 1000),
      MsgSource: '<msgsource>\n\t<tmp_node>\n\t\t<publisher-id></publisher-id>\n\t</tmp_node>\n</msgsource>\n',
      NewMsgId: '__ID__',
      MsgSeq: 640_357_000,
    },
  }).replace('"__ID__"', newMsgId());
}

/** `"inviter"邀请"A、B"加入了群聊`, with each member's wxid in the template's link list. */
export function joinCallback(o: {
  appId: string;
  robotWxid: string;
  room: string;
  inviter: NoticeMember;
  joined: NoticeMember[];
}): string {
  return templateCallback({
    ...o,
    template: '"$username$"邀请"$names$"加入了群聊',
    links:
      `<link name="username" type="link_profile">${memberList([o.inviter])}</link>` +
      `<link name="names" type="link_profile">${memberList(o.joined)}<separator>${cdata('、')}</separator></link>`,
  });
}

/** `你将"A"移出了群聊` (the robot removed a member), as in the official sample. */
export function kickCallback(o: { appId: string; robotWxid: string; room: string; kicked: NoticeMember[] }): string {
  return templateCallback({
    ...o,
    template: '你将"$kickoutname$"移出了群聊',
    links: `<link name="kickoutname" type="link_profile">${memberList(o.kicked)}</link>`,
  });
}
