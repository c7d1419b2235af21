import { Column, CreateDateColumn, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { RobotEntity } from '../robot/robot.entity';

/**
 * A robot's webhook endpoint (one per robot): the key of its callback URL and what arrived through it.
 *
 * The key is checked by its SHA-256 (`key_hash`), never by the key itself; `key_sealed` is the key encrypted with a
 * key derived from `backend.secret_key`, so the callback URL can be shown again to those who may change robots (a
 * database dump alone opens no webhook). After a rotation the previous key keeps working until `previous_key_until`.
 * The counts are kept in memory by each instance and added here in batches (see WebhookEndpointStore).
 */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @PrimaryColumn({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @OneToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  /** SHA-256 of the current key, hex. */
  @Index()
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Column({ name: 'key_sealed', type: 'varchar', length: 255 })
  keySealed!: string;

  @Column({ name: 'previous_key_hash', type: 'varchar', length: 64, nullable: true })
  previousKeyHash!: string | null;

  /** Until when the previous key is still accepted. */
  @Column({ name: 'previous_key_until', type: 'datetime', nullable: true })
  previousKeyUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'rotated_at', type: 'datetime', nullable: true })
  rotatedAt!: Date | null;

  @Column({ name: 'last_callback_at', type: 'datetime', nullable: true })
  lastCallbackAt!: Date | null;

  @Column({ type: 'int', default: 0 })
  accepted!: number;

  @Column({ type: 'int', default: 0 })
  duplicates!: number;

  /** Gewe's `{testMsg}` probes answered. */
  @Column({ type: 'int', default: 0 })
  probes!: number;

  @Column({ type: 'int', default: 0 })
  rejected!: number;

  /** JSON: rejections by reason code, e.g. {"UNKNOWN_APPID": 3}. */
  @Column({ name: 'rejected_by_reason', type: 'text', nullable: true })
  rejectedByReason!: string | null;

  @Column({ name: 'last_rejected_at', type: 'datetime', nullable: true })
  lastRejectedAt!: Date | null;

  @Column({ name: 'last_rejection', type: 'varchar', length: 64, nullable: true })
  lastRejection!: string | null;
}
