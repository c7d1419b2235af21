import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';

/**
 * One incident of one rule for one subject (a robot, a plugin, the queue, Gewe): `pending` while its condition has
 * not lasted long enough, `firing` once it did (notified once), `resolved` once the condition has been clear for
 * `alerts.resolve_after` (notified once). `open_key` (`<rule>|<subject>`) is set while the incident is open and
 * unique, so a rule and subject never have two open incidents, whichever instance evaluates; it is null once
 * resolved. The notification markers make the table an outbox: a batch cut by a restart is sent afterwards, and a
 * notified incident is never notified again.
 */
@Entity('alerts')
@Index('IDX_alerts_state_id', ['state', 'id'])
export class AlertEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 50 })
  rule!: string;

  /** What the incident is about: `robot:<id>`, `plugin:<name>`, `queue`, `gewe`. */
  @Column({ type: 'varchar', length: 150 })
  subject!: string;

  @Column({ name: 'open_key', type: 'varchar', length: 200, nullable: true, unique: true })
  openKey!: string | null;

  @Index()
  @Column({ name: 'robot_id', type: 'int', nullable: true })
  robotId!: number | null;

  @Column({ type: 'varchar', length: 20 })
  state!: string;

  @Column({ type: 'varchar', length: 20 })
  severity!: string;

  /** One line for people: what is wrong, with the numbers. */
  @Column({ type: 'varchar', length: 500 })
  summary!: string;

  /** JSON text: the values the rule saw (status, reason, counts, threshold…). */
  @Column({ type: 'text', nullable: true })
  details!: string | null;

  /** When the condition started (or was first seen). */
  @Column({ type: 'datetime' })
  since!: Date;

  /** The last evaluation that saw the condition. */
  @Column({ name: 'last_seen_at', type: 'datetime' })
  lastSeenAt!: Date;

  @Column({ name: 'fired_at', type: 'datetime', nullable: true })
  firedAt!: Date | null;

  @Column({ name: 'resolved_at', type: 'datetime', nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'notified_fired_at', type: 'datetime', nullable: true })
  notifiedFiredAt!: Date | null;

  @Column({ name: 'notified_resolved_at', type: 'datetime', nullable: true })
  notifiedResolvedAt!: Date | null;

  /** JSON text: what each channel answered, per notification (`[{event, channel, ok, error?, attempts, at}]`). */
  @Column({ type: 'text', nullable: true })
  deliveries!: string | null;
}
