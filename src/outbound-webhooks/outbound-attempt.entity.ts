import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { OutboundWebhookEntity } from './outbound-webhook.entity';

/** The delivery log: one row per try of a delivery (pruned after `outbound_webhooks.log_retention`). */
@Entity('outbound_delivery_attempts')
@Index('IDX_outbound_attempts_webhook_id', ['webhookId', 'id'])
@Index('IDX_outbound_attempts_created', ['createdAt'])
export class OutboundAttemptEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'webhook_id', type: 'int' })
  webhookId!: number;

  @ManyToOne(() => OutboundWebhookEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id' })
  webhook?: OutboundWebhookEntity;

  /** No foreign key: the log outlives a delivered delivery's pruning by a little, and never blocks it. */
  @Column({ name: 'delivery_id', type: 'int' })
  deliveryId!: number;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  /** 1 for the first try; a replay starts again at 1. */
  @Column({ type: 'int' })
  attempt!: number;

  /** The receiver's HTTP status; null when there was no answer. */
  @Column({ name: 'status_code', type: 'int', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'latency_ms', type: 'int' })
  latencyMs!: number;

  /** The first 500 characters of the answer. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  response!: string | null;

  /** Why the try failed: HTTP_<status>, TIMEOUT, EOUTBOUNDREFUSED, ECONNREFUSED…; null when delivered. */
  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
