import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The int32 alias of a WeChat message (`message_id`), with what get_msg, reply segments and delete_msg need behind
 * it (revoking needs Gewe's msgId, newMsgId and createTime). One per (robot, NewMsgId); kept as long as the alias may
 * come back, so it outlives the message log's retention.
 */
@Entity('onebot_messages')
@Index('UQ_onebot_messages_robot_newmsgid', ['robotId', 'newMsgId'], { unique: true })
export class OneBotMessageEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @Column({ name: 'new_msg_id', type: 'varchar', length: 32 })
  newMsgId!: string;

  @Column({ name: 'msg_id', type: 'varchar', length: 32, nullable: true })
  msgId!: string | null;

  /** Unix seconds. */
  @Column({ name: 'create_time', type: 'bigint', nullable: true })
  createTime!: string | null;

  @Column({ name: 'chat_id', type: 'varchar', length: 100, nullable: true })
  chatId!: string | null;

  @Column({ name: 'message_log_id', type: 'int', nullable: true })
  messageLogId!: number | null;
}
