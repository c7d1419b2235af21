import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { EventKind } from '../callback/events';
import { RawSql } from '../database/raw-sql';
import { PluginPorts } from '../plugin/plugin-ports';
import type { HistorySource } from '../plugin/plugin-ports';
import type { HistoryMessage } from '../plugin/plugin.types';
import { MessageEntity } from './message.entity';

/** Kinds whose logged text is not the human text (a sent image's row has a description of it): `text` is null. */
const NO_TEXT = new Set<string>([
  'image',
  'voice',
  'video',
  'emoji',
  'file',
  'file_notice',
  'link',
  'card',
  'mini_app',
  'location',
  'transfer',
  'red_packet',
  'finder',
  'friend_request',
  'contact_update',
  'contact_deleted',
  'sync',
  'offline',
  'unknown',
]);

/**
 * ctx.history for plugins (PluginPorts.history): a chat's messages from the log, by the (robot_id, chat_id,
 * received_at) index. The newest `limit` since `since`, oldest first.
 */
@Injectable()
export class MessageHistorySource implements HistorySource, OnModuleInit {
  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    private readonly ports: PluginPorts,
    private readonly sql: RawSql,
  ) {}

  onModuleInit(): void {
    this.ports.history = this;
  }

  async recent(robotId: number, chatId: string, options: { since: Date; limit: number }): Promise<HistoryMessage[]> {
    const rows = await this.messages
      .createQueryBuilder('m')
      .select(['m.id', 'm.kind', 'm.senderWxid', 'm.isSelf', 'm.text', 'm.createTime', 'm.receivedAt', 'm.raw'])
      .where('m.robot_id = :robotId AND m.chat_id = :chatId AND m.received_at >= :since', {
        robotId,
        chatId,
        // SQLite's column is UTC text: a Date cannot be bound there
        since: this.sql.datetime(options.since),
      })
      .orderBy('m.received_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .take(options.limit)
      .getMany();
    return rows.reverse().map(toHistory);
  }
}

function toHistory(m: MessageEntity): HistoryMessage {
  return {
    id: m.id,
    kind: m.kind as EventKind,
    senderWxid: m.senderWxid,
    senderName: m.isSelf ? null : senderNameOf(m.raw),
    isSelf: m.isSelf,
    text: NO_TEXT.has(m.kind) ? null : m.text,
    createTime: m.createTime === null ? null : Number(m.createTime),
    receivedAt: m.receivedAt.toISOString(),
  };
}

/**
 * The sender's display name from a logged callback's push text: `Name : text` (a group message, also a private one),
 * `Name在群聊中@了你` (a mention). Null when the callback has none of these.
 */
export function senderNameOf(raw: string | null): string | null {
  if (!raw || !raw.includes('PushContent')) return null;
  let push: unknown;
  try {
    const data = (JSON.parse(raw) as { Data?: { PushContent?: unknown } } | null)?.Data;
    push = data?.PushContent;
  } catch {
    return null;
  }
  if (push && typeof push === 'object') push = (push as { string?: unknown }).string;
  return nameFromPush(typeof push === 'string' ? push : null);
}

export function nameFromPush(push: string | null): string | null {
  if (!push) return null;
  const at = /^(.+?)\s*在群聊中@了你/.exec(push);
  if (at) return at[1].trim() || null;
  const i = push.indexOf(' : ');
  return i > 0 ? push.slice(0, i).trim() || null : null;
}
