import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import { RobotEntity } from '../robot/robot.entity';

/**
 * A plugin's settings for one chat (a group or a contact) of one robot: `enabled` over the robot's and the global
 * switch (null: inherit), and `config`, the chat's section (JSON of keys of the manifest's `chatConfigSchema`; null:
 * none). Deleted with the robot.
 */
@Entity('plugin_chat_settings')
@Index('UQ_plugin_chat', ['robotId', 'chatId', 'plugin'], { unique: true })
export class PluginChatSettingEntity extends TimestampedEntity {
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
  plugin!: string;

  @Column({ type: 'boolean', nullable: true })
  enabled!: boolean | null;

  /** JSON object: the chat's config section. */
  @Column({ type: 'text', nullable: true })
  config!: string | null;
}
