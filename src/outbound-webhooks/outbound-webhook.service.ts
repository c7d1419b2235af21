import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { EVENT_KINDS } from '../callback/events';
import type { GeweEvent } from '../callback/events';
import { ChatNames, NameBook, NO_NAMES } from '../common/chat-names';
import { badRequest, conflict, notFound } from '../common/domain-error';
import type { Page } from '../common/dto/pagination.dto';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { messageSummary } from '../message-log/message-summary';
import { RobotService } from '../robot/robot.service';
import { DeliveryAttempts } from './delivery-attempts';
import { DeliveryQueue } from './delivery-queue';
import {
  OutboundAttemptResponseDto,
  OutboundDeliveryQueryDto,
  OutboundDeliveryResponseDto,
  OutboundTestResponseDto,
  OutboundWebhookCreateDto,
  OutboundWebhookResponseDto,
  OutboundWebhookSecretResponseDto,
  OutboundWebhookUpdateDto,
} from './dto/outbound-webhook.dto';
import { OutboundAttemptEntity } from './outbound-attempt.entity';
import { OutboundDeliveryEntity } from './outbound-delivery.entity';
import { OutboundWebhookEntity } from './outbound-webhook.entity';
import { assertWebhookTarget, webhookTargetPolicy } from './outbound-target';
import { newEventId, newWebhookSecret } from './webhook-signature';

/** A subscription as the matcher holds it in memory. */
interface Subscription {
  id: number;
  kinds: ReadonlySet<string> | null;
  robots: ReadonlySet<number> | null;
  chats: ReadonlySet<string> | null;
}

/** Other instances' changes reach this one's cache within this time. */
const REFRESH_MS = 30_000;
const SWEEP_MS = 30_000;
const PRUNE_MS = 60 * 60_000;
/** A pending row due for this long without a try has lost its job (advanced mode): it is queued again. */
const OVERDUE_MS = 60_000;
const REPLAY_BATCH = 1000;

/** The body of one delivery: `{type, timestamp, data}` (Standard Webhooks' recommended shape). */
export interface OutboundPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The event type of a message of `kind`: `message.<kind>` (the test event is `webhook.test`). */
export const eventType = (kind: string) => `message.${kind}`;

/**
 * Outbound webhooks: the subscriptions (admin CRUD, secrets), the matcher the pipeline calls after a message is
 * recorded (an in-memory list, refreshed on every change here and every 30 s for changes made on other instances —
 * never a query per callback), the delivery rows it writes, the delivery log, the dead letters and their replay, and
 * the periodic sweep (abandoned claims, lost jobs) and pruning.
 */
