import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import { RobotEntity } from '../robot/robot.entity';

export const FRIEND_REQUEST_STATUSES = ['pending', 'accepted', 'ignored'] as const;
export type FriendRequestStatus = (typeof FRIEND_REQUEST_STATUSES)[number];

/**
 * A friend request a robot received (the `friend_request` callback), one row per robot and asker: a repeated request
 * refreshes the row (new tickets, pending again). `v3`/`v4`/`scene` are what
 * /contacts/addContacts needs to accept it. Goes with the robot (the foreign key cascades).
 */
@Entity('friend_requests')
@Index('UQ_friend_requests_robot_wxid', ['robotId', 'wxid'], { unique: true })
@Index('IDX_friend_requests_robot_status', ['robotId', 'status', 'receivedAt'])
export class FriendRequestEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @ManyToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  /** Who asks (the callback's fromusername; a wxid or a v3 ticket when WeChat hides it). */
  @Column({ type: 'varchar', length: 200 })
  wxid!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nickname!: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  avatar!: string | null;

  /** The verification text the asker wrote. */
  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'int', nullable: true })
  scene!: number | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  v3!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  v4!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: FriendRequestStatus;

  /** The callback's NewMsgId (a string: 64-bit). */
  @Column({ name: 'new_msg_id', type: 'varchar', length: 32, nullable: true })
  newMsgId!: string | null;

  @Column({ name: 'received_at', type: 'datetime' })
  receivedAt!: Date;

  @Column({ name: 'handled_at', type: 'datetime', nullable: true })
  handledAt!: Date | null;

  /** Who answered it: a user's name, `plugin:FriendGate`, or `wechat` (a contact-added callback). */
  @Column({ name: 'handled_by', type: 'varchar', length: 100, nullable: true })
  handledBy!: string | null;
}
