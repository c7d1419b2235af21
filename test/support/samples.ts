import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LosslessNumber, parse, stringify } from 'lossless-json';

export interface Sample {
  label: string;
  kind: string;
  /** The payload parsed losslessly: 64-bit numbers stay exact when written back. */
  payload: Record<string, unknown>;
}

/** The 31 official callback samples (test/fake-gewe/callbacks.json, a copy of ../shared/gewe/callbacks.json). */
export function loadSamples(): Sample[] {
  return parse(readFileSync(join(__dirname, '..', 'fake-gewe', 'callbacks.json'), 'utf8')) as Sample[];
}

/** The sample as the JSON text Gewe would POST, addressed to `appId` (and robot `wxid` when given). */
export function sampleBody(s: Sample, appId: string, wxid?: string): string {
  const p = { ...s.payload, Appid: appId, ...(wxid && 'Wxid' in s.payload ? { Wxid: wxid } : {}) };
  return stringify(p)!;
}

/** The sample's NewMsgId exactly as written in the file, or null. */
export function newMsgIdOf(s: Sample): string | null {
  const data = s.payload.Data as Record<string, unknown> | undefined;
  const id = data?.NewMsgId;
  return id instanceof LosslessNumber ? id.value : typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

/** A text message from `from` to the robot (or in a group: from the group, with the sender prefix). */
export function textCallback(opts: {
  appId: string;
  robotWxid: string;
  from: string;
  text: string;
  newMsgId: string;
  group?: string;
}): string {
  const content = opts.group ? `${opts.from}:\n${opts.text}` : opts.text;
  return (
    `{"TypeName":"AddMsg","Appid":${JSON.stringify(opts.appId)},"Wxid":${JSON.stringify(opts.robotWxid)},"Data":{` +
    `"MsgId":1040356095,"FromUserName":{"string":${JSON.stringify(opts.group ?? opts.from)}},` +
    `"ToUserName":{"string":${JSON.stringify(opts.robotWxid)}},"MsgType":1,"Content":{"string":${JSON.stringify(content)}},` +
    `"Status":3,"ImgStatus":1,"ImgBuf":{"iLen":0},"CreateTime":${Math.floor(Date.now() / 1000)},` +
    `"MsgSource":"<msgsource></msgsource>","NewMsgId":${opts.newMsgId},"MsgSeq":640356095}}`
  );
}
