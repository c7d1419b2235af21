import type { MediaKind } from '../config/media-kinds';

/** A downloaded media file, as plugins get it from `ctx.downloadMedia()`. */
export interface StoredFile {
  id: number;
  /** The message log row it came with. */
  messageId: number;
  kind: MediaKind;
  /** `<sha256>.<ext>`: the name in the store and in GET /api/files/{filename}. */
  filename: string;
  /** Absolute path of the blob on this machine (read it, don't write it: identical content is shared). */
  path: string;
  /** `/api/files/<filename>` */
  url: string;
  /** Sniffed from the content. */
  contentType: string;
  size: number;
  md5: string;
  sha256: string;
  /** The name the sender gave (file messages), else null. */
  originalName: string | null;
  /** Set when only a stand-in could be kept (an image whose every download failed: its inline thumbnail). */
  note: string | null;
}

/** `ctx.downloadMedia()` could not deliver: the download failed (`reason`), timed out, or the event has no media. */
export class MediaDownloadError extends Error {
  constructor(
    message: string,
    /** The file row's id when there is one. */
    readonly fileId: number | null,
    readonly status: 'failed' | 'timeout' | 'no_media',
  ) {
    super(message);
    this.name = 'MediaDownloadError';
  }
}
