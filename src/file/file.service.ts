import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, Repository } from 'typeorm';
import type { GeweEvent } from '../callback/events';
import { ChatNames, NameBook, NO_NAMES } from '../common/chat-names';
import { DomainError, notFound } from '../common/domain-error';
import { fileErrorMessage } from './file-error';
import type { Page } from '../common/dto/pagination.dto';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { BlobStore, StoredBlob } from './blob-store';
import { contentDisposition } from './content-disposition';
import { FileListQueryDto, FileResponseDto } from './dto/file.dto';
import { FileEntity } from './file.entity';
import { assertStoredName, blobRelativePath } from './file-name';
import { MediaDownloadQueue } from './media-download-queue';
import { isMediaKind, MEDIA_KINDS } from '../config/media-kinds';
import type { MediaKind } from '../config/media-kinds';
import { inlineBytes, MAX_SOURCE_BYTES, mediaSource } from './media-source';
import { MediaDownloadError, StoredFile } from './stored-file';

/** What the controller needs to stream a stored file. */
export interface FileDownload {
  root: string;
  /** `<sha[0:2]>/<name>`, built from the checked name. */
  relativePath: string;
  contentType: string;
  contentDisposition: string;
  /** Strong ETag: the content hash. */
  etag: string;
}

/**
 * The files of messages: creating the row (= the download job) for a media message, the file list and detail, the
 * download lookup, deletion, and waiting for a download on behalf of a plugin.
 */
