import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamps';
import type { MediaKind } from '../config/media-kinds';

export const FILE_STATUSES = ['pending', 'downloading', 'done', 'failed'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/** bigint columns come back as strings from MySQL; sizes fit a JS number. */
const bigintAsNumber = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
};

/**
 * One media file of one message, and at the same time its download job: `pending` → `downloading` (claimed with a
 * compare-and-set, `claimed_at` refreshed while it runs) → `done` | `failed`. Being a row, the job survives restarts
 * and is shared by every instance, whatever the queue mode. The blob itself is content-addressed on disk
 * (`stored_name` = `<sha256>.<ext>`), so several rows may share one blob.
 */
@Entity('files')
@Index('UQ_files_message_kind', ['messageId', 'kind'], { unique: true })
@Index('IDX_files_status_next', ['status', 'nextAttemptAt'])
@Index('IDX_files_robot_created', ['robotId', 'createdAt'])
@Index('IDX_files_stored_name', ['storedName'])
@Index('IDX_files_inline_name', ['inlineName'])
export class FileEntity extends TimestampedEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'robot_id', type: 'int' })
  robotId!: number;

  /** The message log row (`messages.id`) the file came with. */
  @Column({ name: 'message_id', type: 'int' })
  messageId!: number;

  @Column({ name: 'new_msg_id', type: 'varchar', length: 32, nullable: true })
  newMsgId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  kind!: MediaKind;

  @Column({ name: 'chat_id', type: 'varchar', length: 100, nullable: true })
  chatId!: string | null;

  @Column({ name: 'sender_wxid', type: 'varchar', length: 100, nullable: true })
  senderWxid!: string | null;

  /** The name the sender gave (file messages only). Shown in Content-Disposition, never used on disk. */
  @Column({ name: 'original_name', type: 'varchar', length: 255, nullable: true })
  originalName!: string | null;

  /** `<sha256>.<ext>` once done; the blob is `<root>/<sha256[0:2]>/<stored_name>`. */
  @Column({ name: 'stored_name', type: 'varchar', length: 80, nullable: true })
  storedName!: string | null;

  @Column({ name: 'content_type', type: 'varchar', length: 100, nullable: true })
  contentType!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  size!: number | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  md5!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: FileStatus;

  /** Why it failed (or, on a done image, why only the inline thumbnail could be kept). */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  error!: string | null;

  /** Tries started so far (counted when claimed). */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime' })
  nextAttemptAt!: Date;

  /** When the current try was claimed, refreshed while it runs; a stale claim is an instance that died. */
  @Column({ name: 'claimed_at', type: 'datetime', nullable: true })
  claimedAt!: Date | null;

  /** JSON: what the download needs from the message (its XML, MsgId, emoji md5, CDN attachment data). */
  @Column({ type: 'text', nullable: true })
  source!: string | null;

  /**
   * An image's inline thumbnail (Data.ImgBuf), kept as a blob until the download ends: the fallback when every
   * download type fails. Counts as a reference, so the blob is not swept meanwhile.
   */
  @Column({ name: 'inline_name', type: 'varchar', length: 80, nullable: true })
  inlineName!: string | null;
}
