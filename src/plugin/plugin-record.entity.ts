import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { RobotEntity } from '../robot/robot.entity';

/**
 * What a plugin keeps for the operator to read (ctx.records): the newest 1 000 per plugin and kind, `data` JSON of at
 * most 16 KiB. A record of a robot goes with the robot when it is deleted (robot_id's foreign key cascades).
 */
@Entity('plugin_records')
@Index('IDX_plugin_records_plugin_kind_id', ['plugin', 'kind', 'id'])
export class PluginRecordEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  plugin!: string;

  @Column({ type: 'varchar', length: 64 })
  kind!: string;

  @Column({ name: 'robot_id', type: 'int', nullable: true })
  robotId!: number | null;

  @ManyToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  @Column({ name: 'chat_id', type: 'varchar', length: 100, nullable: true })
  chatId!: string | null;

  /** JSON of an object, at most 16 KiB. */
  @Column({ type: 'text' })
  data!: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
