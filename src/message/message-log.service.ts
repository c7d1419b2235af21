import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import type { GeweEvent } from '../callback/events';
import { notFound } from '../common/domain-error';
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
} from './dto/message.dto';
import { MessageEntity } from './message.entity';

/** Largest raw payload kept in the log (a TEXT column holds 64 KB on MySQL). */
const MAX_RAW = 60_000;

/** `results` while the plugins run: a job retried after a crash finds it and does not run them a second time. */
export const DISPATCHING = '"dispatching"';

const INSERT =
  'INSERT INTO "messages" ("robot_id", "new_msg_id", "msg_id", "kind", "type_name", "msg_type", "chat_id", ' +
  '"is_group", "sender_wxid", "is_self", "mentions_self", "text", "create_time", "received_at", "raw", "details", ' +
  '"results", "request_id") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const SET_RESULTS = 'UPDATE "messages" SET "results" = ? WHERE "id" = ?';

export interface Recorded {
  id: number;
  /**
   * dispatch: run the plugins (new, or logged before a crash that happened before they started);
   * duplicate: already handled (a repeated callback); interrupted: the process stopped while the plugins ran —
   * they are not run again, so no plugin ever sees a message twice.
   */
  next: 'dispatch' | 'duplicate' | 'interrupted';
  /** This call inserted the row (with the `results` it was given); false: the row was there already. */
  fresh: boolean;
}

@Injectable()
export class MessageLogService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MessageLogService.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly files: FileService,
    /** The hot path's statements (record, mark, results): see RawSql. */
    private readonly sql: RawSql,
  ) {}

  /**
   * Logs an event with `results` as given (null: not dispatched yet; DISPATCHING: its plugins run next; a results
   * JSON: nothing to run), in one INSERT. The unique (robot, NewMsgId) index makes a repeated callback a duplicate —
   * unless the first one never finished dispatching (the process stopped in between), in which case it is handled
   * again: at-least-once.
   */
  async record(
    event: GeweEvent,
    requestId: string | null,
    receivedAt: Date,
    results: string | null = null,
  ): Promise<Recorded> {
    if (event.newMsgId === null && requestId) {
      // No NewMsgId to key on (contacts, Offline): a retried job finds its own row by request id.
      const [mine] = await this.sql.rows<Pick<MessageEntity, 'id' | 'results'>>(
        'SELECT "id", "results" FROM "messages" WHERE "robot_id" = ? AND "request_id" = ? AND "kind" = ? LIMIT 1',
        [event.robotId, requestId, event.kind],
      );
      if (mine) return { id: Number(mine.id), next: nextStep(mine.results), fresh: false };
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
        results,
        requestId,
      ]);
      return { id: insertId, next: 'dispatch', fresh: true };
    } catch (err) {
      if (!isUniqueViolation(err) || event.newMsgId === null) throw err;
      const [existing] = await sql.rows<Pick<MessageEntity, 'id' | 'results'>>(
        'SELECT "id", "results" FROM "messages" WHERE "robot_id" = ? AND "new_msg_id" = ?',
        [event.robotId, event.newMsgId],
      );
      if (!existing) throw err;
      return { id: Number(existing.id), next: nextStep(existing.results), fresh: false };
    }
  }

  /** Marks the message as being dispatched, just before its plugins run. */
  async markDispatching(id: number): Promise<void> {
    await this.sql.run(SET_RESULTS, [DISPATCHING, id]);
  }

  async saveResults(id: number, results: unknown): Promise<void> {
    await this.sql.run(SET_RESULTS, [JSON.stringify(results), id]);
  }

  async list(q: MessageListQueryDto): Promise<Page<MessageResponseDto>> {
    const qb = this.messages
      .createQueryBuilder('m')
      .orderBy('m.id', 'DESC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit);
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
    return { items: rows.map(toDto), total, page: q.page, limit: q.limit };
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
    if (!m) throw notFound('MESSAGE_NOT_FOUND', `Message ${id} does not exist`);
    return m;
  }

  async get(id: number): Promise<MessageDetailResponseDto> {
    const m = await this.entity(id);
    return {
      ...toDto(m),
      raw: parse(m.raw),
      details: (parse(m.details) as Record<string, unknown> | null) ?? {},
      results: (parse(m.results) as unknown[] | null) ?? null,
      requestId: m.requestId,
      files: await this.files.forMessage(m.id),
    };
  }

  /** Deletes log rows older than `queue.message_retention`, hourly. */
  onApplicationBootstrap(): void {
    const sweep = () =>
      void this.messages
        .delete({ receivedAt: LessThan(new Date(Date.now() - this.config.queue.message_retention)) })
        .then((r) => r.affected && this.logger.log({ deleted: r.affected }, 'Old messages deleted'))
        .catch((err: Error) => this.logger.warn({ error: err.message }, 'Message retention sweep failed'));
    this.sweeper = setInterval(sweep, 3_600_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}

function nextStep(results: string | null): Recorded['next'] {
  return results === null ? 'dispatch' : results === DISPATCHING ? 'interrupted' : 'duplicate';
}

function toDto(m: MessageEntity): MessageResponseDto {
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
    isSelf: m.isSelf,
    mentionsSelf: m.mentionsSelf,
    text: m.text,
    createTime: m.createTime === null ? null : Number(m.createTime),
    receivedAt: m.receivedAt.toISOString(),
    handled: m.results !== null && m.results !== DISPATCHING,
  };
}

function parse(s: string | null): unknown {
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
