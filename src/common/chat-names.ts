/**
 * Names for the ids a page of answers carries: a chat's name (a contact's remark or nickname, a group's name) and a
 * sender's (a group member's display name in that group first). The port lives here so any module can put names
 * beside its ids; `directory/` provides it from the robots' contacts and group members. A name not known is null:
 * an answer never fails for want of one.
 */
export interface NameBook {
  chat(chatId: string | null | undefined): string | null;
  sender(chatId: string | null | undefined, wxid: string | null | undefined): string | null;
}

export interface NameQuery {
  chatIds: readonly (string | null | undefined)[];
  senders?: readonly { chatId: string | null | undefined; wxid: string | null | undefined }[];
}

export abstract class ChatNames {
  /** The names of one robot's chats and senders, in at most two reads. */
  abstract book(robotId: number, q: NameQuery): Promise<NameBook>;
  /** The names of several robots' chats and senders (a page of messages or files across robots). */
  abstract books(
    items: readonly { robotId: number; chatId?: string | null; senderWxid?: string | null }[],
  ): Promise<(robotId: number) => NameBook>;
}

export const NO_NAMES: NameBook = Object.freeze({ chat: () => null, sender: () => null });