@Injectable()
export class OutboundWebhookService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboundWebhooks');
  private subs: Subscription[] = [];
  private readonly tasks: PeriodicTask[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(OutboundWebhookEntity) private readonly hooks: Repository<OutboundWebhookEntity>,
    @InjectRepository(OutboundDeliveryEntity) private readonly deliveries: Repository<OutboundDeliveryEntity>,
    @InjectRepository(OutboundAttemptEntity) private readonly log: Repository<OutboundAttemptEntity>,
    private readonly queue: DeliveryQueue,
    private readonly attempts: DeliveryAttempts,
    private readonly robots: RobotService,
    /** The directory's names (chatName, senderName in the payload); absent: the names are null. */
    @Optional() private readonly names?: ChatNames,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.tasks.push(
      new PeriodicTask({
        name: 'OutboundWebhookCache',
        intervalMs: REFRESH_MS,
        logger: this.logger,
        run: () => this.refresh(),
      }),
    );
    if (this.config.backend.role !== 'webhook') {
      this.queue.consume(this.attempts);
      this.tasks.push(
        new PeriodicTask({
          name: 'OutboundDeliverySweep',
          intervalMs: SWEEP_MS,
          logger: this.logger,
          run: () => this.sweep(),
        }),
        new PeriodicTask({
          name: 'OutboundDeliveryPrune',
          intervalMs: PRUNE_MS,
          firstRunAfterMs: 60_000,
          logger: this.logger,
          run: () => this.prune(),
        }),
      );
    }
    for (const t of this.tasks) t.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.stop()));
    await this.queue.close();
  }

  // --- the pipeline's side -------------------------------------------------------------------------------------

  /**
   * A message new to the log: a delivery row per matching subscription, queued. Never throws (a failure is logged,
   * and the callback goes on); costs nothing without subscriptions. The receivers are called later, by the queue.
   */
  async onMessage(event: GeweEvent, messageId: number, receivedAt: Date): Promise<void> {
    const matching = this.subs.filter(
      (s) =>
        (!s.kinds || s.kinds.has(event.kind)) &&
        (!s.robots || s.robots.has(event.robotId)) &&
        (!s.chats || (event.chatId !== null && s.chats.has(event.chatId))),
    );
    if (!matching.length) return;
    try {
      const payload = JSON.stringify(messagePayload(event, messageId, receivedAt, await this.nameBook(event)));
      const ids = await this.insert(
        matching.map((s) => ({ webhookId: s.id, type: eventType(event.kind), messageId, payload })),
      );
      await this.queue.enqueue(ids.map((id) => ({ id, attempts: 0 })));
    } catch (err) {
      this.logger.error(
        { robotId: event.robotId, messageId, error: (err as Error).message },
        'Cannot queue outbound webhook deliveries',
      );
    }
  }

  /** The names of the message's chat and sender (two reads at most, only for a message some subscription wants). */
  private async nameBook(event: GeweEvent): Promise<NameBook> {
    if (!this.names || event.chatId === null) return NO_NAMES;
    try {
      return await this.names.book(event.robotId, {
        chatIds: [event.chatId],
        senders: [{ chatId: event.chatId, wxid: event.senderWxid }],
      });
    } catch {
      return NO_NAMES; // a delivery never waits for, nor fails for want of, a name
    }
  }

  private async insert(
    rows: { webhookId: number; type: string; messageId: number | null; payload: string }[],
  ): Promise<number[]> {
    const now = new Date();
    const entities = rows.map((r) =>
      this.deliveries.create({
        webhookId: r.webhookId,
        eventId: newEventId(),
        eventType: r.type,
        messageId: r.messageId,
        payload: r.payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
      }),
    );
    const saved = await this.deliveries.save(entities);
    return saved.map((d) => d.id);
  }

  // --- subscriptions -------------------------------------------------------------------------------------------

  async list(page: number, limit: number): Promise<Page<OutboundWebhookResponseDto>> {
    const [rows, total] = await this.hooks.findAndCount({
      order: { id: 'ASC' },
      skip: (page - 1) * limit,
      take: limit,
    });
    const dead = await this.deadCounts(rows.map((r) => r.id));
    return { items: rows.map((r) => view(r, dead.get(r.id) ?? 0)), total, page, limit };
  }

  async get(id: number): Promise<OutboundWebhookResponseDto> {
    const row = await this.entity(id);
    return view(row, (await this.deadCounts([id])).get(id) ?? 0);
  }

  async create(dto: OutboundWebhookCreateDto, actor: string): Promise<OutboundWebhookSecretResponseDto> {
    assertWebhookTarget(dto.url, 'url', webhookTargetPolicy(this.config));
    const secret = newWebhookSecret();
    const row = await this.hooks.save(
      this.hooks.create({
        url: dto.url,
        description: dto.description ?? '',
        eventKinds: JSON.stringify(kinds(dto.eventKinds ?? [])),
        robotIds: JSON.stringify(await this.knownRobots(dto.robotIds ?? [])),
        chatIds: JSON.stringify([...new Set(dto.chatIds ?? [])]),
        active: dto.active ?? true,
        secret,
        createdBy: actor,
      }),
    );
    await this.refresh();
    return { ...view(row, 0), secret };
  }

  async update(id: number, dto: OutboundWebhookUpdateDto): Promise<OutboundWebhookResponseDto> {
    const row = await this.entity(id);
    if (dto.url !== undefined) {
      assertWebhookTarget(dto.url, 'url', webhookTargetPolicy(this.config));
      row.url = dto.url;
    }
    if (dto.description !== undefined) row.description = dto.description;
    if (dto.eventKinds !== undefined) row.eventKinds = JSON.stringify(kinds(dto.eventKinds));
    if (dto.robotIds !== undefined) row.robotIds = JSON.stringify(await this.knownRobots(dto.robotIds));
    if (dto.chatIds !== undefined) row.chatIds = JSON.stringify([...new Set(dto.chatIds)]);
    if (dto.active !== undefined) row.active = dto.active;
    await this.hooks.save(row);
    await this.refresh();
    return this.get(id);
  }

  /** The robot ids, once each; a 400 naming the field when one does not exist. */
  private async knownRobots(ids: readonly number[]): Promise<number[]> {
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    const found = await Promise.all(unique.map((id) => this.robots.findById(id)));
    const unknown = unique.filter((_, i) => !found[i]);
    if (unknown.length)
      throw badRequest('UNKNOWN_ROBOTS', `robotIds names robots that do not exist: ${unknown.join(', ')}`, {
        field: 'robotIds',
        ids: unknown.join(', '),
      });
    return unique;
  }

  async remove(id: number): Promise<void> {
    await this.entity(id);
    await this.hooks.delete({ id });
    await this.refresh();
  }

  async rotateSecret(id: number): Promise<OutboundWebhookSecretResponseDto> {
    const row = await this.entity(id);
    row.secret = newWebhookSecret();
    await this.hooks.save(row);
    return { ...(await this.get(id)), secret: row.secret };
  }

  /** Queues a `webhook.test` event for the subscription (active or not: it tests the receiver). */
  async test(id: number, actor: string): Promise<OutboundTestResponseDto> {
    const row = await this.entity(id);
    if (!row.active)
      throw conflict('OUTBOUND_WEBHOOK_INACTIVE', `outbound webhook ${id} is not active; activate it first`, { id });
    const payload: OutboundPayload = {
      type: 'webhook.test',
      timestamp: new Date().toISOString(),
      data: { webhookId: id, by: actor, message: 'A test event from OpenGewe' },
    };
    const [deliveryId] = await this.insert([
      { webhookId: id, type: 'webhook.test', messageId: null, payload: JSON.stringify(payload) },
    ]);
    await this.queue.enqueue([{ id: deliveryId, attempts: 0 }]);
    const d = await this.deliveries.findOneOrFail({ where: { id: deliveryId } });
    return { deliveryId, eventId: d.eventId };
  }

  // --- the delivery log and the dead letters --------------------------------------------------------------------

  async attemptLog(id: number, page: number, limit: number): Promise<Page<OutboundAttemptResponseDto>> {
    await this.entity(id);
    const [rows, total] = await this.log.findAndCount({
      where: { webhookId: id },
      order: { id: 'DESC' },
      skip: (page - 1) * limit,
      take: limit,
    });
    return { items: rows.map(attemptView), total, page, limit };
  }

  async deliveryList(id: number, q: OutboundDeliveryQueryDto): Promise<Page<OutboundDeliveryResponseDto>> {
    await this.entity(id);
    const [rows, total] = await this.deliveries.findAndCount({
      where: { webhookId: id, ...(q.status ? { status: q.status } : {}) },
      order: { id: 'DESC' },
      skip: (q.page - 1) * q.limit,
      take: q.limit,
    });
    return { items: rows.map(deliveryView), total, page: q.page, limit: q.limit };
  }

  /** One dead letter tried again from the first attempt (same body, same webhook-id). */
  async replay(id: number, deliveryId: number): Promise<OutboundDeliveryResponseDto> {
    await this.entity(id);
    const d = await this.deliveries.findOne({ where: { id: deliveryId, webhookId: id } });
    if (!d) throw notFound('OUTBOUND_DELIVERY_NOT_FOUND', `delivery ${deliveryId} does not exist`, { id: deliveryId });
    if (d.status !== 'dead')
      throw conflict('OUTBOUND_DELIVERY_NOT_DEAD', `delivery ${deliveryId} is ${d.status}, not a dead letter`, {
        id: deliveryId,
        status: d.status,
      });
    await this.revive([deliveryId]);
    return deliveryView(await this.deliveries.findOneOrFail({ where: { id: deliveryId } }));
  }

  /** Every dead letter of the subscription tried again. */
  async replayAll(id: number): Promise<{ replayed: number }> {
    await this.entity(id);
    let replayed = 0;
    for (;;) {
      const rows = await this.deliveries.find({
        select: { id: true },
        where: { webhookId: id, status: 'dead' },
        order: { id: 'ASC' },
        take: REPLAY_BATCH,
      });
      if (!rows.length) return { replayed };
      replayed += await this.revive(rows.map((r) => r.id));
    }
  }

  private async revive(ids: number[]): Promise<number> {
    const res = await this.deliveries.update(
      { id: In(ids), status: 'dead' },
      { status: 'pending', attempts: 0, nextAttemptAt: new Date(), lastError: null, lastStatus: null },
    );
    await this.queue.enqueue(ids.map((id) => ({ id, attempts: 0 })));
    return res.affected ?? ids.length;
  }

  // --- housekeeping --------------------------------------------------------------------------------------------

  private async refresh(): Promise<void> {
    const rows = await this.hooks.find({ where: { active: true } });
    this.subs = rows.map((r) => {
      const k = parseList<string>(r.eventKinds);
      const rb = parseList<number>(r.robotIds);
      const c = parseList<string>(r.chatIds);
      return {
        id: r.id,
        kinds: k.length ? new Set(k) : null,
        robots: rb.length ? new Set(rb) : null,
        chats: c.length ? new Set(c) : null,
      };
    });
  }

  private async sweep(): Promise<void> {
    const reclaimed = await this.attempts.reclaimAbandoned(() => false);
    const lost =
      this.queue.type === 'advanced' ? await this.attempts.overdue(new Date(Date.now() - OVERDUE_MS), 500) : [];
    const rows = [...new Map([...reclaimed, ...lost].map((r) => [r.id, r])).values()];
    if (rows.length) await this.queue.enqueue(rows);
  }

  /** Deletes the tries and delivered deliveries older than log_retention (hourly; public for the tests). */
  async prune(): Promise<void> {
    const before = new Date(Date.now() - this.config.outbound_webhooks.log_retention);
    await this.log.delete({ createdAt: LessThan(before) });
    await this.deliveries.delete({ status: 'delivered', createdAt: LessThan(before) });
  }

  private async entity(id: number): Promise<OutboundWebhookEntity> {
    const row = await this.hooks.findOne({ where: { id } });
    if (!row) throw notFound('OUTBOUND_WEBHOOK_NOT_FOUND', `outbound webhook ${id} does not exist`, { id });
    return row;
  }

  private async deadCounts(ids: number[]): Promise<Map<number, number>> {
    if (!ids.length) return new Map();
    const rows = await this.deliveries
      .createQueryBuilder('d')
      .select('d.webhook_id', 'id')
      .addSelect('COUNT(*)', 'n')
      .where('d.webhook_id IN (:...ids) AND d.status = :dead', { ids, dead: 'dead' })
      .groupBy('d.webhook_id')
      .getRawMany<{ id: number | string; n: number | string }>();
    return new Map(rows.map((r) => [Number(r.id), Number(r.n)]));
  }
}

