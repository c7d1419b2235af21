import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { backoffDelay } from '../common/backoff';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { outboundRequest } from '../net/outbound-http';
import type { IncomingMessage } from 'node:http';
import type { DeliveryRef } from './delivery-queue';
import { OutboundAttemptEntity } from './outbound-attempt.entity';
import { OutboundDeliveryEntity } from './outbound-delivery.entity';
import { OutboundWebhookEntity } from './outbound-webhook.entity';
import { webhookTargetPolicy } from './outbound-target';
import { signDelivery } from './webhook-signature';

/** A claim not refreshed for this long belongs to an instance that died: the row is handed out again. */
export const ABANDONED_AFTER_MS = 5 * 60_000;
/** What the delivery log keeps of an answer. */
export const EXCERPT_CHARS = 500;
/** What is read of an answer at most (enough bytes for 500 characters of any UTF-8). */
const READ_BYTES = EXCERPT_CHARS * 4;

/** How one try ended: `retry` left the row pending until `delayMs` from now. */
export type DeliveryOutcome = { result: 'delivered' | 'dead' | 'skipped' } | { result: 'retry'; delayMs: number };

/** What one HTTP try answered. */
interface TryResult {
  statusCode: number | null;
  response: string | null;
  errorCode: string | null;
  latencyMs: number;
}

/**
 * One try of one delivery, whichever queue scheduled it: the compare-and-set claim (only one instance turns a pending
 * row into delivering), the signed POST (Standard Webhooks headers, a timeout, never a redirect followed: a 3xx is a
 * failure), a row in the delivery log, and the row's new state — delivered, pending again after the project's backoff,
 * or dead after `outbound_webhooks.attempts`.
 */
@Injectable()
export class DeliveryAttempts {
  private readonly logger = new Logger('OutboundWebhooks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(OutboundDeliveryEntity) private readonly deliveries: Repository<OutboundDeliveryEntity>,
    @InjectRepository(OutboundAttemptEntity) private readonly log: Repository<OutboundAttemptEntity>,
    @InjectRepository(OutboundWebhookEntity) private readonly hooks: Repository<OutboundWebhookEntity>,
  ) {}

  /** Claims a pending row (with `due`: only once its next_attempt_at has come); null when it is not pending. */
  async claim(id: number, opts: { due: boolean }): Promise<OutboundDeliveryEntity | null> {
    const now = new Date();
    const qb = this.deliveries
      .createQueryBuilder()
      .update(OutboundDeliveryEntity)
      .set({ status: 'delivering', claimedAt: now, attempts: () => 'attempts + 1' })
      .where('id = :id AND status = :pending', { id, pending: 'pending' });
    if (opts.due) qb.andWhere('next_attempt_at <= :now', { now });
    const res = await qb.execute();
    if (!res.affected) return null;
    return this.deliveries.findOne({ where: { id } });
  }

  /** The ids of pending rows that are due, oldest first (the table queue's fill). */
  async due(limit: number, except: (id: number) => boolean): Promise<number[]> {
    const rows = await this.deliveries.find({
      select: { id: true },
      where: { status: 'pending', nextAttemptAt: LessThan(new Date(Date.now() + 1)) },
      order: { nextAttemptAt: 'ASC', id: 'ASC' },
      take: limit + 50,
    });
    return rows
      .map((r) => r.id)
      .filter((id) => !except(id))
      .slice(0, limit);
  }

  /** Rows claimed by an instance that stopped heart-beating: pending again (their try may be repeated). */
  async reclaimAbandoned(running: (id: number) => boolean): Promise<DeliveryRef[]> {
    const stale = await this.deliveries.find({
      select: { id: true, attempts: true },
      where: { status: 'delivering', claimedAt: LessThan(new Date(Date.now() - this.abandonedAfterMs())) },
      take: 500,
    });
    const refs: DeliveryRef[] = [];
    for (const { id, attempts } of stale) {
      if (running(id)) continue;
      const res = await this.deliveries.update(
        { id, status: 'delivering' },
        { status: 'pending', claimedAt: null, nextAttemptAt: new Date() },
      );
      if (res.affected) refs.push({ id, attempts });
    }
    return refs;
  }

  /** A try lasts at most the timeout: a claim older than twice that (and 5 minutes) is an instance that died. */
  private abandonedAfterMs(): number {
    return Math.max(ABANDONED_AFTER_MS, 2 * this.config.outbound_webhooks.timeout);
  }

