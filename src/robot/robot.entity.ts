import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';

/** A WeChat account driven through one Gewe endpoint (spec table `robots`). */
@Entity('robots')
export class RobotEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'app_id', type: 'varchar', length: 100, unique: true, nullable: true })
  appId!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  token!: string | null;

  @Column({ name: 'base_url', type: 'varchar', length: 255 })
  baseUrl!: string;

  @Column({ name: 'download_url', type: 'varchar', length: 255, nullable: true })
  downloadUrl!: string | null;

  @Column({ name: 'callback_url', type: 'varchar', length: 255, nullable: true })
  callbackUrl!: string | null;

  @Column({ type: 'varchar', length: 50, default: 'offline' })
  status!: string;

  /** true: paid GeWeAPI; false: self-hosted Gewechat (token from getTokenId, callback set by API). */
  @Column({ name: 'is_gewe', type: 'boolean', default: true })
  isGewe!: boolean;

  /** The WeChat account once logged in. */
  @Index()
  @Column({ type: 'varchar', length: 100, nullable: true })
  wxid!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  nickname!: string | null;

  @Column({ name: 'avatar_url', type: 'varchar', length: 500, nullable: true })
  avatarUrl!: string | null;

  /** JSON text: per-robot settings. */
  @Column({ type: 'text', nullable: true })
  config!: string | null;
}