@Injectable()
export class FileService {
  private readonly logger = new Logger(FileService.name);

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: BlobStore,
    private readonly downloads: MediaDownloadQueue,
    /** Names beside the ids of the answers (the directory; none without it). */
    @Optional() private readonly names?: ChatNames,
  ) {}

  /** The media kinds downloaded automatically for a robot: its `config.autoDownload`, else `[files].auto_download`. */
  autoDownloadKinds(robotConfig: Record<string, unknown>): readonly string[] {
    const own = robotConfig.autoDownload;
    if (Array.isArray(own)) return own.filter((k): k is string => typeof k === 'string');
    return this.config.files.auto_download;
  }

  /**
   * Called by the callback processor once a message is logged: queues the download of its media when automatic
   * downloads cover the kind. Idempotent (one row per message and kind), so a retried callback adds nothing.
   */
  async onMessage(event: GeweEvent, messageId: number, robotConfig: Record<string, unknown>): Promise<void> {
    if (!this.downloadsOnMessage(event, robotConfig)) return;
    await this.request(event, messageId);
  }

  /** Whether onMessage would queue a download for this event (no I/O). */
  downloadsOnMessage(event: GeweEvent, robotConfig: Record<string, unknown>): boolean {
    return isMediaKind(event.kind) && this.autoDownloadKinds(robotConfig).includes(event.kind);
  }

  /**
   * The row of this message's media, created if needed. Inline data is used when present: a voice message's inline
   * SILK audio is stored at once (done, no Gewe call); an image's inline thumbnail is kept aside as the fallback.
   * With `retryFailed`, a failed row is queued again (a plugin asked explicitly).
   */
  private async request(
    event: GeweEvent,
    messageId: number,
    opts: { retryFailed?: boolean } = {},
  ): Promise<FileEntity> {
    const kind = event.kind;
    if (!isMediaKind(kind)) throw new Error(`a ${kind} event has no media`);
    const existing = await this.files.findOne({ where: { messageId, kind } });
    if (existing) {
      if (opts.retryFailed && existing.status === 'failed') return this.requeue(existing);
      // a retried callback, or a plugin asking: its try may not be scheduled yet (the enqueue is idempotent)
      if (existing.status === 'pending') await this.downloads.enqueue(existing.id);
      return existing;
    }

    const source = mediaSource(event, kind);
    const base = {
      robotId: event.robotId,
      messageId,
      newMsgId: event.newMsgId,
      kind,
      chatId: event.chatId?.slice(0, 100) ?? null,
      senderWxid: event.senderWxid?.slice(0, 100) ?? null,
      originalName: originalName(event, kind),
      attempts: 0,
      nextAttemptAt: new Date(),
      claimedAt: null,
      inlineName: null as string | null,
      error: null as string | null,
    };
    const inline = kind === 'voice' || kind === 'image' ? await this.stageInline(event, messageId) : null;

    let row: Partial<FileEntity>;
    let saved: FileEntity;
    if (kind === 'voice' && inline) {
      row = { ...base, ...blobFields(inline), status: 'done', source: null };
    } else {
      if (inline) {
        source.inline = inline;
        base.inlineName = inline.storedName;
      }
      const json = JSON.stringify(source);
      row =
        Buffer.byteLength(json) > MAX_SOURCE_BYTES
          ? { ...base, status: 'failed', source: null, error: 'the message XML is too large to keep for a download' }
          : { ...base, status: 'pending', source: json };
    }
    try {
      saved = await this.files.save(this.files.create(row));
    } catch (err) {
      if (!(err instanceof QueryFailedError && /unique|duplicate/i.test(err.message))) throw err;
      const other = await this.files.findOne({ where: { messageId, kind } });
      if (!other) throw err;
      return other;
    }
    if (saved.status === 'pending') await this.downloads.enqueue(saved.id);
    return saved;
  }

  /**
   * For `ctx.downloadMedia()`: the event's media as a stored file, queued now if it was not, once the download is
   * done. Rejects with a MediaDownloadError when it failed (with the reason), is still running after `timeoutMs`, or
   * the event carries no media. Works across instances: the row is polled, and this instance's downloads wake it.
   */
  async downloadForPlugin(event: GeweEvent, messageId: number | undefined, timeoutMs: number): Promise<StoredFile> {
    if (!isMediaKind(event.kind))
      throw new MediaDownloadError(
        `a ${event.kind} event carries no media (only ${MEDIA_KINDS.join(', ')})`,
        null,
        'no_media',
      );
    if (messageId === undefined)
      throw new MediaDownloadError('this event was not logged, so it has no file', null, 'no_media');
    const row = await this.request(event, messageId, { retryFailed: true });
    const settled = await this.waitSettled(row.id, timeoutMs);
    if (!settled)
      throw new MediaDownloadError(`the ${event.kind} is still downloading after ${timeoutMs} ms`, row.id, 'timeout');
    if (settled.status !== 'done' || !settled.storedName)
      throw new MediaDownloadError(
        `the ${event.kind} could not be downloaded: ${settled.error ?? 'unknown reason'}`,
        row.id,
        'failed',
      );
    return this.toStoredFile(settled);
  }

  /** Resolves with the row once done or failed; null after `timeoutMs`. */
  async waitSettled(id: number, timeoutMs: number): Promise<FileEntity | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.files.findOne({ where: { id } });
      if (!row) return null;
      if (row.status === 'done' || row.status === 'failed') return row;
      const left = deadline - Date.now();
      if (left <= 0 || this.downloads.stopping) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.downloads.events.off('settled', onSettled);
          resolve();
        };
        const onSettled = (fileId: number) => fileId === id && done();
        const timer = setTimeout(done, Math.min(250, left));
        this.downloads.events.on('settled', onSettled);
      });
    }
  }

  /** Files newest first; `robotIds` (an API token's robot limit) keeps the list to those robots' files. */
  async list(q: FileListQueryDto, robotIds: readonly number[] | null = null): Promise<Page<FileResponseDto>> {
    const qb = this.files
      .createQueryBuilder('f')
      .orderBy('f.id', 'DESC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit);
    if (robotIds) qb.andWhere('f.robot_id IN (:...reachable)', { reachable: [...robotIds, 0] });
    if (q.robotId) qb.andWhere('f.robot_id = :robotId', { robotId: q.robotId });
    if (q.kind) qb.andWhere('f.kind = :kind', { kind: q.kind });
    if (q.chatId) qb.andWhere('f.chat_id = :chatId', { chatId: q.chatId });
    if (q.status) qb.andWhere('f.status = :status', { status: q.status });
    if (q.since) qb.andWhere('f.created_at >= :since', { since: q.since });
    if (q.until) qb.andWhere('f.created_at < :until', { until: q.until });
    const name = q.name?.trim();
    if (name)
      qb.andWhere("f.original_name LIKE :name ESCAPE '!'", { name: `%${name.replace(/[!%_]/g, (c) => '!' + c)}%` });
    const [rows, total] = await qb.getManyAndCount();
    return { items: await this.named(rows), total, page: q.page, limit: q.limit };
  }

  /** The files of one message and their download state (for GET /api/messages/{id}). */
  async forMessage(messageId: number): Promise<FileResponseDto[]> {
    const rows = await this.files.find({ where: { messageId }, order: { id: 'ASC' } });
    return this.named(rows);
  }

  private async named(rows: readonly FileEntity[]): Promise<FileResponseDto[]> {
    const names = this.names && rows.length ? await this.names.books(rows) : () => NO_NAMES;
    return rows.map((f) => toDto(f, names(f.robotId)));
  }

  /**
   * Everything needed to serve `filename` — safely by construction: the name must have the stored-name shape (400),
   * be a done file in the table (404), and its blob, at a path built from the hash, must be a regular file reached
   * without any symlink (403 otherwise). With `robotIds` (an API token's robot limit) the file must be one of those
   * robots' (blobs are shared by content: any of its rows will do); another robot's file is not found (404).
   */
  async download(filename: string, robotIds: readonly number[] | null = null): Promise<FileDownload> {
    const name = assertStoredName(filename);
    const row = await this.files.findOne({
      where: { storedName: name, status: 'done', ...(robotIds ? { robotId: In([...robotIds, 0]) } : {}) },
      order: { id: 'DESC' },
    });
    if (!row) throw notFound('FILE_NOT_FOUND', `No stored file is named ${name}`, { filename: name });
    const state = await this.store.inspect(name);
    if (state === 'missing')
      throw notFound('FILE_MISSING', `The blob of ${name} is missing from the store`, {
        filename: name,
      });
    if (state === 'refused') {
      this.logger.error({ filename: name }, 'A stored file is not a regular file (symlink?): refused to serve it');
      throw new DomainError(
        'FILE_REFUSED',
        `${name} is not a regular file in the store; refused`,
        403,
        {},
        {
          filename: name,
        },
      );
    }
    return {
      root: this.store.root,
      relativePath: blobRelativePath(name),
      contentType: row.contentType ?? 'application/octet-stream',
      contentDisposition: contentDisposition(row.originalName ?? name),
      etag: `"${name.slice(0, 64)}"`,
    };
  }

  /** Deletes a stored file: its blob and every row that links to it. */
  async remove(filename: string, actor: string): Promise<void> {
    const name = assertStoredName(filename);
    const rows = await this.files.find({ where: { storedName: name }, select: { id: true } });
    if (!rows.length) throw notFound('FILE_NOT_FOUND', `No stored file is named ${name}`, { filename: name });
    await this.files.delete(rows.map((r) => r.id));
    await this.files.update({ inlineName: name }, { inlineName: null });
    await this.store.remove(name);
    this.logger.log({ actor, filename: name, rows: rows.length }, 'Stored file deleted');
  }

  toStoredFile(row: FileEntity): StoredFile {
    const name = row.storedName!;
    return {
      id: row.id,
      messageId: row.messageId,
      kind: row.kind,
      filename: name,
      path: this.store.pathOf(name),
      url: `/api/files/${name}`,
      contentType: row.contentType ?? 'application/octet-stream',
      size: row.size ?? 0,
      md5: row.md5 ?? '',
      sha256: row.sha256 ?? '',
      originalName: row.originalName,
      note: row.error,
    };
  }

  private async requeue(row: FileEntity): Promise<FileEntity> {
    await this.files.update(
      { id: row.id, status: 'failed' },
      { status: 'pending', attempts: 0, nextAttemptAt: new Date(), claimedAt: null },
    );
    await this.downloads.enqueue(row.id);
    return (await this.files.findOne({ where: { id: row.id } })) ?? row;
  }

  /** Stores a callback's inline media; a failure only costs the inline shortcut (Gewe is asked instead). */
  private async stageInline(event: GeweEvent, messageId: number): Promise<StoredBlob | null> {
    const bytes = inlineBytes(event.raw);
    if (!bytes) return null;
    try {
      return await this.store.writeBuffer(bytes, this.config.files.max_size);
    } catch (err) {
      this.logger.warn(
        { messageId, kind: event.kind, error: (err as Error).message },
        'Inline media could not be stored; downloading it instead',
      );
      return null;
    }
  }
}

