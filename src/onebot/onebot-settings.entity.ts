import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import { RobotEntity } from '../robot/robot.entity';
import type { IdMode } from './onebot.types';

/**
 * A robot's OneBot settings (one row per robot that has any; none: the defaults). The reverse WebSocket and HTTP POST
 * targets are JSON lists with their access tokens and secrets, which the API never answers. Deleted with the robot.
 */
@Entity('onebot_settings')
export class OneBotSettingsEntity extends TimestampedEntity {
  @PrimaryColumn({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @OneToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robot_id' })
  robot?: RobotEntity;

  @Column({ type: 'boolean', default: false })
  enabled!: boolean;

  @Column({ name: 'id_mode', type: 'varchar', length: 16, default: 'alias' })
  idMode!: IdMode;

  @Column({ name: 'forward_ws', type: 'boolean', default: true })
  forwardWs!: boolean;

  /** JSON: ReverseWsTarget[] (access tokens included). */
  @Column({ name: 'reverse_ws', type: 'text' })
  reverseWs!: string;

  /** JSON: HttpPostTarget[] (secrets included). */
  @Column({ name: 'http_post', type: 'text' })
  httpPost!: string;

  @Column({ name: 'post_self', type: 'boolean', default: false })
  postSelf!: boolean;

  @Column({ name: 'heartbeat_interval_ms', type: 'int', default: 15000 })
  heartbeatIntervalMs!: number;
}
