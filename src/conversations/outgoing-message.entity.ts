import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { RobotEntity } from '../robot/robot.entity';

export const OUTGOING_STATES = ['queued', 'sent', 'failed'] as const;
export type OutgoingState = (typeof OUTGOING_STATES)[number];

/**
 * A send through the send API, with its state: queued while it waits in the send governor, then sent (with Gewe's
 * NewMsgId, the message log has it as the robot's own) or failed (with the error code). The console lists a chat's
 * queued and failed ones beside its thread, so the state survives a reload. Pruned with the message log.
 */
@Entity('outgoing_messages')
@Index('IDX_outgoing_messages_robot_chat', ['robotId', 'chatId', 'id'])
export class OutgoingMessageEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @ManyToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  @Column({ name: 'chat_id', type: 'varchar', length: 100 })
  chatId!: string;

  /** text, image or file (the send API's type). */
  @Column({ type: 'varchar', length: 16 })
  type!: string;

  /** The text, the image URL or the file name (at most 2 000 characters). */
  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: OutgoingState;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'new_msg_id', type: 'varchar', length: 32, nullable: true })
  newMsgId!: string | null;

  /** The user who sent it; null for an API token. */
  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId!: number | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
