import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { EventBus, TEXT_PREVIEW } from '../live-events/event-bus';
import { MessageLogService } from '../message-log/message-log.service';
import type { QueuedSend, SendJournalSink, SendOutcome, SentReport } from '../sending/send-journal';
import { SendJournal } from '../sending/send-journal';
import type { OutgoingMessageDto } from './dto/conversation.dto';
import { OutgoingMessageEntity } from './outgoing-message.entity';

/** A queued send older than this is taken as lost (its instance stopped mid-send). */
const STALE_QUEUED_MS = 3_600_000;

/**
 * The send journal's sink: what plugins and the send API sent goes into the message log as the robot's own message
 * (recordSent: `is_self`, `sentBy`; the unique (robot, NewMsgId) makes Gewe's echo of it a repeat, whichever comes
 * first) and out as a live `message` event; the send API's sends get an outgoing_messages row, queued then sent or
 * failed, which the console shows beside the thread.
 */
@Injectable()
export class OutgoingService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, SendJournalSink {
  private readonly logger = new Logger(OutgoingService.name);
  /** Deletes rows older than `queue.message_retention` (the message log's), hourly. */
  private readonly retention = new PeriodicTask({
    name: 'Outgoing messages retention sweep',
    intervalMs: 3_600_000,
    logger: this.logger,
    run: () => this.sweep(),
  });

  constructor(
    @InjectRepository(OutgoingMessageEntity) private readonly rows: Repository<OutgoingMessageEntity>,
    private readonly journal: SendJournal,
    private readonly log: MessageLogService,
    private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.journal.register(this);
  }

  onApplicationBootstrap(): void {
    this.retention.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.retention.stop();
  }

  private async sweep(): Promise<void> {
    try {
      await this.rows.delete({ createdAt: LessThan(new Date(Date.now() - this.config.queue.message_retention)) });
      // a send still queued after an hour was lost with its instance (a restart mid-send): not queued any more
      await this.rows.update(
        { state: 'queued', createdAt: LessThan(new Date(Date.now() - STALE_QUEUED_MS)) },
        { state: 'failed', errorCode: 'SEND_INTERRUPTED' },
      );
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'Outgoing messages retention sweep failed');
    }
  }

  async sent(r: SentReport): Promise<void> {
    const id = await this.log.recordSent(r);
    if (id === null) return; // Gewe's echo was logged first
    this.events.publish('message', {
      id,
      robotId: r.robotId,
      kind: r.kind,
      chatId: r.chatId,
      isGroup: r.isGroup,
      senderWxid: null,
      isSelf: true,
      text: r.text === null ? null : r.text.slice(0, TEXT_PREVIEW),
      newMsgId: r.newMsgId,
      receivedAt: new Date().toISOString(),
    });
  }

  async queued(s: QueuedSend): Promise<number | null> {
    const row = await this.rows.save(
      this.rows.create({
        robotId: s.robotId,
        chatId: s.chatId.slice(0, 100),
        type: s.type,
        content: s.content.slice(0, 2000),
        state: 'queued',
        errorCode: null,
        newMsgId: null,
        userId: s.userId,
      }),
    );
    return row.id;
  }

  async settled(id: number, outcome: SendOutcome): Promise<void> {
    await this.rows.update(
      { id },
      outcome.state === 'sent'
        ? { state: 'sent', newMsgId: outcome.newMsgId, errorCode: null }
        : { state: 'failed', errorCode: outcome.errorCode },
    );
  }

  /** A chat's sends that are not (yet) in its thread: queued, or failed. Newest first, at most 50. */
  async unsettled(robotId: number, chatId: string): Promise<OutgoingMessageDto[]> {
    const rows = await this.rows.find({
      where: { robotId, chatId, state: In(['queued', 'failed']) },
      order: { id: 'DESC' },
      take: 50,
    });
    return rows.map((r) => ({
      id: r.id,
      chatId: r.chatId,
      type: r.type,
      content: r.content,
      state: r.state,
      errorCode: r.errorCode,
      newMsgId: r.newMsgId,
      createdAt: r.createdAt.toISOString(),
    }));
  }

  /** Forgets a failed send (the console's dismiss). */
  async dismiss(robotId: number, id: number): Promise<boolean> {
    const r = await this.rows.delete({ id, robotId, state: 'failed' });
    return (r.affected ?? 0) > 0;
  }
}
