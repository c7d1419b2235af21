import { Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import type { AuthUser } from '../common/auth.decorators';
import { ChatNames, NameBook, NameQuery, NO_NAMES } from '../common/chat-names';
import { forbidden } from '../common/domain-error';
import type { Page } from '../common/dto/pagination.dto';
import { FileService } from '../file/file.service';
import { MessageEntity } from '../message-log/message.entity';
import { parse, toDto } from '../message-log/message-log.service';
import { RobotService } from '../robot/robot.service';
import { ChatReadMarkEntity } from './chat-read-mark.entity';
import {
  ConversationListQueryDto,
  ConversationResponseDto,
  OutgoingMessageDto,
  QuoteDto,
  ReadMarkResponseDto,
  ThreadMessageDto,
  ThreadQueryDto,
  ThreadResponseDto,
} from './dto/conversation.dto';
import { OutgoingService } from './outgoing.service';

/** The user a read mark belongs to: a logged-in user (API tokens have none). */
function reader(user: AuthUser): number | null {
  return user.token || !user.id ? null : user.id;
}

/**
 * A robot's conversations from its message log: the chats by their last message, with the caller's unread counts
 * (messages after their read mark that are not the robot's own), and a chat's thread page by page, newest first.
 */
@Injectable()
export class ConversationService {
  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @InjectRepository(ChatReadMarkEntity) private readonly marks: Repository<ChatReadMarkEntity>,
    private readonly robots: RobotService,
    private readonly files: FileService,
    private readonly outgoing: OutgoingService,
    /** Names beside the ids (the directory; none without it). */
    @Optional() private readonly names?: ChatNames,
  ) {}

  private book(robotId: number, q: NameQuery): Promise<NameBook> {
    return this.names ? this.names.book(robotId, q) : Promise.resolve(NO_NAMES);
  }

  async list(robotId: number, q: ConversationListQueryDto, user: AuthUser): Promise<Page<ConversationResponseDto>> {
    await this.robots.entity(robotId);
    // one row per chat: its newest message's id (ids grow with time), over the (robot, chat, received_at) index
    const rows = await this.messages
      .createQueryBuilder('m')
      .select('m.chat_id', 'chatId')
      .addSelect('MAX(m.id)', 'last')
      .where('m.robot_id = :robotId', { robotId })
      .andWhere('m.chat_id IS NOT NULL')
      .andWhere("m.chat_id <> ''")
      .groupBy('m.chat_id')
      .getRawMany<{ chatId: string; last: unknown }>();
    rows.sort((a, b) => Number(b.last) - Number(a.last));
    const needle = q.q?.toLowerCase();
    let found = rows;
    if (needle) {
      const book = await this.book(robotId, { chatIds: rows.map((r) => r.chatId) });
      found = rows.filter(
        (r) => r.chatId.toLowerCase().includes(needle) || book.chat(r.chatId)?.toLowerCase().includes(needle),
      );
    }
    const page = found.slice((q.page - 1) * q.limit, q.page * q.limit);
    const chatIds = page.map((r) => r.chatId);
    const [lasts, book, marks] = await Promise.all([
      page.length ? this.messages.find({ where: { id: In(page.map((r) => Number(r.last))) } }) : [],
      this.book(robotId, { chatIds }),
      this.marksOf(user, robotId, chatIds),
    ]);
    const unread = await this.unreadCounts(robotId, chatIds, marks, reader(user) !== null);
    const byId = new Map(lasts.map((m) => [m.id, m]));
    const items: ConversationResponseDto[] = [];
    for (const r of page) {
      const m = byId.get(Number(r.last));
      if (!m) continue;
      items.push({
        chatId: r.chatId,
        name: book.chat(r.chatId),
        isGroup: m.isGroup || r.chatId.endsWith('@chatroom'),
        last: toDto(m, book),
        lastMessageAt: m.receivedAt.toISOString(),
        unread: unread.get(r.chatId) ?? (reader(user) === null ? null : 0),
        readUpTo: marks.get(r.chatId) ?? null,
      });
    }
    return { items, total: found.length, page: q.page, limit: q.limit };
  }

  /** Moves the caller's read mark of the chat to `messageId` (default: the chat's newest message); never back. */
  async read(robotId: number, chatId: string, user: AuthUser, messageId?: number): Promise<ReadMarkResponseDto> {
    await this.robots.entity(robotId);
    const userId = reader(user);
    if (userId === null)
      throw forbidden(
        'TOKEN_NOT_ALLOWED',
        'API tokens cannot call this route; log in as a user (read marks are per user)',
      );
    let upTo = messageId ?? null;
    if (upTo === null) {
      const newest = await this.messages.findOne({
        where: { robotId, chatId },
        order: { id: 'DESC' },
        select: { id: true },
      });
      upTo = newest?.id ?? null;
    }
    if (upTo !== null) {
      const existing = await this.marks.findOne({ where: { userId, robotId, chatId } });
      if (!existing) {
        try {
          await this.marks.insert({ userId, robotId, chatId, lastMessageId: upTo });
        } catch {
          // a concurrent first mark: fall through to the forward-only update
          await this.forward(userId, robotId, chatId, upTo);
        }
      } else if (existing.lastMessageId < upTo) await this.forward(userId, robotId, chatId, upTo);
    }
    const marks = await this.marksOf(user, robotId, [chatId]);
    const unread = await this.unreadCounts(robotId, [chatId], marks, true);
    return { chatId, readUpTo: marks.get(chatId) ?? null, unread: unread.get(chatId) ?? 0 };
  }

  /** A chat's messages, newest first, `limit` at a time before `before`; with names, files and what a quote quotes. */
  async thread(robotId: number, chatId: string, q: ThreadQueryDto): Promise<ThreadResponseDto> {
    await this.robots.entity(robotId);
    const rows = await this.messages.find({
      where: { robotId, chatId, ...(q.before ? { id: LessThan(q.before) } : {}) },
      order: { id: 'DESC' },
      take: q.limit + 1,
    });
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const senders = page.filter((m) => m.senderWxid).map((m) => ({ chatId, wxid: m.senderWxid! }));
    const book = await this.book(robotId, { chatIds: [chatId], senders });
    const quotedIds = new Set<string>();
    const detailsOf = new Map<number, Record<string, unknown>>();
    for (const m of page) {
      const d = (parse(m.details) as Record<string, unknown> | null) ?? {};
      detailsOf.set(m.id, d);
      if (m.kind === 'quote' && typeof d.quotedMsgId === 'string' && d.quotedMsgId) quotedIds.add(d.quotedMsgId);
    }
    const quoted = quotedIds.size
      ? await this.messages.find({
          where: { robotId, newMsgId: In([...quotedIds]) },
          select: { id: true, newMsgId: true },
        })
      : [];
    const quotedLog = new Map(quoted.map((m) => [m.newMsgId, m.id]));
    const items: ThreadMessageDto[] = [];
    for (const m of page) {
      const d = detailsOf.get(m.id) ?? {};
      items.push({
        ...toDto(m, book),
        files: await this.files.forMessage(m.id),
        quote: m.kind === 'quote' ? quoteOf(d, quotedLog) : null,
      });
    }
    const last = page[0];
    return {
      chatId,
      name: book.chat(chatId),
      isGroup: last ? last.isGroup || chatId.endsWith('@chatroom') : chatId.endsWith('@chatroom'),
      items,
      nextBefore: more ? page[page.length - 1].id : null,
      outgoing: q.before ? [] : await this.pending(robotId, chatId),
    };
  }

  private pending(robotId: number, chatId: string): Promise<OutgoingMessageDto[]> {
    return this.outgoing.unsettled(robotId, chatId);
  }

  private async forward(userId: number, robotId: number, chatId: string, upTo: number): Promise<void> {
    await this.marks
      .createQueryBuilder()
      .update()
      .set({ lastMessageId: upTo })
      .where('user_id = :userId AND robot_id = :robotId AND chat_id = :chatId AND last_message_id < :upTo', {
        userId,
        robotId,
        chatId,
        upTo,
      })
      .execute();
  }

  private async marksOf(user: AuthUser, robotId: number, chatIds: string[]): Promise<Map<string, number>> {
    const userId = reader(user);
    if (userId === null || !chatIds.length) return new Map();
    const rows = await this.marks.find({ where: { userId, robotId, chatId: In(chatIds) } });
    return new Map(rows.map((r) => [r.chatId, r.lastMessageId]));
  }

  /** Per chat: its messages after the mark (all, without one) that are not the robot's own. One query. */
  private async unreadCounts(
    robotId: number,
    chatIds: string[],
    marks: Map<string, number>,
    counted: boolean,
  ): Promise<Map<string, number>> {
    if (!counted || !chatIds.length) return new Map();
    const qb = this.messages
      .createQueryBuilder('m')
      .select('m.chat_id', 'chatId')
      .addSelect('COUNT(*)', 'n')
      .where('m.robot_id = :robotId', { robotId })
      // 0: false on both engines (a boolean column is an integer on SQLite and MySQL)
      .andWhere('m.is_self = 0');
    const ors = chatIds.map((c, i) => {
      qb.setParameter(`c${i}`, c).setParameter(`k${i}`, marks.get(c) ?? 0);
      return `(m.chat_id = :c${i} AND m.id > :k${i})`;
    });
    qb.andWhere(`(${ors.join(' OR ')})`).groupBy('m.chat_id');
    const rows = await qb.getRawMany<{ chatId: string; n: unknown }>();
    return new Map(rows.map((r) => [r.chatId, Number(r.n)]));
  }
}

function quoteOf(d: Record<string, unknown>, inLog: Map<string | null, number>): QuoteDto {
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const type = Number(d.quotedType);
  const id = s(d.quotedMsgId);
  return {
    quotedMsgId: id,
    quotedSender: s(d.quotedSender),
    quotedDisplayName: s(d.quotedDisplayName),
    quotedContent: s(d.quotedContent),
    quotedType: Number.isFinite(type) && d.quotedType !== null ? type : null,
    quotedId: id ? (inLog.get(id) ?? null) : null,
  };
}
