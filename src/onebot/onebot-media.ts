import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify } from '../callback/classify';
import { parseJsonBigSafe } from '../common/bigint-json';
import { DomainError, notFound } from '../common/domain-error';
import { PeriodicTask } from '../common/periodic-task';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import type { MediaKind as FileKind } from '../config/media-kinds';
import { sniff } from '../file/content-type';
import { FileService } from '../file/file.service';
import { MediaDownloadError } from '../file/stored-file';
import { MessageLogService } from '../message-log/message-log.service';
import { RobotService } from '../robot/robot.service';
import { ActionError, RETCODE } from './onebot.types';

export type MediaKind = 'image' | 'record' | 'video' | 'file';
export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'record', 'video', 'file'];

/** Where the media controller serves: `/m/{robot}/{message}/{kind}` (inbound) and `/h/{name}` (hosted sources). */
export const MEDIA_PATH = '/onebot/v11/media';
/** A hosted source's name: 32 random hex digits and an extension. */
export const HOSTED_NAME = /^[0-9a-f]{32}\.[a-z0-9]{1,8}$/;
/** The file kind of the message log and the file store, per OneBot media kind. */
const FILE_KIND: Record<MediaKind, FileKind> = { image: 'image', record: 'voice', video: 'video', file: 'file' };
const DEFAULT_EXT: Record<MediaKind, string> = { image: 'jpg', record: 'silk', video: 'mp4', file: 'bin' };
/** How long a client's fetch of inbound media waits for the lazy download. */
const DOWNLOAD_WAIT_MS = 60_000;
const SWEEP_MS = 60_000;

export type SignatureCheck = 'ok' | 'expired' | 'forged';

/** The signature of a media URL: HMAC-SHA256 over its path and expiry (unix ms), base64url. */
export function mediaSignature(key: Buffer | string, path: string, exp: number): string {
  return createHmac('sha256', key).update(`${path}\n${exp}`).digest('base64url');
}

/** Whether a media URL's `exp` and `sig` are ours for this path, and still valid at `nowMs`. */
export function checkMediaSignature(
  key: Buffer | string,
  path: string,
  exp: unknown,
  sig: unknown,
  nowMs: number,
): SignatureCheck {
  if (typeof exp !== 'string' || !/^\d{1,15}$/.test(exp) || typeof sig !== 'string') return 'forged';
  const want = Buffer.from(mediaSignature(key, path, Number(exp)));
  const got = Buffer.from(sig);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'forged';
  return Number(exp) < nowMs ? 'expired' : 'ok';
}

/**
 * The real path of `file` when it lies inside one of `roots` (both resolved: `..` and symlinks followed), else null.
 * A file that does not exist is null too.
 */
export async function resolveUnderRoots(file: string, roots: readonly string[]): Promise<string | null> {
  if (!isAbsolute(file)) return null;
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return null;
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = await realpath(resolve(root));
    } catch {
      continue;
    }
    const rel = relative(realRoot, real);
    if (rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel)) return real;
  }
  return null;
}

/** A file to stream: its absolute path, type and the name to show. */
export interface MediaFile {
  path: string;
  contentType: string;
  name: string;
}

/**
 * Media URLs of the gateway, signed and short-lived: inbound (a message's image, voice, video or file, downloaded
 * lazily when first fetched) and outbound (`base64://` and `file://` sources hosted for Gewe to fetch). The URLs carry
 * their own proof (HMAC with a key derived from backend.secret_key), so any instance serves them; hosted copies sit in
 * `<files.root>/onebot-media`, bounded by `onebot.media_max_total` and deleted after `onebot.media_ttl`.
 */
