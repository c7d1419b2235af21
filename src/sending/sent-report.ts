import type { SentMessage } from '../gewe/modules/message.api';
import type { ApiSurface } from '../gewe/robot-client';
import type { MessageApi } from '../gewe/modules/message.api';
import type { SendOrigin, SentReport } from './send-journal';

/** The message sends whose answer is a sent message, with the kind it has in the log and what the log shows of it. */
const SENDS: { readonly [name: string]: { kind: string; text: (args: unknown[]) => string | null } } = {
  postText: { kind: 'text', text: (a) => str(a[1]) },
  postImage: { kind: 'image', text: (a) => str(a[1]) },
  postFile: { kind: 'file', text: (a) => str(a[2]) ?? str(a[1]) },
  postVoice: { kind: 'voice', text: () => null },
  postVideo: { kind: 'video', text: (a) => str(a[1]) },
  postLink: { kind: 'link', text: (a) => str((a[1] as { title?: unknown } | undefined)?.title) },
  postNameCard: { kind: 'card', text: (a) => str(a[1]) },
  postEmoji: { kind: 'emoji', text: () => null },
  postAppMsg: { kind: 'link', text: () => null },
  postMiniApp: { kind: 'mini_app', text: (a) => str((a[1] as { title?: unknown } | undefined)?.title) },
  forwardFile: { kind: 'file', text: () => null },
  forwardImage: { kind: 'image', text: () => null },
  forwardVideo: { kind: 'video', text: () => null },
  forwardUrl: { kind: 'link', text: () => null },
  forwardMiniApp: { kind: 'mini_app', text: () => null },
};

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** What the log keeps of one send: the kind, the text or gist, Gewe's ids. */
export function sentReport(
  robotId: number,
  method: string,
  args: unknown[],
  sent: SentMessage,
  origin: SendOrigin,
): SentReport | null {
  const spec = SENDS[method];
  const to = str(args[0]);
  if (!spec || !to || sent?.newMsgId === undefined || sent.newMsgId === null) return null;
  const createTime = Number(sent.createTime);
  return {
    robotId,
    chatId: to,
    isGroup: to.endsWith('@chatroom'),
    kind: spec.kind,
    text: spec.text(args),
    newMsgId: String(sent.newMsgId),
    msgId: sent.msgId === undefined || sent.msgId === null ? null : String(sent.msgId),
    createTime: Number.isFinite(createTime) && createTime > 0 ? createTime : null,
    sentBy: origin,
  };
}

/**
 * The governed message module with each successful send reported (after it went out, not awaited by the sender's
 * answer beyond the report itself): the log then shows what a plugin or the API sent as the robot's own message.
 */
export function reportingMessages(
  message: ApiSurface<MessageApi>,
  report: (method: string, args: unknown[], sent: SentMessage) => Promise<void>,
): ApiSurface<MessageApi> {
  const wrapped: Record<string, unknown> = { ...message };
  for (const name of Object.keys(SENDS)) {
    const call = (message as unknown as Record<string, (...a: unknown[]) => Promise<SentMessage>>)[name];
    if (typeof call !== 'function') continue;
    wrapped[name] = async (...args: unknown[]) => {
      const sent = await call(...args);
      await report(name, args, sent);
      return sent;
    };
  }
  return Object.freeze(wrapped) as unknown as ApiSurface<MessageApi>;
}
