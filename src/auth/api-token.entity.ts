import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';

/**
 * A scoped API token for another system (`ogw_…`). Only the sha256 of the secret is stored: the secret is random
 * (256 bits), so a fast hash is as safe as a slow one here, and it lets a request find its token with one indexed
 * lookup. Revoked tokens are kept (they are named in the audit log), with `revoked_at` set.
 */
@Entity('api_tokens')
export class ApiTokenEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** The secret's first characters (`ogw_` + 8), to recognise a token in a list. */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  /** sha256 of the whole secret, hex. */
  @Index('UQ_api_tokens_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  /** JSON array of scope names. */
  @Column({ type: 'varchar', length: 255 })
  scopes!: string;

  /** JSON array of the robot ids the token may reach; null: every robot. */
  @Column({ name: 'robot_ids', type: 'text', nullable: true })
  robotIds!: string | null;

  @Column({ name: 'expires_at', type: 'datetime', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', nullable: true })
  revokedAt!: Date | null;

  /** Updated at most once a minute per token. */
  @Column({ name: 'last_used_at', type: 'datetime', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'last_used_ip', type: 'varchar', length: 64, nullable: true })
  lastUsedIp!: string | null;

  @Column({ name: 'created_by_id', type: 'int', nullable: true })
  createdById!: number | null;

  @Column({ name: 'created_by', type: 'varchar', length: 100, nullable: true })
  createdBy!: string | null;
}
