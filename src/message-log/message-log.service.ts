import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import type { GeweEvent } from '../callback/events';
import { ChatNames, NameBook, NO_NAMES } from '../common/chat-names';
import { notFound } from '../common/domain-error';
import { PeriodicTask } from '../common/periodic-task';
import type { Page } from '../common/dto/pagination.dto';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { isUniqueViolation, RawSql } from '../database/raw-sql';
import { FileService } from '../file/file.service';
import {
  MessageDetailResponseDto,
  MessageListQueryDto,
  MessageRateQueryDto,
  MessageRateResponseDto,
  MessageResponseDto,
  SENT_VIA,
  SentByDto,
} from './dto/message.dto';
import { DispatchLedger, DispatchState, InitialDispatchState } from './dispatch-ledger';
import { MessageEntity } from './message.entity';
import { messageSummary } from './message-summary';

/** Largest raw payload kept in the log (a TEXT column holds 64 KB on MySQL). */
const MAX_RAW = 60_000;
const HOUR_MS = 3_600_000;

const INSERT =
  'INSERT INTO "messages" ("robot_id", "new_msg_id", "msg_id", "kind", "type_name", "msg_type", "chat_id", ' +
  '"is_group", "sender_wxid", "is_self", "mentions_self", "text", "create_time", "received_at", "raw", "details", ' +
  '"results", "dispatch_state", "request_id") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const SET_STATE = 'UPDATE "messages" SET "dispatch_state" = ? WHERE "id" = ?';
const SET_RESULTS = 'UPDATE "messages" SET "results" = ?, "dispatch_state" = ? WHERE "id" = ?';

/** A message as logged: its row and its dispatch state (as this call inserted it, or as it found it). */
export interface Recorded {
  id: number;
  state: DispatchState;
  /** This call inserted the row (in the state it was given); false: the row was there already. */
  fresh: boolean;
}

/**
 * The message's INSERT failed in a way that leaves its outcome unknown — not a unique violation, so it may have
 * committed with its answer lost with the connection. The message is the driver's.
 */
export class UnconfirmedInsertError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'UnconfirmedInsertError';
  }
}

