import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';

/** The small persistent key-value store each plugin gets (ctx.store). `value` is JSON. */
@Entity('plugin_kv')
@Index('UQ_plugin_kv', ['pluginName', 'key'], { unique: true })
export class PluginKvEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'plugin_name', type: 'varchar', length: 100 })
  pluginName!: string;

  @Column({ type: 'varchar', length: 191 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;
}
