import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import { RobotEntity } from '../robot/robot.entity';

export const CONTACT_KINDS = ['friend', 'group', 'official', 'stranger'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

/**
 * One entry of a robot's directory: a friend, a group, an official account, or a stranger seen in a callback. Filled
 * by the directory sync and kept current from callbacks; `deleted` when the friend was removed or the robot left
 * the group (kept, so old messages keep their names). Deleted with the robot.
 */
@Entity('contacts')
@Index('UQ_contact', ['robotId', 'wxid'], { unique: true })
@Index('IDX_contact_kind', ['robotId', 'kind'])
export class ContactEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @ManyToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  /** A wxid, a group id (…@chatroom) or an official account (gh_…). */
  @Column({ type: 'varchar', length: 100 })
  wxid!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: ContactKind;

  @Column({ type: 'varchar', length: 200, nullable: true })
  nickname!: string | null;

  /** The robot's own remark for them (or the group's remark). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  remark!: string | null;

  /** The WeChat id they chose (微信号). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  alias!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  avatar!: string | null;

  /** A group's owner. */
  @Column({ name: 'owner_wxid', type: 'varchar', length: 100, nullable: true })
  ownerWxid!: string | null;

  /** A group's member count, as Gewe last told. */
  @Column({ name: 'member_count', type: 'int', nullable: true })
  memberCount!: number | null;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  /** When the details were last fetched from Gewe (null: known by id only). */
  @Column({ name: 'synced_at', type: 'datetime', nullable: true })
  syncedAt!: Date | null;
}
