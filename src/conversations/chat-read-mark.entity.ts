import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { RobotEntity } from '../robot/robot.entity';
import { UserEntity } from '../user/user.entity';

/**
 * How far a user has read a robot's chat: the id of the last message log row they saw. Unread = the chat's messages
 * after it that are not the robot's own. One row per (user, robot, chat); goes with the user or the robot.
 */
@Entity('chat_read_marks')
@Index('UQ_chat_read_marks_user_robot_chat', ['userId', 'robotId', 'chatId'], { unique: true })
export class ChatReadMarkEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'int' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @ManyToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  @Column({ name: 'chat_id', type: 'varchar', length: 100 })
  chatId!: string;

  /** The id (messages.id) of the last message read. */
  @Column({ name: 'last_message_id', type: 'int' })
  lastMessageId!: number;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
