import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { sniff, SNIFF_BYTES } from './content-type';
import { blobRelativePath, isStoredName } from './file-name';

/** A blob in the store. */
export interface StoredBlob {
  /** `<sha256>.<ext>` */
  storedName: string;
  sha256: string;
  md5: string;
  size: number;
  contentType: string;
}

/** The content went past the size cap: not worth trying again. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${formatBytes(limit)} (files.max_size)`);
    this.name = 'FileTooLargeError';
  }
}

/** Temp files and blobs younger than this are never swept: a writer may be about to link them to a row. */
export const BLOB_GRACE_MS = 10 * 60_000;

const TEMP_PREFIX = '.tmp-';

/**
 * The file store on disk: content-addressed blobs `<root>/<sha[0:2]>/<sha256>.<ext>`, the extension from the sniffed
 * content type. Every write goes to a temp file in the root (same filesystem) and is renamed into place, so a reader
 * never sees half a file; writing identical content again just replaces the blob with the same bytes (and refreshes
 * its mtime, which keeps it out of the sweep's reach while the new row is linked). Names never come from senders.
 */
@Injectable()
export class BlobStore {
  readonly root: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = resolve(config.files.root);
  }

  /** Streams `source` into the store, hashing and sniffing on the way; aborts past `maxSize` bytes. */
  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxSize: number): Promise<StoredBlob> {
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `${TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o644);
    let closed = false;
    try {
      const sha = createHash('sha256');
      const md5 = createHash('md5');
      let size = 0;
      let head = Buffer.alloc(0);
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (size > maxSize) throw new FileTooLargeError(maxSize);
        sha.update(chunk);
        md5.update(chunk);
        if (head.length < SNIFF_BYTES)
          head = Buffer.concat([head, Buffer.from(chunk.subarray(0, SNIFF_BYTES - head.length))]);
        let off = 0;
        while (off < chunk.byteLength) off += (await fh.write(chunk, off, chunk.byteLength - off)).bytesWritten;
      }
      await fh.sync();
      await fh.close();
      closed = true;
      const sha256 = sha.digest('hex');
      const type = sniff(head);
      const storedName = `${sha256}.${type.ext}`;
      await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
      await rename(tmp, this.pathOf(storedName));
      return { storedName, sha256, md5: md5.digest('hex'), size, contentType: type.contentType };
    } catch (err) {
      if (!closed) await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  writeBuffer(bytes: Uint8Array, maxSize = Infinity): Promise<StoredBlob> {
    return this.write([bytes], maxSize);
  }

  /** Absolute path of a blob; `name` must already be a checked stored name. */
  pathOf(name: string): string {
    if (!isStoredName(name)) throw new Error(`not a stored file name: ${name}`);
    return join(this.root, blobRelativePath(name));
  }

  /**
   * Whether the blob can be served: its fan-out directory is a real directory and the blob a regular file — neither
   * is a symlink (lstat, never stat), so nothing planted in the store can point outside it.
   */
  async inspect(name: string): Promise<'ok' | 'missing' | 'refused'> {
    try {
      const dir = await lstat(join(this.root, name.slice(0, 2)));
      if (!dir.isDirectory()) return 'refused';
      const file = await lstat(this.pathOf(name));
      return file.isFile() ? 'ok' : 'refused';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
  }

  /**
   * Deletes a blob (never following a symlink: unlink removes the link itself). With `minAgeMs`, a blob modified
   * more recently is kept: someone may be linking it right now. Returns whether something was deleted.
   */
  async remove(name: string, minAgeMs = 0): Promise<boolean> {
    const path = this.pathOf(name);
    try {
      if (minAgeMs > 0) {
        const st = await lstat(path);
        if (Date.now() - st.mtimeMs < minAgeMs) return false;
      }
      await unlink(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** The blobs on disk, one fan-out directory at a time (for the sweep of unreferenced blobs). */
  async *scan(): AsyncGenerator<{ dir: string; blobs: { name: string; mtimeMs: number; size: number }[] }> {
    let dirs: string[];
    try {
      dirs = (await readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))
        .map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const dir of dirs.sort()) {
      const blobs: { name: string; mtimeMs: number; size: number }[] = [];
      for (const entry of await readdir(join(this.root, dir), { withFileTypes: true }).catch(() => [])) {
        if (!isStoredName(entry.name) || !entry.name.startsWith(dir)) continue;
        const st = await lstat(join(this.root, dir, entry.name)).catch(() => null);
        if (st) blobs.push({ name: entry.name, mtimeMs: st.mtimeMs, size: st.size });
      }
      if (blobs.length) yield { dir, blobs };
    }
  }

  /** Deletes temp files left by writes that never finished (a crash mid-download). */
  async removeStaleTemps(olderThanMs = BLOB_GRACE_MS): Promise<number> {
    let removed = 0;
    const entries = await readdir(this.root).catch(() => [] as string[]);
    for (const name of entries) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const path = join(this.root, name);
      const st = await lstat(path).catch(() => null);
      if (
        st &&
        Date.now() - st.mtimeMs >= olderThanMs &&
        (await unlink(path)
          .then(() => true)
          .catch(() => false))
      )
        removed++;
    }
    return removed;
  }
}

export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const)
    if (n >= size) return `${Math.round((n / size) * 10) / 10} ${unit}`;
  return `${n} bytes`;
}
