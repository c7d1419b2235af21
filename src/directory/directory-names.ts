import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { ChatNames, NameBook, NameQuery, NO_NAMES } from '../common/chat-names';
import { ContactEntity } from './contact.entity';
import { contactName, memberName } from './directory.service';
import { GroupMemberEntity } from './group-member.entity';

/**
 * The ChatNames port from the directory's tables: a page of answers gets its chats' and senders' names in at most two
 * reads per robot. Only the tables: every module's answers use it, so it depends on nothing that could depend on them.
 */
@Injectable()
export class DirectoryNames extends ChatNames {
  constructor(
    @InjectRepository(ContactEntity) private readonly contacts: Repository<ContactEntity>,
    @InjectRepository(GroupMemberEntity) private readonly members: Repository<GroupMemberEntity>,
  ) {
    super();
  }

  async book(robotId: number, q: NameQuery): Promise<NameBook> {
    const ids = new Set<string>();
    for (const c of q.chatIds) if (c) ids.add(c);
    const memberKeys = new Map<string, Set<string>>();
    for (const s of q.senders ?? []) {
      if (!s.wxid) continue;
      ids.add(s.wxid);
      if (s.chatId?.endsWith('@chatroom')) {
        const set = memberKeys.get(s.chatId) ?? new Set<string>();
        set.add(s.wxid);
        memberKeys.set(s.chatId, set);
      }
    }
    if (!ids.size) return NO_NAMES;
    const [contacts, members] = await Promise.all([
      this.contacts.find({
        where: { robotId, wxid: In([...ids]) },
        select: { wxid: true, nickname: true, remark: true },
      }),
      memberKeys.size
        ? this.members.find({
            where: {
              robotId,
              chatId: In([...memberKeys.keys()]),
              wxid: In([...new Set(q.senders!.map((s) => s.wxid!))]),
            },
            select: { chatId: true, wxid: true, nickname: true, displayName: true },
          })
        : Promise.resolve([] as GroupMemberEntity[]),
    ]);
    const byId = new Map(contacts.map((c) => [c.wxid, contactName(c)]));
    const byMember = new Map(members.map((m) => [`${m.chatId}\u0000${m.wxid}`, memberName(m)]));
    return {
      chat: (chatId) => (chatId ? (byId.get(chatId) ?? null) : null),
      sender: (chatId, wxid) => {
        if (!wxid) return null;
        return (chatId ? byMember.get(`${chatId}\u0000${wxid}`) : undefined) ?? byId.get(wxid) ?? null;
      },
    };
  }

  async books(
    items: readonly { robotId: number; chatId?: string | null; senderWxid?: string | null }[],
  ): Promise<(robotId: number) => NameBook> {
    const per = new Map<number, NameQuery & { senders: { chatId: string | null; wxid: string | null }[] }>();
    for (const it of items) {
      const q = per.get(it.robotId) ?? { chatIds: [] as string[], senders: [] };
      (q.chatIds as (string | null)[]).push(it.chatId ?? null);
      if (it.senderWxid) q.senders.push({ chatId: it.chatId ?? null, wxid: it.senderWxid });
      per.set(it.robotId, q);
    }
    const books = new Map<number, NameBook>();
    await Promise.all([...per].map(async ([robotId, q]) => books.set(robotId, await this.book(robotId, q))));
    return (robotId) => books.get(robotId) ?? NO_NAMES;
  }
}