  /** Pending rows overdue by `olderThan` (their job was lost, e.g. an enqueue failed): for the advanced sweep. */
  async overdue(olderThan: Date, limit: number): Promise<DeliveryRef[]> {
    const rows = await this.deliveries.find({
      select: { id: true, attempts: true },
      where: { status: 'pending', nextAttemptAt: LessThan(olderThan) },
      take: limit,
    });
    return rows.map((r) => ({ id: r.id, attempts: r.attempts }));
  }

  /** Runs one try of a claimed row and writes its outcome. Never throws for the receiver's failures. */
  async run(row: OutboundDeliveryEntity): Promise<DeliveryOutcome> {
    const o = this.config.outbound_webhooks;
    const hook = await this.hooks.findOne({ where: { id: row.webhookId } });
    if (!hook) return { result: 'skipped' }; // deleted meanwhile: its rows go with it (foreign key)
    if (!hook.active) {
      await this.settle(row, { status: 'dead', lastError: 'SUBSCRIPTION_INACTIVE' });
      return { result: 'dead' };
    }
    const t = await this.tryOnce(hook, row);
    await this.log.insert({
      webhookId: row.webhookId,
      deliveryId: row.id,
      eventType: row.eventType,
      attempt: row.attempts,
      statusCode: t.statusCode,
      latencyMs: t.latencyMs,
      response: t.response,
      errorCode: t.errorCode,
    });
    const last = { lastStatus: t.statusCode, lastError: t.errorCode };
    if (!t.errorCode) {
      await this.settle(row, { ...last, status: 'delivered', deliveredAt: new Date() });
      return { result: 'delivered' };
    }
    if (row.attempts >= o.attempts) {
      await this.settle(row, { ...last, status: 'dead' });
      this.logger.warn(
        { webhookId: hook.id, deliveryId: row.id, attempts: row.attempts, error: t.errorCode },
        'Outbound delivery failed for good (dead letter)',
      );
      return { result: 'dead' };
    }
    const delayMs = backoffDelay(row.attempts, { baseMs: o.backoff, maxMs: o.max_backoff, jitter: 0.2 });
    await this.settle(row, { ...last, status: 'pending', nextAttemptAt: new Date(Date.now() + delayMs) });
    return { result: 'retry', delayMs };
  }

  private async settle(row: OutboundDeliveryEntity, patch: Partial<OutboundDeliveryEntity>): Promise<void> {
    await this.deliveries.update({ id: row.id, status: 'delivering' }, { claimedAt: null, ...patch });
  }

  private async tryOnce(hook: OutboundWebhookEntity, row: OutboundDeliveryEntity): Promise<TryResult> {
    const started = Date.now();
    const headers = signDelivery(hook.secret, row.eventId, new Date(), row.payload);
    const signal = AbortSignal.timeout(this.config.outbound_webhooks.timeout);
    try {
      const res = await outboundRequest(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'OpenGewe-Webhooks/1', ...headers },
        body: row.payload,
        signal,
        redirect: 'manual',
        policy: webhookTargetPolicy(this.config),
      });
      const response = await excerpt(res.body);
      const ok = res.status >= 200 && res.status < 300;
      return { statusCode: res.status, response, errorCode: ok ? null : `HTTP_${res.status}`, latencyMs: ms(started) };
    } catch (err) {
      return { statusCode: null, response: null, errorCode: errorCode(err), latencyMs: ms(started) };
    }
  }
}

const ms = (since: number) => Math.max(0, Date.now() - since);

/** The first EXCERPT_CHARS characters of an answer (the rest is not read). */
async function excerpt(body: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    chunks.push(b);
    total += b.byteLength;
    if (total >= READ_BYTES) break;
  }
  body.destroy();
  const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
  return text === '' ? null : text;
}

/** A stable code for a failed try: TIMEOUT, the system or policy code (ECONNREFUSED, EOUTBOUNDREFUSED…), or ERROR. */
function errorCode(err: unknown): string {
  const e = err as { name?: string; code?: unknown };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'TIMEOUT';
  if (typeof e?.code === 'string' && /^[A-Z0-9_]{2,60}$/.test(e.code)) return e.code;
  return 'ERROR';
}
