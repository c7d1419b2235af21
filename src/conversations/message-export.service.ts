import { Injectable, Optional } from '@nestjs/common';
import { ChatNames, NO_NAMES } from '../common/chat-names';
import { InjectRepository } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { Repository } from 'typeorm';
import { MessageEntity } from '../message-log/message.entity';
import { toDto } from '../message-log/message-log.service';
import { RobotService } from '../robot/robot.service';
import { csvRow, UTF8_BOM } from './csv';
import type { MessageExportQueryDto } from './dto/conversation.dto';

/** Rows read per query: the export holds one batch in memory, never the table. */
export const EXPORT_BATCH = 500;

const COLUMNS = [
  ['id', '编号'],
  ['receivedAt', '接收时间'],
  ['createTime', '发送时间'],
  ['chatId', '会话 ID'],
  ['chatName', '会话名称'],
  ['senderWxid', '发送者 ID'],
  ['senderName', '发送者名称'],
  ['isSelf', '机器人发送'],
  ['kind', '类型'],
  ['text', '内容'],
  ['summary', '摘要'],
  ['newMsgId', 'NewMsgId'],
] as const;

export interface MessageExport {
  fileName: string;
  contentType: string;
  stream: Readable;
}

/**
 * A robot's messages (one chat's, or all, in a date range) as CSV or JSON Lines, streamed: read in batches of
 * EXPORT_BATCH by ascending id (a keyset, so a batch is one index range whatever the offset) and written as they
 * come, the next batch read only when the client has taken the last (the stream's backpressure).
 */
@Injectable()
export class MessageExportService {
  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    private readonly robots: RobotService,
    /** Names beside the ids (the directory; none without it). */
    @Optional() private readonly names?: ChatNames,
  ) {}

  async export(robotId: number, q: MessageExportQueryDto): Promise<MessageExport> {
    const robot = await this.robots.entity(robotId);
    const csv = q.format === 'csv';
    const stamp = new Date().toISOString().slice(0, 10);
    const base = `${robot.name || `robot-${robotId}`}-${q.chatId ?? 'messages'}-${stamp}`;
    return {
      fileName: `${base}.${csv ? 'csv' : 'jsonl'}`,
      contentType: csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      stream: Readable.from(this.lines(robotId, q), { objectMode: false, highWaterMark: 64 * 1024 }),
    };
  }

  private async *lines(robotId: number, q: MessageExportQueryDto): AsyncGenerator<string> {
    const csv = q.format === 'csv';
    const header = COLUMNS.map(([en, zh]) => (q.lang === 'en' ? en : zh));
    if (csv) yield UTF8_BOM + csvRow(header);
    let after = 0;
    for (;;) {
      const qb = this.messages
        .createQueryBuilder('m')
        .where('m.robot_id = :robotId', { robotId })
        .andWhere('m.id > :after', { after })
        .orderBy('m.id', 'ASC')
        .take(EXPORT_BATCH);
      if (q.chatId) qb.andWhere('m.chat_id = :chatId', { chatId: q.chatId });
      if (q.since) qb.andWhere('m.received_at >= :since', { since: q.since });
      if (q.until) qb.andWhere('m.received_at < :until', { until: q.until });
      const rows = await qb.getMany();
      if (!rows.length) return;
      after = rows[rows.length - 1].id;
      const chats = [...new Set(rows.map((m) => m.chatId).filter((c): c is string => !!c))];
      const senders = rows
        .filter((m) => m.chatId && m.senderWxid)
        .map((m) => ({ chatId: m.chatId!, wxid: m.senderWxid! }));
      const book = this.names ? await this.names.book(robotId, { chatIds: chats, senders }) : NO_NAMES;
      let chunk = '';
      for (const m of rows) {
        const row = toDto(m, book);
        chunk += csv
          ? csvRow(
              COLUMNS.map(([key]) => {
                const v = row[key];
                if (key === 'createTime' && typeof v === 'number') return new Date(v * 1000).toISOString();
                if (key === 'isSelf' && q.lang === 'zh') return v ? '是' : '否';
                return v;
              }),
            )
          : JSON.stringify(row) + '\n';
      }
      yield chunk;
      if (rows.length < EXPORT_BATCH) return;
    }
  }
}
