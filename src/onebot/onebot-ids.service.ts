import { Injectable } from '@nestjs/common';
import { isUniqueViolation, RawSql } from '../database/raw-sql';
import type { AliasKind } from './onebot-id.entity';
import type { IdMapper, IdMode, MessageRef, OneBotId } from './onebot.types';

/** Entries kept per cache (ids, messages): enough for the active contacts and recent messages of many robots. */
export const ALIAS_CACHE_MAX = 50_000;

/** A message alias row: the alias and what it stands for. */
export interface StoredMessage extends MessageRef {
  id: number;
}

/**
 * The alias tables' statements: a side effect behind a small class, so the store's logic is tested with a fake.
 * Inserts answer null on a unique violation (another caller, maybe another instance, got there first).
 */
@Injectable()
export class OneBotIdTable {
  constructor(private readonly sql: RawSql) {}

  async insertId(kind: AliasKind, raw: string): Promise<number | null> {
    try {
      return (await this.sql.run('INSERT INTO "onebot_ids" ("kind", "raw") VALUES (?, ?)', [kind, raw])).insertId;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  async findId(kind: AliasKind, raw: string): Promise<number | null> {
    const [row] = await this.sql.rows<{ id: number }>('SELECT "id" FROM "onebot_ids" WHERE "kind" = ? AND "raw" = ?', [
      kind,
      raw,
    ]);
    return row ? Number(row.id) : null;
  }

  async findRaw(id: number): Promise<{ kind: AliasKind; raw: string } | null> {
    const [row] = await this.sql.rows<{ kind: AliasKind; raw: string }>(
      'SELECT "kind", "raw" FROM "onebot_ids" WHERE "id" = ?',
      [id],
    );
    return row ? { kind: row.kind, raw: row.raw } : null;
  }

  async insertMessage(ref: MessageRef): Promise<number | null> {
    try {
      const r = await this.sql.run(
        'INSERT INTO "onebot_messages" ("robot_id", "new_msg_id", "msg_id", "create_time", "chat_id", ' +
          '"message_log_id") VALUES (?, ?, ?, ?, ?, ?)',
        [
          ref.robotId,
          ref.newMsgId,
          ref.msgId,
          ref.createTime === null ? null : String(ref.createTime),
          ref.chatId?.slice(0, 100) ?? null,
          ref.messageLogId,
        ],
      );
      return r.insertId;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  async findMessage(robotId: number, newMsgId: string): Promise<StoredMessage | null> {
    const [row] = await this.sql.rows<MessageRow>(`${SELECT_MESSAGE} WHERE "robot_id" = ? AND "new_msg_id" = ?`, [
      robotId,
      newMsgId,
    ]);
    return row ? toStored(row) : null;
  }

  async messageById(id: number): Promise<StoredMessage | null> {
    const [row] = await this.sql.rows<MessageRow>(`${SELECT_MESSAGE} WHERE "id" = ?`, [id]);
    return row ? toStored(row) : null;
  }

  /** Fills the fields a row was stored without (a message first seen as a quote, then as itself). */
  async fillMessage(id: number, ref: MessageRef): Promise<void> {
    await this.sql.run(
      'UPDATE "onebot_messages" SET "msg_id" = COALESCE("msg_id", ?), "create_time" = COALESCE("create_time", ?), ' +
        '"chat_id" = COALESCE("chat_id", ?), "message_log_id" = COALESCE("message_log_id", ?) WHERE "id" = ?',
      [
        ref.msgId,
        ref.createTime === null ? null : String(ref.createTime),
        ref.chatId?.slice(0, 100) ?? null,
        ref.messageLogId,
        id,
      ],
    );
  }
}

const SELECT_MESSAGE =
  'SELECT "id", "robot_id", "new_msg_id", "msg_id", "create_time", "chat_id", "message_log_id" FROM "onebot_messages"';

interface MessageRow {
  id: number;
  robot_id: number;
  new_msg_id: string;
  msg_id: string | null;
  create_time: string | number | null;
  chat_id: string | null;
  message_log_id: number | null;
}

function toStored(r: MessageRow): StoredMessage {
  return {
    id: Number(r.id),
    robotId: Number(r.robot_id),
    newMsgId: String(r.new_msg_id),
    msgId: r.msg_id === null ? null : String(r.msg_id),
    createTime: r.create_time === null ? null : Number(r.create_time),
    chatId: r.chat_id,
    messageLogId: r.message_log_id === null ? null : Number(r.message_log_id),
  };
}

/** A Map that forgets its least recently used entries beyond `max` (a hit moves an entry to the end). */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}

const DIGITS = /^\d{1,16}$/;
const MAX_RAW = 100;

/** An alias as a client may send it back: a positive safe integer, or its digits (Koishi sends strings). */
export function aliasOf(id: unknown): number | null {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id > 0 ? id : null;
  if (typeof id === 'string' && DIGITS.test(id)) {
    const n = Number(id);
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  }
  return null;
}

/** A raw WeChat id as a client may send it: a string that is not all digits (a wxid never is), at most 100 chars. */
function rawOf(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const s = id.trim();
  return s && s.length <= MAX_RAW && !/^\d+$/.test(s) ? s : null;
}

const isGroupId = (raw: string) => raw.endsWith('@chatroom');

/**
 * The alias tables (`onebot_ids` for wxids and chatroom ids, `onebot_messages` for messages): allocated from the
 * tables' sequence, the same across restarts and instances (a unique index decides a race), cached in memory.
 * PART core.
 *
 * Allocation is INSERT first (the common case for a new id is one statement), and on a unique violation the SELECT of
 * the row the other caller wrote. Users and groups share one sequence, so an alias never means both. A message alias
 * belongs to its robot: another robot's client asking for it gets null.
 */
@Injectable()
export class OneBotIdStore {
  /** `u:wxid` / `g:chatId` → alias, and `#alias` → the id behind it. */
  private readonly ids = new LruMap<string, number | { kind: AliasKind; raw: string }>(ALIAS_CACHE_MAX);
  /** `robot:newMsgId` → alias, and `#alias` → the message behind it. */
  private readonly messages = new LruMap<string, number | StoredMessage>(ALIAS_CACHE_MAX);
  /** Allocations under way, so concurrent asks for one new id make one INSERT. */
  private readonly pending = new Map<string, Promise<number>>();

  constructor(private readonly table: OneBotIdTable) {}

  mapper(robotId: number, mode: IdMode): IdMapper {
    const alias = mode === 'alias';
    return {
      mode,
      user: (wxid) => (alias ? this.alias('user', wxid) : Promise.resolve(wxid)),
      group: (chatId) => (alias ? this.alias('group', chatId) : Promise.resolve(chatId)),
      message: async (ref): Promise<OneBotId> => {
        const id = await this.messageAlias({ ...ref, robotId });
        return alias ? id : ref.newMsgId;
      },
      userWxid: (id) => this.rawOfKind('user', id),
      groupChatId: (id) => this.rawOfKind('group', id),
      messageRef: (id) => this.messageRef(robotId, id, mode),
    };
  }

  /** The alias of a wxid or chatroom id, allocated when new. */
  async alias(kind: AliasKind, raw: string): Promise<number> {
    const key = `${kind === 'user' ? 'u' : 'g'}:${raw}`;
    const hit = this.ids.get(key);
    if (typeof hit === 'number') return hit;
    return this.once(key, async () => {
      const id = (await this.table.insertId(kind, raw)) ?? (await this.table.findId(kind, raw));
      if (id === null) throw new Error(`OneBot alias of ${kind} ${raw}: inserted and not found`);
      this.ids.set(key, id);
      this.ids.set(`#${id}`, { kind, raw });
      return id;
    });
  }

  private async rawOfKind(kind: AliasKind, id: unknown): Promise<string | null> {
    const raw = rawOf(id);
    if (raw !== null) return isGroupId(raw) === (kind === 'group') ? raw : null;
    const n = aliasOf(id);
    if (n === null) return null;
    let hit = this.ids.get(`#${n}`);
    if (hit === undefined || typeof hit === 'number') {
      const found = await this.table.findRaw(n);
      if (!found) return null;
      hit = found;
      this.ids.set(`#${n}`, found);
      this.ids.set(`${found.kind === 'user' ? 'u' : 'g'}:${found.raw}`, n);
    }
    return hit.kind === kind ? hit.raw : null;
  }

  private async messageAlias(ref: MessageRef): Promise<number> {
    const key = `${ref.robotId}:${ref.newMsgId}`;
    const hit = this.messages.get(key);
    if (typeof hit === 'number') {
      const stored = this.messages.get(`#${hit}`);
      if (typeof stored === 'object' && lacks(stored, ref)) await this.fill(stored, ref);
      return hit;
    }
    return this.once(`m:${key}`, async () => {
      const inserted = await this.table.insertMessage(ref);
      let stored: StoredMessage;
      if (inserted !== null) stored = { ...ref, id: inserted };
      else {
        const found = await this.table.findMessage(ref.robotId, ref.newMsgId);
        if (!found) throw new Error(`OneBot alias of message ${ref.newMsgId}: inserted and not found`);
        stored = found;
        if (lacks(stored, ref)) await this.fill(stored, ref);
      }
      this.messages.set(key, stored.id);
      this.messages.set(`#${stored.id}`, stored);
      return stored.id;
    });
  }

  private async fill(stored: StoredMessage, ref: MessageRef): Promise<void> {
    await this.table.fillMessage(stored.id, ref);
    stored.msgId ??= ref.msgId;
    stored.createTime ??= ref.createTime;
    stored.chatId ??= ref.chatId;
    stored.messageLogId ??= ref.messageLogId;
  }

  private async messageRef(robotId: number, id: unknown, mode: IdMode): Promise<MessageRef | null> {
    // string mode: the newMsgId (all digits, 64-bit: only a string keeps it exact); an alias is accepted too
    if (mode === 'string' && typeof id === 'string' && /^\d{1,32}$/.test(id)) {
      const byNewMsgId = await this.byNewMsgId(robotId, id);
      if (byNewMsgId) return byNewMsgId;
    }
    const n = aliasOf(id);
    if (n === null || n > 2_147_483_647) return null;
    let hit = this.messages.get(`#${n}`);
    if (typeof hit !== 'object') {
      const found = await this.table.messageById(n);
      if (!found) return null;
      hit = found;
      this.messages.set(`#${n}`, found);
      this.messages.set(`${found.robotId}:${found.newMsgId}`, n);
    }
    return hit.robotId === robotId ? refOf(hit) : null;
  }

  private async byNewMsgId(robotId: number, newMsgId: string): Promise<MessageRef | null> {
    const alias = this.messages.get(`${robotId}:${newMsgId}`);
    const cached = typeof alias === 'number' ? this.messages.get(`#${alias}`) : undefined;
    if (typeof cached === 'object') return refOf(cached);
    const found = await this.table.findMessage(robotId, newMsgId);
    if (!found) return null;
    this.messages.set(`${robotId}:${newMsgId}`, found.id);
    this.messages.set(`#${found.id}`, found);
    return refOf(found);
  }

  private once(key: string, run: () => Promise<number>): Promise<number> {
    const running = this.pending.get(key);
    if (running) return running;
    const p = run().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }
}

function lacks(stored: MessageRef, ref: MessageRef): boolean {
  return (
    (stored.msgId === null && ref.msgId !== null) ||
    (stored.createTime === null && ref.createTime !== null) ||
    (stored.chatId === null && ref.chatId !== null) ||
    (stored.messageLogId === null && ref.messageLogId !== null)
  );
}

function refOf(m: StoredMessage): MessageRef {
  return {
    robotId: m.robotId,
    newMsgId: m.newMsgId,
    msgId: m.msgId,
    createTime: m.createTime,
    chatId: m.chatId,
    messageLogId: m.messageLogId,
  };
}
