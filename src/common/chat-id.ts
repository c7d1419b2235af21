import { badRequest } from './domain-error';

/** A chat id as WeChat has them: a wxid (wxid_…, a custom id, gh_…) or a group (…@chatroom). */
export const CHAT_ID = /^[A-Za-z0-9_@.-]{1,100}$/;

/** A route's chat id or wxid, checked: 400 INVALID_CHAT_ID otherwise. */
export function assertChatId(chatId: string): string {
  if (!CHAT_ID.test(chatId))
    throw badRequest('INVALID_CHAT_ID', `chat_id must be a wxid or a group id such as 123@chatroom`, {
      id: chatId.slice(0, 100),
    });
  return chatId;
}
