import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import { RobotEntity } from '../robot/robot.entity';

export const SYNC_STATES = ['running', 'done', 'failed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/**
 * A robot's last directory sync: where it is, so a sync cut short by a restart goes on from there (the entries
 * fetched since `started_at` are not fetched again).
 */
@Entity('directory_syncs')
export class DirectorySyncEntity extends TimestampedEntity {
  @PrimaryColumn({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @OneToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  @Column({ type: 'varchar', length: 16 })
  state!: SyncState;

  /** `list` (the address book's ids), `contacts` (their details in batches), `groups` (one group at a time). */
  @Column({ type: 'varchar', length: 16 })
  phase!: string;

  @Column({ type: 'int', default: 0 })
  total!: number;

  @Column({ type: 'int', default: 0 })
  done!: number;

  /** A stable code of the failure (a Gewe error code, ROBOT_NOT_ONLINE…). */
  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'error', type: 'varchar', length: 500, nullable: true })
  error!: string | null;

  @Column({ name: 'started_at', type: 'datetime' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'datetime', nullable: true })
  finishedAt!: Date | null;
}
