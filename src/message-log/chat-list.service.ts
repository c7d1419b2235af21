import { Injectable, Logger, Optional } from '@nestjs/common';
import { ChatNames } from '../common/chat-names';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Page } from '../common/dto/pagination.dto';
import { GeweClientManager } from '../gewe/client-manager';
import { BRIEF_INFO_MAX } from '../gewe/modules/contact.api';
import { PluginSettingsStore } from '../plugin/plugin-settings.store';
import type { RobotEntity } from '../robot/robot.entity';
import { RobotService } from '../robot/robot.service';
import { ChatListQueryDto, ChatResponseDto } from './dto/chat.dto';
import { MessageEntity } from './message.entity';

/** A name is kept this long; a failed look-up is tried again after FAILED_TTL_MS. */
const NAME_TTL_MS = 10 * 60_000;
const FAILED_TTL_MS = 60_000;
/** At most this long waiting for Gewe's names: past it the page is answered without them. */
const NAME_WAIT_MS = 3000;
const MAX_CACHED = 20_000;

interface CachedName {
  name: string | null;
  until: number;
}

/**
 * A robot's chats: the distinct chat ids of its message log (last message, count, group or not) and the chats that
 * have plugin settings but no message, named by the robot's directory, else where Gewe tells (getBriefInfo, one call
 * per page, cached in memory; the list never fails because Gewe does).
 */
@Injectable()
export class ChatListService {
  private readonly logger = new Logger(ChatListService.name);
  private readonly names = new Map<string, CachedName>();
  clock: () => number = () => Date.now();

  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    private readonly robots: RobotService,
    private readonly settings: PluginSettingsStore,
    private readonly clients: GeweClientManager,
    /** The robot's directory names chats first; Gewe is asked for the others. */
    @Optional() private readonly directory?: ChatNames,
  ) {}

  async list(robotId: number, q: ChatListQueryDto): Promise<Page<ChatResponseDto>> {
    const robot = await this.robots.entity(robotId);
    const [rows, snapshot] = await Promise.all([
      this.messages
        .createQueryBuilder('m')
        .select('m.chat_id', 'chatId')
        .addSelect('MAX(m.is_group)', 'isGroup')
        .addSelect('MAX(m.received_at)', 'last')
        .addSelect('COUNT(*)', 'n')
        .where('m.robot_id = :robotId', { robotId })
        .andWhere('m.chat_id IS NOT NULL')
        .groupBy('m.chat_id')
        .getRawMany<{ chatId: string; isGroup: unknown; last: unknown; n: unknown }>(),
      this.settings.snapshot(),
    ]);
    const withSettings = snapshot.chatsOf(robotId);
    const chats: ChatResponseDto[] = rows
      .filter((r) => r.chatId)
      .map((r) => ({
        chatId: r.chatId,
        name: null,
        isGroup: Number(r.isGroup) > 0 || r.isGroup === true || r.chatId.endsWith('@chatroom'),
        lastMessageAt: r.last ? toDate(r.last).toISOString() : null,
        messages: Number(r.n),
        hasSettings: withSettings.has(r.chatId),
      }));
    const logged = new Set(chats.map((c) => c.chatId));
    for (const chatId of withSettings.keys())
      if (!logged.has(chatId))
        chats.push({
          chatId,
          name: null,
          isGroup: chatId.endsWith('@chatroom'),
          lastMessageAt: null,
          messages: 0,
          hasSettings: true,
        });
    const known = this.directory ? await this.directory.book(robotId, { chatIds: chats.map((c) => c.chatId) }) : null;
    for (const c of chats) c.name = known?.chat(c.chatId) ?? this.cached(robotId, c.chatId)?.name ?? null;
    chats.sort(
      (a, b) => (b.lastMessageAt ?? '').localeCompare(a.lastMessageAt ?? '') || (a.chatId < b.chatId ? -1 : 1),
    );
    const needle = q.q?.toLowerCase();
    const found = needle
      ? chats.filter((c) => c.chatId.toLowerCase().includes(needle) || c.name?.toLowerCase().includes(needle))
      : chats;
    const items = found.slice((q.page - 1) * q.limit, q.page * q.limit);
    await this.name(robot, items);
    return { items, total: found.length, page: q.page, limit: q.limit };
  }

  private cached(robotId: number, chatId: string): CachedName | undefined {
    const c = this.names.get(`${robotId}\u0000${chatId}`);
    return c && c.until > this.clock() ? c : undefined;
  }

  /** Fills in the names of `items` not cached yet, with one getBriefInfo call for an online robot. */
  private async name(robot: RobotEntity, items: ChatResponseDto[]): Promise<void> {
    const missing = items.filter((c) => !c.name && !this.cached(robot.id, c.chatId)).slice(0, BRIEF_INFO_MAX);
    if (!missing.length || robot.status !== 'online' || !robot.appId) return;
    const now = this.clock();
    const remember = (chatId: string, name: string | null, ttl: number) => {
      if (this.names.size >= MAX_CACHED) this.names.clear();
      this.names.set(`${robot.id}\u0000${chatId}`, { name, until: now + ttl });
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const call = this.clients.forRobot(robot).contact.getBriefInfo(missing.map((c) => c.chatId));
      call.catch(() => undefined);
      const infos = await Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${NAME_WAIT_MS} ms`)), NAME_WAIT_MS);
        }),
      ]);
      const byId = new Map(infos.map((i) => [i.userName, i]));
      for (const c of missing) {
        const info = byId.get(c.chatId);
        const name = (info?.remark || info?.nickName || '').trim() || null;
        remember(c.chatId, name, NAME_TTL_MS);
        c.name = name;
      }
    } catch (err) {
      for (const c of missing) remember(c.chatId, null, FAILED_TTL_MS);
      this.logger.debug({ robotId: robot.id, error: (err as Error).message }, 'Chat names not available from Gewe');
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A datetime as read: mysql2's Date, or SQLite's UTC text. */
function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const text = String(v);
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}
