/**
 * Callbacks the first-party plugins' e2e suites post besides the harness's texts: group messages of any MsgType with
 * the push text WeChat puts the sender's display name in (`Name : …`), and a helper that waits until the message log
 * has dispatched one of them (its handler results, with the notes plugins made).
 */
import { newMsgId } from './onebot';
import type { PluginHarness } from './plugin-e2e';
import { bearer } from './test-app';
import { waitFor } from './wait';

/** The official image sample's XML (no inline thumbnail): forwardImage takes it as it is. */
export const IMAGE_XML =
  '<?xml version="1.0"?>\n<msg>\n\t<img aeskey="9b7011c38d1af088f579eda23e3b9cad" encryver="1" ' +
  'cdnthumbaeskey="9b7011c38d1af088f579eda23e3b9cad" cdnthumburl="3057020100044b30490201000204390475200203" ' +
  'cdnthumblength="2146" cdnthumbheight="76" cdnthumbwidth="120" cdnmidheight="0" cdnmidwidth="0" cdnhdheight="0" ' +
  'cdnhdwidth="0" cdnmidimgurl="3057020100044b30490201000204390475200203" length="2998" ' +
  'md5="2a4cb28868b9d450a135b1a85b5ba3dd" />\n</msg>\n';

/** A group message of `from` (display name `name`) in `room`; `content` after the `wxid:\n` prefix. */
export function groupMessage(
  h: PluginHarness,
  o: { room: string; from: string; name: string; msgType?: number; content: string; push?: string; id?: string },
): string {
  const id = o.id ?? newMsgId();
  const push = o.push ?? `${o.name} : ${o.msgType && o.msgType !== 1 ? '[图片]' : o.content}`;
  return (
    `{"TypeName":"AddMsg","Appid":${JSON.stringify(h.robot.appId)},"Wxid":${JSON.stringify(h.robot.wxid)},"Data":{` +
    `"MsgId":${1_050_000_000 + Math.floor(Math.random() * 1_000_000)},"FromUserName":{"string":${JSON.stringify(o.room)}},` +
    `"ToUserName":{"string":${JSON.stringify(h.robot.wxid)}},"MsgType":${o.msgType ?? 1},` +
    `"Content":{"string":${JSON.stringify(`${o.from}:\n${o.content}`)}},"Status":3,"ImgStatus":1,"ImgBuf":{"iLen":0},` +
    `"CreateTime":${Math.floor(Date.now() / 1000)},"MsgSource":"<msgsource><membercount>5</membercount></msgsource>",` +
    `"PushContent":${JSON.stringify(push)},"NewMsgId":${id},"MsgSeq":${650_000_000 + Math.floor(Math.random() * 1_000_000)}}}`
  );
}

export interface LoggedResult {
  plugin: string;
  handler: string;
  status: string;
  notes?: Record<string, unknown>[];
}

/** Waits until the message `newMsgId` of `chatId` is in the log with its plugins run; resolves with their results. */
export async function dispatched(h: PluginHarness, chatId: string, id: string): Promise<LoggedResult[]> {
  return waitFor(
    async () => {
      const list = await h.t
        .http()
        .get('/api/messages')
        .query({ robotId: h.robot.id, chatId, limit: 100 })
        .set(bearer(h.admin));
      const row = (list.body.items as { id: number; newMsgId: string; handled: boolean }[] | undefined)?.find(
        (m) => m.newMsgId === id,
      );
      if (!row?.handled) return null;
      const detail = await h.t.http().get(`/api/messages/${row.id}`).set(bearer(h.admin));
      return (detail.body.results as LoggedResult[] | null) ?? null;
    },
    undefined,
    `message ${id} dispatched`,
  );
}
