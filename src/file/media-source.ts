import type { GeweEvent } from '../callback/events';
import type { MediaKind } from '../config/media-kinds';

/** What a download needs from its message, kept on the row (`files.source`, JSON) so the job is self-contained. */
export interface MediaSource {
  /** The message XML (`Content` without the group prefix): what downloadImage/Voice/Video/File take. */
  xml: string | null;
  /** The callback's MsgId (downloadVoice). */
  msgId: string | null;
  /** The emoji's md5 (downloadEmojiMd5). */
  emojiMd5: string | null;
  /** A file's CDN attachment (downloadCdn, when downloadFile fails). */
  cdn: { aesKey: string; fileId: string; totalSize: string; suffix: string } | null;
  /** The image's inline thumbnail, stored as a blob: the fallback when every download type fails. */
  inline: InlineBlob | null;
}

export interface InlineBlob {
  storedName: string;
  sha256: string;
  md5: string;
  size: number;
  contentType: string;
}

/** The largest source kept, in UTF-8 bytes (a TEXT column holds 64 KB on MySQL); message XML is a few KB. */
export const MAX_SOURCE_BYTES = 60_000;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

export function mediaSource(event: GeweEvent, kind: MediaKind): MediaSource {
  const d = event.details;
  const cdnFileId = str(d.cdnAttachUrl);
  const aesKey = str(d.aesKey);
  return {
    xml: event.content,
    msgId: event.msgId,
    emojiMd5: kind === 'emoji' ? str(d.md5) : null,
    cdn:
      kind === 'file' && cdnFileId && aesKey
        ? {
            aesKey,
            fileId: cdnFileId,
            totalSize: typeof d.fileSize === 'number' ? String(d.fileSize) : '0',
            suffix: str(d.fileExt) ?? '',
          }
        : null,
    inline: null,
  };
}

export function parseSource(raw: string | null): MediaSource | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as MediaSource;
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

/**
 * The inline media of a callback (`Data.ImgBuf.buffer`, base64): the image thumbnail or, for most voice messages, the
 * whole SILK audio. Only used when it is complete: its decoded length must match `ImgBuf.iLen` when Gewe gives one.
 */
export function inlineBytes(raw: unknown): Buffer | null {
  const data = field(raw, 'Data');
  const imgBuf = field(data, 'ImgBuf');
  const b = field(imgBuf, 'buffer');
  const text = typeof b === 'string' ? b : str(field(b, 'string'));
  if (!text || !/^[A-Za-z0-9+/=\s]+$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) return null;
  const declared = Number(field(imgBuf, 'iLen'));
  if (Number.isFinite(declared) && declared > 0 && declared !== bytes.length) return null;
  return bytes;
}

/** A property by name, in any of the spellings Gewe uses (`ImgBuf`, `img_buf`, `imgbuf`). */
function field(o: unknown, key: string): unknown {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const rec = o as Record<string, unknown>;
  if (Object.hasOwn(rec, key)) return rec[key];
  const want = key.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase().replace(/_/g, '') === want) return rec[k];
  return undefined;
}
