import { jsonInteger } from '../../common/bigint-json';
import type { GeweCaller } from '../gewe-caller';
import { commaList } from '../gewe-caller';
import { GeweApiError, GeweTransportError } from '../gewe.errors';

/** What Gewe returns for a sent message; ids are strings (64-bit). Needed to revoke it. */
export interface SentMessage {
  toWxid: string;
  createTime: number | string;
  msgId: string;
  newMsgId: string;
  type?: number;
  [key: string]: unknown;
}

/**
 * postImage (and forwardImage) also return the CDN data of the uploaded picture; splice it into image XML to send the
 * same picture again quickly with forwardImage. postVideo/forwardVideo return aesKey, fileId and length.
 */
export interface SentMedia extends SentMessage {
  aesKey?: string | null;
  fileId?: string | null;
  length?: number | null;
  width?: number | null;
  height?: number | null;
  md5?: string | null;
}

export interface LinkCard {
  title: string;
  desc: string;
  /** The page the card opens. */
  linkUrl: string;
  /** The card's thumbnail image. */
  thumbUrl: string;
}

export interface MiniAppCard {
  /** The mini program's appid (wx…). */
  miniAppId: string;
  /** The mini program's name as shown on the card. */
  displayName: string;
  /** Page to open, e.g. "pages/index/index.html". */
  pagePath: string;
  coverImgUrl: string;
  title: string;
  /** The mini program's original id, e.g. "gh_690acf47ea05@app". */
  userName: string;
}

export interface CdnFile {
  aesKey: string;
  fileId: string;
  /** 1 HD image, 2 normal image, 3 thumbnail, 4 video, 5 file. Sent as a string, as Gewe documents it. */
  type: 1 | 2 | 3 | 4 | 5 | '1' | '2' | '3' | '4' | '5';
  /** Size in bytes. Sent as a string, as Gewe documents it. */
  totalSize: number | string;
  /** File extension without the dot (e.g. "doc"); used when type is 5. */
  suffix: string;
}

/** The answer of every download endpoint. On paid GeWeAPI the URL is valid for 7 days. */
export interface DownloadedFile {
  /**
   * Self-hosted Gewechat: a path to append to the download URL (http://<host>:2532/download/<fileUrl>);
   * paid GeWeAPI: an absolute URL.
   */
  fileUrl: string;
  [key: string]: unknown;
}

/** downloadImage's `type`: 1 HD, 2 normal, 3 thumbnail. Not every image has all three. */
export type ImageQuality = 1 | 2 | 3;

/** Message endpoints with the official request field names (OpenGewe's differ for many of them). */
export class MessageApi {
  constructor(private readonly c: GeweCaller) {}

  /**
   * Text, optionally mentioning group members: `ats` lists their wxids (or "notify@all"); the content itself must
   * contain "@<display name>" for each mention.
   */
  async postText(toWxid: string, content: string, ats?: string | readonly string[]): Promise<SentMessage> {
    const body: Record<string, unknown> = { toWxid, content };
    if (ats && commaList(ats)) body.ats = commaList(ats);
    return normalizeSent(await this.c.call<Record<string, unknown>>('/message/postText', body));
  }

  /** The field is `imgUrl` (OpenGewe sends `imageUrl`). The answer carries the CDN data for forwardImage. */
  postImage(toWxid: string, imgUrl: string): Promise<SentMedia> {
    return this.#send<SentMedia>('/message/postImage', { toWxid, imgUrl });
  }

  postFile(toWxid: string, fileUrl: string, fileName: string): Promise<SentMessage> {
    return this.#send('/message/postFile', { toWxid, fileUrl, fileName });
  }

  /** The file must be SILK audio; `voiceDuration` is in milliseconds (OpenGewe sends `voiceTime`). */
  postVoice(toWxid: string, voiceUrl: string, voiceDuration: number): Promise<SentMessage> {
    return this.#send('/message/postVoice', { toWxid, voiceUrl, voiceDuration });
  }

