import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { outboundRequest, OutboundResponse } from '../net/outbound-http';
import { LookupFunction, OutboundRefusedError } from '../net/outbound-url-policy';
import { BlobStore, FileTooLargeError, StoredBlob } from './blob-store';

/** A download that cannot succeed by trying again (too large, no download_url…): recorded as failed at once. */
export class PermanentDownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDownloadError';
  }
}

/**
 * Where Gewe's `fileUrl` points: an absolute http(s) URL as it is (paid GeWeAPI), else a path under the robot's
 * download_url, joined as a path (`<download_url>/<fileUrl>`, as Gewechat serves them — not OpenGewe's `?url=`).
 * `?` and `#` in the path are escaped so they cannot turn into a query or fragment.
 */
export function resolveFileUrl(fileUrl: string, downloadUrl: string | null): string {
  const u = fileUrl.trim();
  if (/^https?:\/\//i.test(u)) return u;
  if (!downloadUrl)
    throw new PermanentDownloadError(
      `Gewe answered a relative fileUrl (${u.slice(0, 200)}) and the robot has no download_url to fetch it from`,
    );
  const path = u.replace(/^\/+/, '').replace(/\?/g, '%3F').replace(/#/g, '%23');
  return `${downloadUrl.replace(/\/+$/, '')}/${path}`;
}

/** Fetches a media URL straight into the blob store, within download_timeout and max_size. */
@Injectable()
export class MediaFetcher {
  /** Replaces DNS resolution (tests); the outbound policy still applies to what it answers. */
  resolve?: LookupFunction;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: BlobStore,
  ) {}

  async fetch(url: string, signal?: AbortSignal): Promise<StoredBlob> {
    const { max_size: maxSize, download_timeout: timeoutMs } = this.config.files;
    const aborter = new AbortController();
    const signals = [aborter.signal, AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    const combined = AbortSignal.any(signals);
    const where = redactUrl(url);
    try {
      let res: OutboundResponse;
      try {
        // every hop of a redirect is checked against the outbound policy, at connect time too
        res = await outboundRequest(url, { signal: combined, redirect: 'follow', resolve: this.resolve });
      } catch (err) {
        if (err instanceof OutboundRefusedError)
          throw new PermanentDownloadError(`refused to download ${where}: ${err.message}`);
        throw describeFetchError(err, where, timeoutMs);
      }
      if (res.status < 200 || res.status >= 300) {
        res.body.destroy();
        throw new Error(`the download server answered HTTP ${res.status} for ${where}`);
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > maxSize) {
        res.body.destroy();
        throw new FileTooLargeError(maxSize);
      }
      const body: Readable = res.body;
      try {
        const blob = await this.store.write(body, maxSize);
        if (blob.size === 0) throw new Error(`the download server answered an empty file for ${where}`);
        return blob;
      } catch (err) {
        body.destroy();
        if (err instanceof FileTooLargeError) throw err;
        if (err instanceof Error && /empty file/.test(err.message)) throw err;
        throw describeFetchError(err, where, timeoutMs);
      }
    } finally {
      aborter.abort(); // closes the connection if anything is left of it
    }
  }
}

function describeFetchError(err: unknown, where: string, timeoutMs: number): Error {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return new Error(`no complete answer from ${where} within ${timeoutMs} ms`);
  if (e.name === 'AbortError') return e;
  const code = (e as { code?: unknown }).code; // a system error of the connection (ECONNREFUSED, ENOTFOUND…)
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new Error(`cannot download ${where} (${code})`);
  if (e instanceof Error && e.message && !e.cause) return new Error(`downloading ${where} failed: ${e.message}`);
  return new Error(`cannot download ${where} (${e.cause?.code ?? e.cause?.message ?? e.message})`);
}

/** URLs of paid GeWeAPI may carry signatures: keep them out of errors and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return url.slice(0, 200);
  }
}
