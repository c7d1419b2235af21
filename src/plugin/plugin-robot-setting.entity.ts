import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';

/** Per-robot override of a plugin's global enabled flag. */
@Entity('plugin_robot_settings')
@Index('UQ_plugin_robot', ['pluginName', 'robotId'], { unique: true })
export class PluginRobotSettingEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'plugin_name', type: 'varchar', length: 100 })
  pluginName!: string;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @Column({ type: 'boolean' })
  enabled!: boolean;
}