  /** `videoDuration` is in seconds (unlike postVoice). The answer carries the CDN data for forwardVideo. */
  postVideo(toWxid: string, videoUrl: string, thumbUrl: string, videoDuration: number): Promise<SentMedia> {
    return this.#send<SentMedia>('/message/postVideo', { toWxid, videoUrl, thumbUrl, videoDuration });
  }

  /** The fields are `linkUrl` and `thumbUrl` (OpenGewe sends `url` and `imageUrl`). */
  postLink(toWxid: string, link: LinkCard): Promise<SentMessage> {
    const { title, desc, linkUrl, thumbUrl } = link;
    return this.#send('/message/postLink', { toWxid, title, desc, linkUrl, thumbUrl });
  }

  /** A contact card: `nickName` is shown on the card, `nameCardWxid` is whose card it is. */
  postNameCard(toWxid: string, nickName: string, nameCardWxid: string): Promise<SentMessage> {
    return this.#send('/message/postNameCard', { toWxid, nickName, nameCardWxid });
  }

  /** An emoji WeChat already knows, by its md5 and size in bytes (both from an emoji callback). */
  postEmoji(toWxid: string, emojiMd5: string, emojiSize: number): Promise<SentMessage> {
    return this.#send('/message/postEmoji', { toWxid, emojiMd5, emojiSize });
  }

  /**
   * Any message with an `<appmsg>` node (quotes, music, finder cards…). The field is lower-case `appmsg` and holds
   * the `<appmsg>…</appmsg>` node only, not the whole `<msg>`.
   */
  postAppMsg(toWxid: string, appmsg: string): Promise<SentMessage> {
    return this.#send('/message/postAppMsg', { toWxid, appmsg });
  }

