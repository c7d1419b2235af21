import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EventKind } from '../callback/events';
import { RawSql } from '../database/raw-sql';
import { PluginPorts } from '../plugin/plugin-ports';
import type { HistorySource } from '../plugin/plugin-ports';
import type { HistoryMessage } from '../plugin/plugin.types';

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

/** The push text of a logged callback, read by the database: the rows' raw callbacks (up to 60 KB each) stay there. */
const PUSH = {
  sqlite: 'COALESCE(json_extract("raw", ?), json_extract("raw", ?))',
  mysql: 'COALESCE(JSON_UNQUOTE(JSON_EXTRACT("raw", ?)), JSON_UNQUOTE(JSON_EXTRACT("raw", ?)))',
};
const PUSH_PATHS = ['$.Data.PushContent.string', '$.Data.PushContent'];

interface Row {
  id: number;
  kind: string;
  sender_wxid: string | null;
  is_self: number | boolean;
  text: string | null;
  create_time: string | number | null;
  received_at: unknown;
  push: string | null;
}

/**
 * ctx.history for plugins (PluginPorts.history): a chat's messages from the log, by the (robot_id, chat_id,
 * received_at) index. The newest `limit` since `since`, oldest first.
 */
@Injectable()
export class MessageHistorySource implements HistorySource, OnModuleInit {
  private readonly select: string;

  constructor(
    private readonly ports: PluginPorts,
    private readonly sql: RawSql,
  ) {
    this.select =
      'SELECT "id", "kind", "sender_wxid", "is_self", "text", "create_time", "received_at", ' +
      `${PUSH[sql.engine]} AS "push" FROM "messages" ` +
      'WHERE "robot_id" = ? AND "chat_id" = ? AND "received_at" >= ? ORDER BY "received_at" DESC, "id" DESC LIMIT ?';
  }

  onModuleInit(): void {
    this.ports.history = this;
  }

  async recent(robotId: number, chatId: string, options: { since: Date; limit: number }): Promise<HistoryMessage[]> {
    const rows = await this.sql.rows<Row>(this.select, [
      ...PUSH_PATHS,
      robotId,
      chatId,
      this.sql.datetime(options.since),
      Math.max(1, Math.floor(options.limit)),
    ]);
    return rows.reverse().map((r) => this.toHistory(r));
  }

  private toHistory(r: Row): HistoryMessage {
    const isSelf = r.is_self === true || Number(r.is_self) === 1;
    return {
      id: Number(r.id),
      kind: r.kind as EventKind,
      senderWxid: r.sender_wxid,
      senderName: isSelf ? null : nameFromPush(typeof r.push === 'string' ? r.push : null),
      isSelf,
      text: NO_TEXT.has(r.kind) ? null : r.text,
      createTime: r.create_time === null ? null : Number(r.create_time),
      receivedAt: this.sql.toDate(r.received_at).toISOString(),
    };
  }
}

/**
 * The sender's display name from a message's push text: `Name : text` (a group message, also a private one),
 * `Name在群聊中@了你` (a mention). Null for other push texts.
 */
export function nameFromPush(push: string | null): string | null {
  if (!push) return null;
  const at = /^(.+?)\s*在群聊中@了你/.exec(push);
  if (at) return at[1].trim() || null;
  const i = push.indexOf(' : ');
  return i > 0 ? push.slice(0, i).trim() || null : null;
}