@Injectable()
export class MessageLogService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MessageLogService.name);
  /** Deletes log rows older than `queue.message_retention`, hourly. */
  private readonly retention = new PeriodicTask({
    name: 'Message retention sweep',
    intervalMs: HOUR_MS,
    logger: this.logger,
    run: () => this.sweep(),
  });

  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly files: FileService,
    /** The hot path's statements (record, mark, results): see RawSql. */
    private readonly sql: RawSql,
    /** Names beside the ids of the answers (the directory; none without it). */
    @Optional() private readonly names?: ChatNames,
  ) {}

  /**
   * Logs an event in the given dispatch state (see DispatchLedger.initial; `done` is logged with empty results), in
   * one INSERT. The unique (robot, NewMsgId) index makes a repeated callback find the row that is there, in the
   * state it is in: the caller's DispatchLedger says what that means (a duplicate, a dispatch that never started, or
   * one that was interrupted). Throws UnconfirmedInsertError when the INSERT itself failed with its outcome unknown.
   */
  async record(
    event: GeweEvent,
    requestId: string | null,
    receivedAt: Date,
    initial: InitialDispatchState = 'pending',
  ): Promise<Recorded> {
    if (event.newMsgId === null && requestId) {
      // No NewMsgId to key on (contacts, Offline): a retried job finds its own row by request id.
      const [mine] = await this.sql.rows<{ id: number; dispatch_state: DispatchState }>(
        'SELECT "id", "dispatch_state" FROM "messages" WHERE "robot_id" = ? AND "request_id" = ? AND "kind" = ? LIMIT 1',
        [event.robotId, requestId, event.kind],
      );
      if (mine) return { id: Number(mine.id), state: mine.dispatch_state, fresh: false };
    }
    const sql = this.sql;
    try {
      const { insertId } = await sql.run(INSERT, [
        event.robotId,
        event.newMsgId,
        event.msgId,
        event.kind,
        event.typeName.slice(0, 32),
        event.msgType,
        event.chatId?.slice(0, 100) ?? null,
        sql.bool(event.isGroup),
        event.senderWxid?.slice(0, 100) ?? null,
        sql.bool(event.isSelf),
        sql.bool(event.mentionsSelf),
        event.text?.slice(0, 20_000) ?? null,
        event.createTime === null ? null : String(event.createTime),
        sql.datetime(receivedAt),
        rawForLog(event.raw),
        JSON.stringify(event.details ?? {}).slice(0, 60_000),
        initial === 'done' ? '[]' : null,
        initial,
        requestId,
      ]);
      return { id: insertId, state: initial, fresh: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw new UnconfirmedInsertError(err);
      if (event.newMsgId === null) throw err;
      const [existing] = await sql.rows<{ id: number; dispatch_state: DispatchState }>(
        'SELECT "id", "dispatch_state" FROM "messages" WHERE "robot_id" = ? AND "new_msg_id" = ?',
        [event.robotId, event.newMsgId],
      );
      if (!existing) throw err;
      return { id: Number(existing.id), state: existing.dispatch_state, fresh: false };
    }
  }

  /**
   * Logs a message the robot sent on a client's behalf (a OneBot client, the send API, a plugin), as an own message
   * (`is_self`) with who sent it in `details.sentBy`; Gewe's echo of it later is then a repeat. Answers the row's id,
   * or null when the message was already logged. PART core.
   */
  async recordSent(sent: SentRecord): Promise<number | null> {
    const sql = this.sql;
    const text = sent.text?.slice(0, 20_000) ?? null;
    try {
      const { insertId } = await sql.run(INSERT, [
        sent.robotId,
        sent.newMsgId,
        sent.msgId,
        sent.kind.slice(0, 32),
        'Sent',
        null,
        sent.chatId.slice(0, 100),
        sql.bool(sent.isGroup),
        null,
        sql.bool(true),
        sql.bool(false),
        text,
        sent.createTime === null ? null : String(sent.createTime),
        sql.datetime(new Date()),
        JSON.stringify({ sent: { kind: sent.kind, to: sent.chatId, text: text?.slice(0, 2000) ?? null } }),
        JSON.stringify({ sentBy: sent.sentBy }),
        '[]',
        'done',
        null,
      ]);
      return insertId;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /** pending → dispatching, just before the plugins run (a message logged pending: media first). */
  async markDispatching(id: number): Promise<void> {
    await this.sql.run(SET_STATE, [DispatchLedger.of('pending').to('dispatching').state, id]);
  }

  /** Keeps what the handlers did, in the same UPDATE as the message's final state (done or interrupted). */
  async saveResults(id: number, results: unknown[], state: 'done' | 'interrupted' = 'done'): Promise<void> {
    await this.sql.run(SET_RESULTS, [JSON.stringify(results), state, id]);
  }

  private namesOf(rows: readonly MessageEntity[]): Promise<(robotId: number) => NameBook> {
    return namesFor(this.names, rows);
  }

  /** The log, newest first; `robotIds` (an API token's robot limit) keeps it to those robots' messages. */
  async list(q: MessageListQueryDto, robotIds: readonly number[] | null = null): Promise<Page<MessageResponseDto>> {
    const qb = this.messages
      .createQueryBuilder('m')
      .orderBy('m.id', 'DESC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit);
    if (robotIds) qb.andWhere('m.robot_id IN (:...reachable)', { reachable: [...robotIds, 0] });
    if (q.robotId) qb.andWhere('m.robot_id = :robotId', { robotId: q.robotId });
    if (q.kind) qb.andWhere('m.kind = :kind', { kind: q.kind });
    if (q.chatId) qb.andWhere('m.chat_id = :chatId', { chatId: q.chatId });
    if (q.senderWxid) qb.andWhere('m.sender_wxid = :sender', { sender: q.senderWxid });
    if (q.isGroup !== undefined) qb.andWhere('m.is_group = :isGroup', { isGroup: q.isGroup });
    if (q.since) qb.andWhere('m.received_at >= :since', { since: q.since });
    if (q.until) qb.andWhere('m.received_at < :until', { until: q.until });
    const text = q.q?.trim();
    if (text) qb.andWhere("m.text LIKE :text ESCAPE '!'", { text: `%${text.replace(/[!%_]/g, (c) => '!' + c)}%` });
    const [rows, total] = await qb.getManyAndCount();
    const names = await this.namesOf(rows);
    return { items: rows.map((m) => toDto(m, names(m.robotId))), total, page: q.page, limit: q.limit };
  }

  /**
   * Messages logged per minute over the last `minutes` whole minutes (the last bucket is the current minute). One
   * query over the (robot, received_at) range, a conditional sum per minute: the same SQL on SQLite and MySQL.
   */
  async rate(q: MessageRateQueryDto): Promise<MessageRateResponseDto> {
    const minute = 60_000;
    const current = Math.floor(Date.now() / minute) * minute;
    const starts = Array.from({ length: q.minutes }, (_, i) => new Date(current - (q.minutes - 1 - i) * minute));
    const qb = this.messages
      .createQueryBuilder('m')
      .select('COUNT(*)', 'n')
      .where('m.received_at >= :from', { from: starts[0] });
    starts.forEach((start, i) => {
      const end = new Date(start.getTime() + minute);
      qb.addSelect(`SUM(CASE WHEN m.received_at >= :s${i} AND m.received_at < :e${i} THEN 1 ELSE 0 END)`, `b${i}`);
      qb.setParameter(`s${i}`, start).setParameter(`e${i}`, end);
    });
    if (q.robotId) qb.andWhere('m.robot_id = :robotId', { robotId: q.robotId });
    const row = (await qb.getRawOne<Record<string, unknown>>()) ?? {};
    const buckets = starts.map((start, i) => ({ at: start.toISOString(), count: Number(row[`b${i}`] ?? 0) }));
    return { minutes: q.minutes, buckets, total: buckets.reduce((n, b) => n + b.count, 0) };
  }

  async entity(id: number): Promise<MessageEntity> {
    const m = await this.messages.findOne({ where: { id } });
    if (!m) throw notFound('MESSAGE_NOT_FOUND', `Message ${id} does not exist`, { id });
    return m;
  }

  /** One message; of a robot outside `robotIds` (an API token's robot limit) it is not found, so ids do not leak. */
  async get(id: number, robotIds: readonly number[] | null = null): Promise<MessageDetailResponseDto> {
    const m = await this.entity(id);
    if (robotIds && !robotIds.includes(m.robotId))
      throw notFound('MESSAGE_NOT_FOUND', `Message ${id} does not exist`, { id });
    const names = await this.namesOf([m]);
    return {
      ...toDto(m, names(m.robotId)),
      raw: parse(m.raw),
      details: (parse(m.details) as Record<string, unknown> | null) ?? {},
      results: (parse(m.results) as unknown[] | null) ?? null,
      deferredResults: (parse(m.deferredResults) as unknown[] | null) ?? null,
      requestId: m.requestId,
      files: await this.files.forMessage(m.id),
    };
  }

  /**
   * The groups a robot has messages from, most recently active first (at most `limit`): the groups it is in that are
   * not saved to its contacts (Gewe's contact list has only those), for the OneBot gateway's get_group_list.
   */
  async groupChats(robotId: number, limit = 500): Promise<string[]> {
    const rows = await this.messages
      .createQueryBuilder('m')
      .select('m.chat_id', 'chatId')
      .addSelect('MAX(m.id)', 'last')
      .where('m.robot_id = :robotId', { robotId })
      .andWhere('m.is_group = :isGroup', { isGroup: true })
      .andWhere('m.chat_id IS NOT NULL')
      .groupBy('m.chat_id')
      .orderBy('last', 'DESC')
      .limit(limit)
      .getRawMany<{ chatId: string | null }>();
    return rows.map((r) => r.chatId).filter((c): c is string => typeof c === 'string' && c !== '');
  }

  onApplicationBootstrap(): void {
    this.retention.start();
  }

  /** Before the database and the logger close: no sweep starts any more, and one under way is waited for. */
  onModuleDestroy(): Promise<void> {
    return this.retention.stop();
  }

  private async sweep(): Promise<void> {
    try {
      const r = await this.messages.delete({
        receivedAt: LessThan(new Date(Date.now() - this.config.queue.message_retention)),
      });
      if (r.affected) this.logger.log({ deleted: r.affected }, 'Old messages deleted');
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'Message retention sweep failed');
    }
  }
}

/** The names of a page of messages' chats and senders, by robot. */
export function namesFor(
  names: ChatNames | undefined,
  rows: readonly { robotId: number; chatId: string | null; senderWxid: string | null }[],
): Promise<(robotId: number) => NameBook> {
  return names ? names.books(rows) : Promise.resolve(() => NO_NAMES);
}

/** A log row as the API answers it (the list, a thread of the conversations), with its names. */
export function toDto(m: MessageEntity, names: NameBook): MessageResponseDto {
  const details = parse(m.details);
  return {
    id: m.id,
    robotId: m.robotId,
    newMsgId: m.newMsgId,
    msgId: m.msgId,
    kind: m.kind,
    typeName: m.typeName,
    chatId: m.chatId,
    isGroup: m.isGroup,
    senderWxid: m.senderWxid,
    chatName: names.chat(m.chatId),
    senderName: names.sender(m.chatId, m.senderWxid),
    isSelf: m.isSelf,
    mentionsSelf: m.mentionsSelf,
    text: m.text,
    summary: messageSummary(m.kind, details),
    createTime: m.createTime === null ? null : Number(m.createTime),
    receivedAt: m.receivedAt.toISOString(),
    handled: m.dispatchState === 'done' || m.dispatchState === 'interrupted',
    sentBy: sentByOf(details),
  };
}

/** Who sent an own message the service sent (recordSent's `details.sentBy`); null for the rest. */
function sentByOf(details: unknown): SentByDto | null {
  const by = (details as { sentBy?: unknown } | null)?.sentBy as Partial<SentByDto> | undefined;
  if (!by || typeof by !== 'object' || !SENT_VIA.includes(by.via as SentByDto['via'])) return null;
  return {
    via: by.via as SentByDto['via'],
    client: typeof by.client === 'string' ? by.client : null,
    ...(typeof by.transport === 'string' ? { transport: by.transport } : {}),
    ...(typeof by.remote === 'string' ? { remote: by.remote } : {}),
  };
}

export function parse(s: string | null): unknown {
  if (s === null) return null;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

/**
 * The raw callback for the log: inline media (ImgBuf.buffer, base64 thumbnails and voice) is dropped — it can be
 * hundreds of KB and is fetched by the file module — and the rest is cut at MAX_RAW.
 */
export function rawForLog(raw: unknown): string {
  const text = JSON.stringify(raw, (key, value: unknown) =>
    key === 'buffer' && typeof value === 'string' && value.length > 64
      ? `[${value.length} base64 chars omitted]`
      : value,
  );
  return text.length > MAX_RAW ? JSON.stringify({ truncated: true, head: text.slice(0, MAX_RAW - 100) }) : text;
}

/** A message the robot sent, as recordSent logs it. */
export interface SentRecord {
  robotId: number;
  /** Where it went: a group id or a contact's wxid. */
  chatId: string;
  isGroup: boolean;
  /** The event kind it would have as a callback: text, image, file, video, voice, link, card, quote. */
  kind: string;
  /** The text, or a one-line description of what was sent. */
  text: string | null;
  newMsgId: string;
  msgId: string | null;
  /** Unix seconds. */
  createTime: number | null;
  sentBy: { via: 'onebot' | 'api' | 'plugin'; client: string | null; transport?: string; remote?: string };
}
