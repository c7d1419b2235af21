import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { LessThan, Repository } from 'typeorm';
import type { AuthUser } from '../common/auth.decorators';
import { ChatNames } from '../common/chat-names';
import { Page } from '../common/dto/pagination.dto';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { AuditLogEntity, AuditResult } from './audit-log.entity';
import { maskSecrets } from './audit-mask';
import { AuditWriter } from './audit-writer';
import { AuditEntryResponseDto, AuditListQueryDto } from './dto/audit.dto';

/** Who acted: a user (by id and name), a username tried at login, or an API token. */
export interface AuditActor {
  userId?: number | null;
  username?: string | null;
  tokenId?: number | null;
}

export interface AuditEntry {
  action: string;
  actor: AuditActor;
  targetType?: string | null;
  targetId?: string | number | null;
  result: AuditResult;
  status?: number | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
}

/** What a handler adds to its own audit row while it runs (see AuditTrail.note). */
interface AuditScope {
  notes: Record<string, unknown>;
  targetId?: string;
}

const HOUR_MS = 3_600_000;
const FIRST_SWEEP_MS = 10_000;
const DAY_MS = 86_400_000;
const MAX_DETAILS = 16_384;

/** The actor of a request's authenticated caller. */
export function actorOf(user: AuthUser | undefined): AuditActor {
  if (!user) return {};
  if (user.token) return { tokenId: user.token.id, username: null, userId: null };
  return { userId: user.id, username: user.username };
}

/**
 * The audit log: `record` an action (fire-and-forget, never throws), `note` details from inside an audited handler,
 * list rows for the admin API, and delete rows past `[audit] retention_days` hourly.
 */
