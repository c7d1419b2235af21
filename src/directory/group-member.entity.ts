import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import { RobotEntity } from '../robot/robot.entity';

/** A member of one of a robot's groups, with the name they carry in that group. Deleted with the robot. */
@Entity('group_members')
@Index('UQ_group_member', ['robotId', 'chatId', 'wxid'], { unique: true })
export class GroupMemberEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @ManyToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  @Column({ name: 'chat_id', type: 'varchar', length: 100 })
  chatId!: string;

  @Column({ type: 'varchar', length: 100 })
  wxid!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  nickname!: string | null;

  /** Their name card in this group (群昵称); null when they never set one. */
  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true })
  displayName!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  avatar!: string | null;

  @Column({ name: 'inviter_wxid', type: 'varchar', length: 100, nullable: true })
  inviterWxid!: string | null;
}
