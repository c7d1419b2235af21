import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PluginRecordEntity } from './plugin-record.entity';
import type { PluginRecord, PluginRecords } from './plugin.types';

/** Records kept per plugin and kind; older ones are deleted after each add. */
export const RECORDS_KEPT = 1_000;
/** The most `data` may take as JSON (UTF-8 bytes). */
export const RECORD_MAX_BYTES = 16 * 1024;
const MAX_KIND = 64;
const MAX_CHAT = 100;

/** What a list of records is filtered by; `before` is an id (the page's cursor), `robotIds` the caller's reach. */
export interface RecordQuery {
  kind?: string;
  robotId?: number;
  chatId?: string;
  limit: number;
  before?: number;
  /** null: every robot; else only records of these robots (an API token limited to chosen robots). */
  robotIds?: readonly number[] | null;
}

/** A page of records, newest first; `nextBefore` is the `before` of the next (older) page, null at the end. */
export interface RecordPage {
  items: PluginRecord[];
  nextBefore: number | null;
}

/**
 * ctx.records on the plugin_records table: per plugin and kind the newest 1 000 (each add deletes what falls beyond,
 * found with one walk of the (plugin, kind, id) index), `data` an object of at most 16 KiB as JSON. A robot's records
 * go with it when the robot is deleted (the foreign key cascades).
 */
@Injectable()
export class PluginRecordsStore {
  private readonly facades = new Map<string, PluginRecords>();

  constructor(@InjectRepository(PluginRecordEntity) private readonly repo: Repository<PluginRecordEntity>) {}

  forPlugin(plugin: string): PluginRecords {
    let facade = this.facades.get(plugin);
    if (!facade) {
      facade = {
        add: (kind, data, scope) => this.add(plugin, kind, data, scope),
        list: async (kind, options) => {
          checkKind(kind);
          const limit = options?.limit ?? 100;
          if (!Number.isSafeInteger(limit) || limit < 1 || limit > RECORDS_KEPT)
            throw new Error(`records.list: limit is an integer of 1-${RECORDS_KEPT}`);
          return (await this.page(plugin, { kind, robotId: options?.robotId, chatId: options?.chatId, limit })).items;
        },
      };
      this.facades.set(plugin, facade);
    }
    return facade;
  }

  async add(
    plugin: string,
    kind: string,
    data: Record<string, unknown>,
    scope?: { robotId?: number | null; chatId?: string | null },
  ): Promise<PluginRecord> {
    checkKind(kind);
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new Error(`records.add("${kind}"): data must be an object`);
    const robotId = scope?.robotId ?? null;
    if (robotId !== null && (!Number.isSafeInteger(robotId) || robotId < 1))
      throw new Error(`records.add("${kind}"): robotId must be a robot's id or null`);
    const chatId = scope?.chatId ?? null;
    if (chatId !== null && (typeof chatId !== 'string' || !chatId || chatId.length > MAX_CHAT))
      throw new Error(`records.add("${kind}"): chatId must be a string of 1-${MAX_CHAT} characters or null`);
    const json = JSON.stringify(data);
    const bytes = Buffer.byteLength(json);
    if (bytes > RECORD_MAX_BYTES)
      throw new Error(
        `records.add("${kind}"): data is ${bytes} bytes as JSON; a record holds at most ${RECORD_MAX_BYTES} (16 KiB)`,
      );
    const row = await this.repo.save(this.repo.create({ plugin, kind, robotId, chatId, data: json }));
    await this.trim(plugin, kind);
    return view(row);
  }

  /** Deletes what is beyond the newest RECORDS_KEPT of a plugin's kind: usually nothing, or the one record. */
  private async trim(plugin: string, kind: string): Promise<void> {
    const edge = await this.repo
      .createQueryBuilder('r')
      .select('r.id', 'id')
      .where('r.plugin = :plugin AND r.kind = :kind', { plugin, kind })
      .orderBy('r.id', 'DESC')
      .offset(RECORDS_KEPT)
      .limit(1)
      .getRawOne<{ id: number | string }>();
    if (!edge) return;
    await this.repo
      .createQueryBuilder()
      .delete()
      .where('plugin = :plugin AND kind = :kind AND id <= :id', { plugin, kind, id: Number(edge.id) })
      .execute();
  }

  async page(plugin: string, q: RecordQuery): Promise<RecordPage> {
    const qb = this.repo.createQueryBuilder('r').where('r.plugin = :plugin', { plugin });
    if (q.kind !== undefined) qb.andWhere('r.kind = :kind', { kind: q.kind });
    if (q.robotId !== undefined) qb.andWhere('r.robot_id = :robotId', { robotId: q.robotId });
    if (q.chatId !== undefined) qb.andWhere('r.chat_id = :chatId', { chatId: q.chatId });
    if (q.before !== undefined) qb.andWhere('r.id < :before', { before: q.before });
    if (q.robotIds) {
      if (!q.robotIds.length) return { items: [], nextBefore: null };
      qb.andWhere('r.robot_id IN (:...robotIds)', { robotIds: [...q.robotIds] });
    }
    const rows = await qb
      .orderBy('r.id', 'DESC')
      .take(q.limit + 1)
      .getMany();
    const items = rows.slice(0, q.limit).map(view);
    return { items, nextBefore: rows.length > q.limit ? items[items.length - 1].id : null };
  }

  /** The kinds a plugin has records of, with how many of each (the caller's robots only when limited). */
  async kinds(plugin: string, robotIds: readonly number[] | null = null): Promise<{ kind: string; count: number }[]> {
    const qb = this.repo
      .createQueryBuilder('r')
      .select('r.kind', 'kind')
      .addSelect('COUNT(*)', 'count')
      .where('r.plugin = :plugin', { plugin });
    if (robotIds) {
      if (!robotIds.length) return [];
      qb.andWhere('r.robot_id IN (:...robotIds)', { robotIds: [...robotIds] });
    }
    const rows = await qb.groupBy('r.kind').orderBy('r.kind', 'ASC').getRawMany<{ kind: string; count: number }>();
    return rows.map((r) => ({ kind: r.kind, count: Number(r.count) }));
  }
}

function checkKind(kind: unknown): asserts kind is string {
  if (typeof kind !== 'string' || !kind || kind.length > MAX_KIND)
    throw new Error(`a record's kind is a string of 1-${MAX_KIND} characters`);
}

function view(row: PluginRecordEntity): PluginRecord {
  return {
    id: row.id,
    kind: row.kind,
    robotId: row.robotId,
    chatId: row.chatId,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