@Injectable()
export class AuditTrail implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditLog');
  private readonly scopes = new AsyncLocalStorage<AuditScope>();
  /** The retention sweep: 10 s after the start, then hourly. */
  private readonly retention = new PeriodicTask({
    name: 'Audit log retention sweep',
    intervalMs: HOUR_MS,
    firstRunAfterMs: FIRST_SWEEP_MS,
    logger: this.logger,
    run: () => this.sweep(),
  });

  constructor(
    @InjectRepository(AuditLogEntity) private readonly rows: Repository<AuditLogEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: AuditWriter,
    /** Names beside the chats the entries acted on (the directory; none without it). */
    @Optional() private readonly names?: ChatNames,
  ) {}

  onModuleInit(): void {
    if (this.config.audit.retention_days) this.retention.start();
  }

  /** Before the database and the logger close: no sweep starts any more, and one under way is waited for. */
  beforeApplicationShutdown(): Promise<void> {
    return this.retention.stop();
  }

  /** Queues one row. Never throws and never waits for the database. */
  record(e: AuditEntry): void {
    try {
      let details = e.details && Object.keys(e.details).length ? JSON.stringify(maskSecrets(e.details)) : null;
      if (details && details.length > MAX_DETAILS)
        details = JSON.stringify({ truncated: true, preview: details.slice(0, 1000) });
      this.writer.push({
        actorUserId: e.actor.userId ?? null,
        actorUsername: e.actor.username?.slice(0, 100) ?? null,
        actorTokenId: e.actor.tokenId ?? null,
        action: e.action,
        targetType: e.targetType ?? null,
        targetId: e.targetId === undefined || e.targetId === null ? null : String(e.targetId).slice(0, 191),
        result: e.result,
        status: e.status ?? null,
        ip: e.ip?.slice(0, 64) ?? null,
        requestId: e.requestId?.slice(0, 64) ?? null,
        details,
        createdAt: new Date(),
      });
    } catch (err) {
      this.logger.warn({ error: (err as Error).message, action: e.action }, 'Audit entry could not be recorded');
    }
  }

  /** Runs an audited handler with a scope its code can add details to. */
  runScoped<T>(fn: () => T): { scope: AuditScope; value: T } {
    const scope: AuditScope = { notes: {} };
    return { scope, value: this.scopes.run(scope, fn) };
  }

  /**
   * Adds details (e.g. a config diff) to the audit row of the request being handled, and optionally names its target
   * (when the route cannot, e.g. a create). Does nothing outside an audited request.
   */
  note(details: Record<string, unknown>, targetId?: string | number): void {
    const scope = this.scopes.getStore();
    if (!scope) return;
    Object.assign(scope.notes, details);
    if (targetId !== undefined) scope.targetId = String(targetId);
  }

  async list(q: AuditListQueryDto): Promise<Page<AuditEntryResponseDto>> {
    // what this instance recorded is visible to its own next read
    await this.writer.flush();
    const qb = this.rows
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit);
    if (q.actor) {
      const m = /^(user|token):(\d+)$/.exec(q.actor);
      if (m?.[1] === 'user') qb.andWhere('a.actor_user_id = :actorId', { actorId: Number(m[2]) });
      else if (m?.[1] === 'token') qb.andWhere('a.actor_token_id = :actorId', { actorId: Number(m[2]) });
      else qb.andWhere('a.actor_username = :actor', { actor: q.actor });
    }
    if (q.action) {
      if (q.action.includes('.')) qb.andWhere('a.action = :action', { action: q.action });
      else qb.andWhere("a.action LIKE :area ESCAPE '!'", { area: `${q.action.replace(/[!%_]/g, (c) => '!' + c)}.%` });
    }
    if (q.targetType) qb.andWhere('a.target_type = :targetType', { targetType: q.targetType });
    if (q.targetId) qb.andWhere('a.target_id = :targetId', { targetId: q.targetId });
    if (q.result) qb.andWhere('a.result = :result', { result: q.result });
    if (q.since) qb.andWhere('a.created_at >= :since', { since: q.since });
    if (q.until) qb.andWhere('a.created_at < :until', { until: q.until });
    const [rows, total] = await qb.getManyAndCount();
    const items = rows.map(toResponse);
    await this.nameChats(items);
    return { items, total, page: q.page, limit: q.limit };
  }

  /** The chat an entry acted on in a robot (a send's toWxid, a route's chat or contact), and its name. */
  private async nameChats(items: AuditEntryResponseDto[]): Promise<void> {
    const acted = items.filter((e) => e.chatId !== null && e.targetType === 'robot' && /^\d+$/.test(e.targetId ?? ''));
    if (!this.names || !acted.length) return;
    const names = await this.names.books(acted.map((e) => ({ robotId: Number(e.targetId), chatId: e.chatId })));
    for (const e of acted) e.chatName = names(Number(e.targetId)).chat(e.chatId);
  }

  /** Deletes rows older than `[audit] retention_days` (0: never). Answers how many went. */
  async sweep(now = Date.now()): Promise<number> {
    const days = this.config.audit.retention_days;
    if (!days) return 0;
    try {
      const res = await this.rows.delete({ createdAt: LessThan(new Date(now - days * DAY_MS)) });
      const deleted = res.affected ?? 0;
      if (deleted) this.logger.log({ deleted, retentionDays: days }, 'Audit log retention sweep');
      return deleted;
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'Audit log retention sweep failed');
      return 0;
    }
  }
}

function toResponse(a: AuditLogEntity): AuditEntryResponseDto {
  let details: Record<string, unknown> | null;
  try {
    details = a.details ? (JSON.parse(a.details) as Record<string, unknown>) : null;
  } catch {
    details = { unreadable: true };
  }
  return {
    id: a.id,
    createdAt: a.createdAt.toISOString(),
    actorUserId: a.actorUserId,
    actorUsername: a.actorUsername,
    actorTokenId: a.actorTokenId,
    action: a.action,
    targetType: a.targetType,
    targetId: a.targetId,
    result: a.result,
    status: a.status,
    ip: a.ip,
    requestId: a.requestId,
    chatId: chatOf(details),
    chatName: null,
    details,
  };
}

const CHAT_KEYS = ['chat_id', 'wxid', 'toWxid', 'chatId'] as const;

/** The chat an entry names: a route parameter, else a body field. */
function chatOf(details: Record<string, unknown> | null): string | null {
  const params = details?.params as Record<string, unknown> | undefined;
  const body = details?.body as Record<string, unknown> | undefined;
  for (const source of [params, body, details])
    for (const k of CHAT_KEYS) {
      const v = source?.[k];
      if (typeof v === 'string' && v !== '') return v;
    }
  return null;
}