/** The body of a message event. */
export function messagePayload(
  event: GeweEvent,
  messageId: number,
  receivedAt: Date,
  names: NameBook = NO_NAMES,
): OutboundPayload {
  return {
    type: eventType(event.kind),
    timestamp: receivedAt.toISOString(),
    data: {
      id: messageId,
      robotId: event.robotId,
      robotWxid: event.robotWxid,
      kind: event.kind,
      newMsgId: event.newMsgId,
      msgId: event.msgId,
      createTime: event.createTime,
      chatId: event.chatId,
      chatName: names.chat(event.chatId),
      isGroup: event.isGroup,
      senderWxid: event.senderWxid,
      senderName: names.sender(event.chatId, event.senderWxid),
      isSelf: event.isSelf,
      mentions: event.mentions,
      mentionsSelf: event.mentionsSelf,
      text: event.text,
      summary: messageSummary(event.kind, event.details),
    },
  };
}

function kinds(list: string[]): string[] {
  const known = new Set<string>(EVENT_KINDS);
  const unknown = list.filter((k) => !known.has(k));
  if (unknown.length)
    throw badRequest('OUTBOUND_UNKNOWN_EVENT_KINDS', `eventKinds has unknown event kinds: ${unknown.join(', ')}`, {
      field: 'eventKinds',
      kinds: unknown.join(', '),
    });
  return [...new Set(list)];
}

function parseList<T>(json: string): T[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function view(r: OutboundWebhookEntity, deadLetters: number): OutboundWebhookResponseDto {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    eventKinds: parseList<string>(r.eventKinds),
    robotIds: parseList<number>(r.robotIds),
    chatIds: parseList<string>(r.chatIds),
    active: r.active,
    secretHint: r.secret.slice(0, 10),
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deadLetters,
  };
}

function attemptView(a: OutboundAttemptEntity): OutboundAttemptResponseDto {
  return {
    id: a.id,
    deliveryId: a.deliveryId,
    eventType: a.eventType,
    attempt: a.attempt,
    statusCode: a.statusCode,
    latencyMs: a.latencyMs,
    response: a.response,
    errorCode: a.errorCode,
    at: a.createdAt.toISOString(),
  };
}

function deliveryView(d: OutboundDeliveryEntity): OutboundDeliveryResponseDto {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    messageId: d.messageId,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    deliveredAt: d.deliveredAt ? d.deliveredAt.toISOString() : null,
    createdAt: d.createdAt.toISOString(),
  };
}
