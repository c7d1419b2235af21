import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { DispatchState } from './dispatch-ledger';

/**
 * The message log: one row per handled callback. The unique (robot_id, new_msg_id) index is the durable dedup
 * backstop — Gewe resends messages even hours later. Callbacks without NewMsgId (contacts, offline) have it null.
 */
@Entity('messages')
@Index('UQ_messages_robot_newmsgid', ['robotId', 'newMsgId'], { unique: true })
@Index('IDX_messages_robot_received', ['robotId', 'receivedAt'])
@Index('IDX_messages_chat', ['chatId'])
@Index('IDX_messages_robot_chat_received', ['robotId', 'chatId', 'receivedAt'])
export class MessageEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  @Column({ name: 'new_msg_id', type: 'varchar', length: 32, nullable: true })
  newMsgId!: string | null;

  @Column({ name: 'msg_id', type: 'varchar', length: 32, nullable: true })
  msgId!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  @Column({ name: 'type_name', type: 'varchar', length: 32 })
  typeName!: string;

  @Column({ name: 'msg_type', type: 'int', nullable: true })
  msgType!: number | null;

  @Column({ name: 'chat_id', type: 'varchar', length: 100, nullable: true })
  chatId!: string | null;

  @Column({ name: 'is_group', type: 'boolean', default: false })
  isGroup!: boolean;

  @Column({ name: 'sender_wxid', type: 'varchar', length: 100, nullable: true })
  senderWxid!: string | null;

  @Column({ name: 'is_self', type: 'boolean', default: false })
  isSelf!: boolean;

  @Column({ name: 'mentions_self', type: 'boolean', default: false })
  mentionsSelf!: boolean;

  @Column({ type: 'text', nullable: true })
  text!: string | null;

  /** Unix seconds, from the callback. */
  @Column({ name: 'create_time', type: 'bigint', nullable: true })
  createTime!: string | null;

  @Column({ name: 'received_at', type: 'datetime' })
  receivedAt!: Date;

  /** The callback as received, JSON (inline media buffers dropped; see raw_truncated). */
  @Column({ type: 'text' })
  raw!: string;

  /** JSON: kind-specific fields of the event. */
  @Column({ type: 'text', nullable: true })
  details!: string | null;

  /** JSON: what each plugin handler did with the message (null until its dispatch is done or interrupted). */
  @Column({ type: 'text', nullable: true })
  results!: string | null;

  /**
   * JSON: the outcomes of work the handlers deferred (ctx.defer), in the order they ended; null until one ended. Its
   * own column, appended in one UPDATE (MessageDeferredResults), so it never races with the dispatch's `results`.
   */
  @Column({ name: 'deferred_results', type: 'text', nullable: true })
  deferredResults!: string | null;

  /** pending → dispatching → done | interrupted: see DispatchLedger. */
  @Column({ name: 'dispatch_state', type: 'varchar', length: 16, default: 'pending' })
  dispatchState!: DispatchState;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;
}
