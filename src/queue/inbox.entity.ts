import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type InboxStatus = 'pending' | 'failed';

/**
 * Simple queue mode: an accepted callback is a row here before the webhook answers 2xx, so nothing accepted is lost
 * when the process stops. Processing deletes the row; after the last attempt it stays as `failed` (dead letter).
 */
@Entity('callback_inbox')
@Index('IDX_inbox_status_next', ['status', 'nextAttemptAt'])
export class InboxEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** robot + NewMsgId (or a hash of the body): a repeated callback is dropped at insert. */
  @Column({ name: 'dedup_key', type: 'varchar', length: 100, unique: true })
  dedupKey!: string;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  /** The raw callback body (bigint-safe JSON text, as received). */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: InboxStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'datetime' })
  nextAttemptAt!: Date;

  @CreateDateColumn({ name: 'received_at' })
  receivedAt!: Date;
}
