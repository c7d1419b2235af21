import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../user/user.entity';
import { TimestampedEntity } from '../database/timestamps';

/**
 * One login. Access tokens name their session and are refused once it is revoked; the refresh token's hash is
 * rotated on every refresh, and presenting an old one revokes the session (token theft is assumed).
 */
@Entity('auth_sessions')
export class AuthSessionEntity extends TimestampedEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index()
  @Column({ name: 'user_id', type: 'int' })
  userId!: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** sha256 of the current refresh token secret, hex. */
  @Column({ name: 'refresh_hash', type: 'varchar', length: 64 })
  refreshHash!: string;

  @Column({ name: 'expires_at', type: 'datetime' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'datetime', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent!: string | null;
}
