/**
 * Plain fakes of what a plugin's handler gets, for unit specs of plugins and the plugin runtime (no app, no
 * database): a callback event, an in-memory PluginStore, a logger that says nothing.
 */
import type { GeweEvent } from '../../src/callback/events';
import type { PluginLogger, PluginStore } from '../../src/plugin/plugin.types';

/** A private text from wxid_friend to robot 1 (wxid_robot1), with `partial` over it. */
export function event(partial: Partial<GeweEvent> = {}): GeweEvent {
  return {
    kind: 'text',
    robotId: 1,
    appId: 'wx_app_1',
    robotWxid: 'wxid_robot1',
    typeName: 'AddMsg',
    msgType: 1,
    newMsgId: '7000000000000000001',
    msgId: '1',
    createTime: 1_700_000_000,
    fromWxid: 'wxid_friend',
    toWxid: 'wxid_robot1',
    chatId: 'wxid_friend',
    isGroup: false,
    senderWxid: 'wxid_friend',
    isSelf: false,
    mentions: [],
    mentionsAll: false,
    mentionsSelf: false,
    text: 'hello',
    content: 'hello',
    pushContent: null,
    details: {},
    raw: {},
    ...partial,
  };
}

/** A PluginStore in memory; `data` holds what was set (values cloned, as JSON would). */
export function memoryStore(): PluginStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(k: string) => Promise.resolve(structuredClone(data.get(k)) as T | undefined),
    set: (k: string, v: unknown) => Promise.resolve(void data.set(k, structuredClone(v))),
    delete: (k: string) => Promise.resolve(void data.delete(k)),
  };
}

/** A PluginLogger that says nothing. */
export const quietLog: PluginLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
