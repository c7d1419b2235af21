import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AuditResult = 'ok' | 'failed';

/**
 * The audit log: one row per admin action, written after the action with its outcome. Append-only — the service
 * never updates a row, and deletes only what is older than `[audit] retention_days`. No foreign keys: a row outlives
 * the user, robot or token it names.
 */
@Entity('audit_log')
@Index('IDX_audit_log_created', ['createdAt'])
@Index('IDX_audit_log_action', ['action'])
@Index('IDX_audit_log_actor', ['actorUserId'])
@Index('IDX_audit_log_target', ['targetType', 'targetId'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The user who acted (null for an API token, or a login with an unknown username). */
  @Column({ name: 'actor_user_id', type: 'int', nullable: true })
  actorUserId!: number | null;

  /** That user's name then (or the username tried, for a failed login). */
  @Column({ name: 'actor_username', type: 'varchar', length: 100, nullable: true })
  actorUsername!: string | null;

  /** The API token that acted, when it was one. */
  @Column({ name: 'actor_token_id', type: 'int', nullable: true })
  actorTokenId!: number | null;

  /** What was done, `<area>.<verb>`, e.g. `robot.update`, `auth.login`. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 32, nullable: true })
  targetType!: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: 191, nullable: true })
  targetId!: string | null;

  @Column({ type: 'varchar', length: 8 })
  result!: AuditResult;

  /** The HTTP status the action was answered with. */
  @Column({ type: 'int', nullable: true })
  status!: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  /** JSON: the request's fields (secrets masked), a config diff, an error message… */
  @Column({ type: 'text', nullable: true })
  details!: string | null;

  /** When the action happened (set when it is recorded, not when the buffered row reaches the database). */
  @Column({ name: 'created_at', type: 'datetime' })
  createdAt!: Date;
}