function originalName(event: GeweEvent, kind: MediaKind): string | null {
  if (kind !== 'file') return null;
  const n = event.details.fileName;
  return typeof n === 'string' && n.trim() !== '' ? n.trim().slice(0, 255) : null;
}

function blobFields(b: StoredBlob): Partial<FileEntity> {
  return {
    storedName: b.storedName,
    contentType: b.contentType,
    size: b.size,
    md5: b.md5,
    sha256: b.sha256,
  };
}

export function toDto(f: FileEntity, names: NameBook = NO_NAMES): FileResponseDto {
  const done = f.status === 'done' && f.storedName !== null;
  return {
    id: f.id,
    robotId: f.robotId,
    messageId: f.messageId,
    newMsgId: f.newMsgId,
    kind: f.kind,
    chatId: f.chatId,
    senderWxid: f.senderWxid,
    chatName: names.chat(f.chatId),
    senderName: names.sender(f.chatId, f.senderWxid),
    originalName: f.originalName,
    filename: done ? f.storedName : null,
    url: done ? `/api/files/${f.storedName}` : null,
    contentType: done ? f.contentType : null,
    size: done ? f.size : null,
    md5: done ? f.md5 : null,
    sha256: done ? f.sha256 : null,
    status: f.status,
    error: f.error,
    errorCode: fileErrorMessage(f.error)?.code ?? null,
    errorParams: fileErrorMessage(f.error)?.params ?? null,
    attempts: f.attempts,
    nextAttemptAt: f.status === 'pending' ? f.nextAttemptAt.toISOString() : null,
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
  };
}
