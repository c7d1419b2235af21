import { Injectable } from '@nestjs/common';

export type MediaKind = 'image' | 'record' | 'video' | 'file';

/**
 * Media URLs of the gateway, signed and short-lived: inbound (a message's image, voice, video or file, downloaded
 * lazily when first fetched) and outbound (`base64://` and `file://` sources hosted for Gewe to fetch). PART actions.
 */
@Injectable()
export class OneBotMedia {
  /** An absolute URL a client can fetch the message's media from. */
  inbound(_robotId: number, _messageLogId: number, _kind: MediaKind): string {
    throw new Error('not implemented');
  }

  /** An http(s) URL as it is; `base64://…` and `file://…` stored and answered as a short-lived URL Gewe can fetch. */
  host(_source: string, _kind: MediaKind): Promise<string> {
    throw new Error('not implemented');
  }
}
