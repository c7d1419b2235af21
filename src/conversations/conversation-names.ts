import { Injectable } from '@nestjs/common';

/** Names of a robot's chats and of senders in them, for one page of an answer. */
export interface ChatNames {
  chat(chatId: string): string | null;
  sender(chatId: string, wxid: string): string | null;
}

const NONE: ChatNames = { chat: () => null, sender: () => null };

/**
 * Where the conversations get their names: the one place to plug the directory (DirectoryService.names) into. Until
 * it is there, names are unknown (null) and the console shows the ids.
 */
@Injectable()
export class ConversationNames {
  names(
    _robotId: number,
    _chatIds: readonly string[],
    _senders: readonly { chatId: string; wxid: string }[] = [],
  ): Promise<ChatNames> {
    return Promise.resolve(NONE);
  }
}
