import { Injectable } from '@nestjs/common';
import { GeweClientManager } from '../gewe/client-manager';
import type { GeweClient } from '../gewe/gewe-client';
import { GeweApiError } from '../gewe/gewe.errors';
import type { DownloadedFile } from '../gewe/modules/message.api';
import { RobotService } from '../robot/robot.service';
import { BlobStore, StoredBlob } from './blob-store';
import type { FileEntity } from './file.entity';
import { MediaFetcher, PermanentDownloadError, resolveFileUrl } from './media-fetcher';
import { MediaSource, parseSource } from './media-source';

export interface DownloadResult {
  blob: StoredBlob;
  /** Set when what was kept is not the real thing (an image's inline thumbnail). */
  note: string | null;
}

/**
 * One try at one file: ask Gewe for it through the robot's own client, then fetch `data.fileUrl` into the store.
 * Images try HD, normal, then thumbnail (downloadImageBest), and keep the callback's inline thumbnail only when every
 * type fails; files try downloadFile, then the CDN; emojis go by md5. Throws to have the try retried, or a
 * PermanentDownloadError when retrying cannot help.
 */
@Injectable()
export class FileDownloader {
  constructor(
    private readonly robots: RobotService,
    private readonly clients: GeweClientManager,
    private readonly fetcher: MediaFetcher,
    private readonly store: BlobStore,
  ) {}

  async download(row: FileEntity, opts: { lastAttempt: boolean; signal?: AbortSignal }): Promise<DownloadResult> {
    const source = parseSource(row.source);
    if (!source) throw new PermanentDownloadError('nothing to download from: the message source is missing');
    try {
      const robot = await this.robots.findById(row.robotId);
      if (!robot) throw new PermanentDownloadError(`robot ${row.robotId} was deleted`);
      const client = this.clients.forRobot(robot);
      const answer = await this.askGewe(client, row.kind, source);
      const url = resolveFileUrl(answer.fileUrl, robot.downloadUrl);
      return { blob: await this.fetcher.fetch(url, opts.signal), note: null };
    } catch (err) {
      // Gewe refusing the image outright means no type is available; otherwise wait for the last try.
      const thumbnail = row.kind === 'image' ? source.inline : null;
      if (thumbnail && (opts.lastAttempt || err instanceof GeweApiError) && !opts.signal?.aborted) {
        if ((await this.store.inspect(thumbnail.storedName)) === 'ok') {
          const why = (err as Error).message ?? String(err);
          return {
            blob: thumbnail,
            note: `kept the inline thumbnail: HD, normal and thumbnail downloads failed (${why})`.slice(0, 1000),
          };
        }
      }
      throw err;
    }
  }

  private async askGewe(client: GeweClient, kind: string, s: MediaSource): Promise<DownloadedFile> {
    const xml = s.xml ?? '';
    switch (kind) {
      case 'image':
        if (!xml) throw new PermanentDownloadError('the image message has no XML to download it with');
        return client.message.downloadImageBest(xml);
      case 'voice':
        if (!xml || !s.msgId) throw new PermanentDownloadError('the voice message has no XML or MsgId');
        return client.message.downloadVoice(xml, s.msgId);
      case 'video':
        if (!xml) throw new PermanentDownloadError('the video message has no XML to download it with');
        return client.message.downloadVideo(xml);
      case 'emoji':
        if (!s.emojiMd5) throw new PermanentDownloadError('the emoji message has no md5');
        return client.message.downloadEmojiMd5(s.emojiMd5);
      case 'file':
        if (!xml && !s.cdn) throw new PermanentDownloadError('the file message has no XML or CDN data');
        try {
          if (!xml) throw new PermanentDownloadError('no XML');
          return await client.message.downloadFile(xml);
        } catch (err) {
          if (!s.cdn || !(err instanceof GeweApiError || err instanceof PermanentDownloadError)) throw err;
          return client.message.downloadCdn({ ...s.cdn, type: 5 });
        }
      default:
        throw new PermanentDownloadError(`a ${kind} message has no media to download`);
    }
  }
}
