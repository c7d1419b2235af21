import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';

/** A plugin discovered in plugins_dir, with its enabled flag and config (spec table `plugins`). */
@Entity('plugins')
export class PluginEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100, unique: true })
  name!: string;

  @Column({ type: 'varchar', length: 255 })
  directory!: string;

  @Column({ type: 'varchar', length: 50, nullable: true })
  version!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  author!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'boolean', default: false })
  enabled!: boolean;

  /** Why the plugin was disabled automatically (it kept failing); null when an operator disabled it or it is on. */
  @Column({ name: 'disabled_reason', type: 'varchar', length: 500, nullable: true })
  disabledReason!: string | null;

  /** JSON text: the plugin's config, validated against its manifest schema. */
  @Column({ type: 'text', nullable: true })
  config!: string | null;
}
