import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';

/**
 * A subscription: where to push which WeChat events. The filters are JSON arrays (`[]`: every kind, robot, chat).
 * The secret (`whsec_…`) is kept as it is — it signs every delivery — and shown once, on create and on rotate.
 */
@Entity('outbound_webhooks')
export class OutboundWebhookEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 2000 })
  url!: string;

  @Column({ type: 'varchar', length: 500, default: '' })
  description!: string;

  /** JSON array of event kinds (EVENT_KINDS); empty: all. */
  @Column({ name: 'event_kinds', type: 'text' })
  eventKinds!: string;

  /** JSON array of robot ids; empty: all. */
  @Column({ name: 'robot_ids', type: 'text' })
  robotIds!: string;

  /** JSON array of chat ids (wxid or …@chatroom); empty: all. */
  @Column({ name: 'chat_ids', type: 'text' })
  chatIds!: string;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ type: 'varchar', length: 100 })
  secret!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 100, nullable: true })
  createdBy!: string | null;
}