@Injectable()
export class OneBotMedia implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OneBotMedia.name);
  private readonly key: Buffer;
  readonly dir: string;
  private readonly sweeper = new PeriodicTask({
    name: 'OneBot hosted media sweep',
    intervalMs: SWEEP_MS,
    logger: this.logger,
    run: () => this.sweep(),
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly robots: RobotService,
    private readonly files: FileService,
    private readonly messages: MessageLogService,
  ) {
    this.key = createHmac('sha256', config.backend.secret_key).update('onebot-media').digest();
    // beside the file store's blobs (its sweeps only look at their <2 hex digits> folders): instances that serve
    // the same files serve the same hosted copies
    this.dir = resolve(config.files.root, 'onebot-media');
  }

  /** Now, in unix ms (a seam for the tests' fake clock). */
  protected now(): number {
    return Date.now();
  }

  /** An absolute URL a client can fetch the message's media from. */
  inbound(robotId: number, messageLogId: number, kind: MediaKind): string {
    return this.signed(`${MEDIA_PATH}/m/${robotId}/${messageLogId}/${kind}`);
  }

  /** An http(s) URL as it is; `base64://…` and `file://…` stored and answered as a short-lived URL Gewe can fetch. */
  async host(source: string, kind: MediaKind): Promise<string> {
    if (typeof source !== 'string' || source === '') throw new ActionError(RETCODE.BAD_REQUEST, 'file: missing');
    if (/^https?:\/\//i.test(source)) return source;
    let bytes: Buffer;
    if (source.startsWith('base64://')) {
      const b64 = source.slice('base64://'.length).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64))
        throw new ActionError(RETCODE.BAD_REQUEST, 'file: base64:// data is not base64');
      bytes = Buffer.from(b64, 'base64');
      if (bytes.length === 0) throw new ActionError(RETCODE.BAD_REQUEST, 'file: base64:// data is empty');
    } else if (/^file:/i.test(source)) {
      bytes = await this.readLocal(source);
    } else throw new ActionError(RETCODE.BAD_REQUEST, 'file: must be an http(s)://, base64:// or file:// URL');
    return this.signed(`${MEDIA_PATH}/h/${await this.store(bytes, kind)}`);
  }

  /** The message of an inbound URL of ours (its signature checked; expired is fine: the caller is authenticated). */
  parseInbound(url: string): { robotId: number; messageLogId: number; kind: MediaKind } | null {
    let u: URL;
    try {
      u = new URL(url, 'http://local');
    } catch {
      return null;
    }
    const m = new RegExp(`^${MEDIA_PATH}/m/(\\d+)/(\\d+)/(image|record|video|file)$`).exec(u.pathname);
    if (!m) return null;
    const check = checkMediaSignature(this.key, u.pathname, u.searchParams.get('exp'), u.searchParams.get('sig'), 0);
    if (check === 'forged') return null;
    return { robotId: Number(m[1]), messageLogId: Number(m[2]), kind: m[3] as MediaKind };
  }

  /** Refuses a URL whose signature is not ours (403) or which expired (410). */
  verify(path: string, exp: unknown, sig: unknown): void {
    const check = checkMediaSignature(this.key, path, exp, sig, this.now());
    if (check === 'forged')
      throw new DomainError('ONEBOT_MEDIA_FORBIDDEN', 'This media URL is not signed by this service', 403);
    if (check === 'expired') throw new DomainError('ONEBOT_MEDIA_EXPIRED', 'This media URL has expired', 410);
  }

  /** The message's media as a local file, downloaded now (lazily) when it is not in the store yet. */
  async inboundFile(robotId: number, messageLogId: number, kind: MediaKind): Promise<MediaFile> {
    const what = `${kind} of message ${messageLogId}`;
    const missing = () => notFound('ONEBOT_MEDIA_NOT_FOUND', `No ${what}`, { what });
    const row = await this.messages.entity(messageLogId).catch(() => null);
    if (!row || row.robotId !== robotId) throw missing();
    const robot = await this.robots.findById(robotId);
    if (!robot) throw missing();
    let raw: unknown;
    try {
      raw = parseJsonBigSafe(row.raw);
    } catch {
      throw missing();
    }
    const event = classify(raw, { id: robot.id, appId: robot.appId ?? '', wxid: robot.wxid });
    if (event.kind !== FILE_KIND[kind]) throw missing();
    try {
      const f = await this.files.downloadForPlugin(event, row.id, DOWNLOAD_WAIT_MS);
      return { path: f.path, contentType: f.contentType, name: f.originalName ?? f.filename };
    } catch (err) {
      if (err instanceof MediaDownloadError) {
        this.logger.debug({ messageLogId, kind, error: err.message }, 'OneBot media could not be fetched');
        throw missing();
      }
      throw err;
    }
  }

  /** A hosted source's file (after `verify`). */
  async hostedFile(name: string): Promise<MediaFile> {
    const missing = () => notFound('ONEBOT_MEDIA_NOT_FOUND', `No hosted media ${name}`, { what: name });
    if (!HOSTED_NAME.test(name)) throw missing();
    const path = join(this.dir, name);
    try {
      if (!(await stat(path)).isFile()) throw missing();
    } catch {
      throw missing();
    }
    const fh = await open(path, 'r');
    const head = Buffer.alloc(32);
    try {
      await fh.read(head, 0, 32, 0);
    } finally {
      await fh.close();
    }
    return { path, contentType: sniff(head).contentType, name };
  }

  onApplicationBootstrap(): void {
    this.sweeper.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.sweeper.stop();
  }

  /** Deletes hosted copies older than their URLs' lifetime (and forgotten partial writes). */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const f of await this.hostedList()) {
      if (f.mtimeMs + this.config.onebot.media_ttl + SWEEP_MS > this.now()) continue;
      await unlink(join(this.dir, f.name)).catch(() => undefined);
      removed++;
    }
    return removed;
  }

  private signed(path: string): string {
    const exp = this.now() + this.config.onebot.media_ttl;
    return `${this.publicBase()}${path}?exp=${exp}&sig=${mediaSignature(this.key, path, exp)}`;
  }

  /**
   * The service as Gewe (and a client) reaches it: the robots' callback base (gewe.callback_url, else the guessed LAN
   * address) without its /api/webhook path.
   */
  private publicBase(): string {
    const u = new URL(this.robots.webhookBase());
    const prefix = u.pathname.replace(/\/api\/webhook\/?$/, '').replace(/\/+$/, '');
    return `${u.origin}${prefix}`;
  }

  private async readLocal(source: string): Promise<Buffer> {
    const roots = this.config.onebot.file_roots;
    if (roots.length === 0)
      throw new ActionError(
        RETCODE.BAD_REQUEST,
        'file: file:// sources are off; list the directories they may come from in the onebot.file_roots setting',
      );
    let path: string;
    try {
      path = fileURLToPath(source);
    } catch {
      throw new ActionError(RETCODE.BAD_REQUEST, 'file: not a valid file:// URL');
    }
    const real = await resolveUnderRoots(path, roots);
    if (!real) throw new ActionError(RETCODE.BAD_REQUEST, 'file: not a file under onebot.file_roots');
    const st = await stat(real);
    if (!st.isFile()) throw new ActionError(RETCODE.BAD_REQUEST, 'file: not a regular file');
    if (st.size > this.config.onebot.media_max_total)
      throw new ActionError(RETCODE.BAD_REQUEST, 'file: larger than onebot.media_max_total');
    return readFile(real);
  }

  /** Writes a hosted copy (room made by the sweep first); refused when the bound would be passed. */
  private async store(bytes: Buffer, kind: MediaKind): Promise<string> {
    const max = this.config.onebot.media_max_total;
    if (bytes.length > max) throw new ActionError(RETCODE.BAD_REQUEST, 'file: larger than onebot.media_max_total');
    await mkdir(this.dir, { recursive: true });
    let total = (await this.hostedList()).reduce((n, f) => n + f.size, 0);
    if (total + bytes.length > max) {
      await this.sweep();
      total = (await this.hostedList()).reduce((n, f) => n + f.size, 0);
      if (total + bytes.length > max)
        throw new ActionError(RETCODE.FAILED, 'hosted media is full (onebot.media_max_total); try again later');
    }
    const sniffed = sniff(bytes.subarray(0, 32));
    const ext = sniffed.ext === 'bin' ? DEFAULT_EXT[kind] : sniffed.ext;
    const name = `${randomBytes(16).toString('hex')}.${ext}`;
    const tmp = join(this.dir, `${name}.part`);
    await writeFile(tmp, bytes, { mode: 0o600 });
    await rename(tmp, join(this.dir, name));
    return name;
  }

  private async hostedList(): Promise<{ name: string; size: number; mtimeMs: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: { name: string; size: number; mtimeMs: number }[] = [];
    for (const name of names) {
      if (!HOSTED_NAME.test(name) && !name.endsWith('.part')) continue;
      try {
        const st = await stat(join(this.dir, name));
        if (st.isFile()) out.push({ name, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // deleted meanwhile
      }
    }
    return out;
  }
}
