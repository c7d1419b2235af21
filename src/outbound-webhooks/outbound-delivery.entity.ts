import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import { OutboundWebhookEntity } from './outbound-webhook.entity';

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

/**
 * One event for one subscription: the durable record of a delivery whichever queue schedules its tries (the table
 * itself in simple mode, BullMQ in advanced mode). `pending` until due (`next_attempt_at`), `delivering` while
 * claimed, then `delivered`, or `dead` after the last try (a dead letter, replayable). The body is fixed at enqueue
 * time, so a replay sends the same event with the same `webhook-id`.
 */
@Entity('outbound_deliveries')
@Index('IDX_outbound_deliveries_status_next', ['status', 'nextAttemptAt'])
@Index('IDX_outbound_deliveries_webhook_status', ['webhookId', 'status', 'id'])
export class OutboundDeliveryEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'webhook_id', type: 'int' })
  webhookId!: number;

  @ManyToOne(() => OutboundWebhookEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id' })
  webhook?: OutboundWebhookEntity;

  /** The `webhook-id` header: the same on every try and replay (receivers deduplicate on it). */
  @Column({ name: 'event_id', type: 'varchar', length: 64 })
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  /** The message log row it came from (null for a test event). */
  @Column({ name: 'message_id', type: 'int', nullable: true })
  messageId!: number | null;

  /** The JSON body, exactly as signed and sent. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime' })
  nextAttemptAt!: Date;

  @Column({ name: 'claimed_at', type: 'datetime', nullable: true })
  claimedAt!: Date | null;

  @Column({ name: 'last_status', type: 'int', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 64, nullable: true })
  lastError!: string | null;

  @Column({ name: 'delivered_at', type: 'datetime', nullable: true })
  deliveredAt!: Date | null;
}