  postMiniApp(toWxid: string, app: MiniAppCard): Promise<SentMessage> {
    const { miniAppId, displayName, pagePath, coverImgUrl, title, userName } = app;
    return this.#send('/message/postMiniApp', {
      toWxid,
      miniAppId,
      displayName,
      pagePath,
      coverImgUrl,
      title,
      userName,
    });
  }

  /** Forwards a file without re-uploading it; `xml` is the callback's file message XML. */
  forwardFile(toWxid: string, xml: string): Promise<SentMessage> {
    return this.#send('/message/forwardFile', { toWxid, xml });
  }

  /** `xml` is the callback's image XML (or one rebuilt from postImage's CDN data). */
  forwardImage(toWxid: string, xml: string): Promise<SentMedia> {
    return this.#send<SentMedia>('/message/forwardImage', { toWxid, xml });
  }

  /** `xml` is the callback's video XML (or one rebuilt from postVideo's CDN data). */
  forwardVideo(toWxid: string, xml: string): Promise<SentMedia> {
    return this.#send<SentMedia>('/message/forwardVideo', { toWxid, xml });
  }

  /** `xml` is the callback's link (appmsg type 5) XML. */
  forwardUrl(toWxid: string, xml: string): Promise<SentMessage> {
    return this.#send('/message/forwardUrl', { toWxid, xml });
  }

  /** `xml` is the callback's mini program XML; Gewe needs a cover image URL besides. */
  forwardMiniApp(toWxid: string, xml: string, coverImgUrl: string): Promise<SentMessage> {
    return this.#send('/message/forwardMiniApp', { toWxid, xml, coverImgUrl });
  }

  /**
   * Revokes a message this account sent, with the ids of its send answer. They are written as bare JSON integers
   * (`newMsgId` exceeds 2^53, so it is passed around as a decimal string); a missing id (e.g. a null createTime)
   * throws a TypeError before any request.
   */
  async revokeMsg(
    toWxid: string,
    msgId: string | number,
    newMsgId: string | number,
    createTime: string | number,
  ): Promise<void> {
    // The docs (and the other SDKs) send the three values of the send answer as strings: exact for 64-bit ids.
    const id = (name: string, v: string | number) => {
      const s = String(v);
      if (!/^\d+$/.test(s))
        throw new TypeError(`revokeMsg: ${name} must be the integer from the send answer, got ${s}`);
      return s;
    };
    await this.c.call('/message/revokeMsg', {
      toWxid,
      msgId: id('msgId', msgId),
      newMsgId: id('newMsgId', newMsgId),
      createTime: id('createTime', createTime),
    });
  }

  /** `xml` is the callback's image XML. Not every image has an HD or a normal version: see downloadImageBest. */
  downloadImage(xml: string, type: ImageQuality = 2): Promise<DownloadedFile> {
    return this.#download('/message/downloadImage', { xml, type });
  }

  /**
   * The best version of an image that Gewe can deliver: tries HD, then normal, then the thumbnail. Moves on when Gewe
   * refuses (or answers without a fileUrl) or times out; any other failure (unreachable, malformed answer) is thrown
   * at once. When every type fails, the last error is thrown.
   */
  async downloadImageBest(xml: string): Promise<DownloadedFile> {
    let lastError: unknown;
    for (const type of [1, 2, 3] as const) {
      try {
        return await this.downloadImage(xml, type);
      } catch (err) {
        const worthRetrying =
          err instanceof GeweApiError || (err instanceof GeweTransportError && err.failure === 'timeout');
        if (!worthRetrying) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  /** `msgId` is the callback's MsgId, written as a bare JSON integer. The file is SILK audio. Paid GeWeAPI. */
  async downloadVoice(xml: string, msgId: string | number): Promise<DownloadedFile> {
    return this.#download('/message/downloadVoice', { xml, msgId: jsonInteger(msgId) });
  }

  /** Paid GeWeAPI. */
  downloadVideo(xml: string): Promise<DownloadedFile> {
    return this.#download('/message/downloadVideo', { xml });
  }

  /**
   * Takes the emoji's md5 (OpenGewe sends `xml`). Paid GeWeAPI. Gewe documents the answer as `url` (its example
   * even shows `Url`) rather than `fileUrl`; every spelling is accepted and returned as `fileUrl`.
   */
  downloadEmojiMd5(emojiMd5: string): Promise<DownloadedFile> {
    return this.#download('/message/downloadEmojiMd5', { emojiMd5 });
  }

  /** Downloads straight from the WeChat CDN (e.g. items of a forwarded chat record). Paid GeWeAPI. */
  downloadCdn(file: CdnFile): Promise<DownloadedFile> {
    const { aesKey, fileId, type, totalSize, suffix } = file;
    return this.#download('/message/downloadCdn', {
      aesKey,
      fileId,
      type: String(type),
      totalSize: String(totalSize),
      suffix,
    });
  }

  /** `xml` is the callback's file (appmsg type 6) XML. Paid GeWeAPI; absent from the free Gewechat docs. */
  downloadFile(xml: string): Promise<DownloadedFile> {
    return this.#download('/message/downloadFile', { xml });
  }

  async #send<T extends SentMessage = SentMessage>(endpoint: string, body: Record<string, unknown>): Promise<T> {
    return normalizeSent(await this.c.call<Record<string, unknown> | null>(endpoint, body)) as T;
  }

  async #download(endpoint: string, body: Record<string, unknown>): Promise<DownloadedFile> {
    const data = await this.c.call<Record<string, unknown> | null>(endpoint, body);
    const d = data && typeof data === 'object' ? data : {};
    const fileUrl = [d.fileUrl, d.url, d.Url].find((v): v is string => typeof v === 'string' && v !== '');
    if (!fileUrl) throw new GeweApiError(endpoint, 200, null, 'answered without a fileUrl', data);
    return { ...d, fileUrl };
  }
}

/** Ids in send responses come as numbers (or, past 2^53, as bigint-safe strings); always hand out strings. */
export function normalizeSent(data: Record<string, unknown> | null | undefined): SentMessage {
  const d = data ?? {};
  const str = (v: unknown): string =>
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : '';
  return {
    ...d,
    toWxid: str(d.toWxid),
    createTime: d.createTime as number | string,
    msgId: str(d.msgId),
    newMsgId: str(d.newMsgId),
  };
}
