import { badRequest } from '../common/domain-error';

/**
 * The only shape a stored file's name can have: `<sha256>.<ext>`, lower-case hex and a short lower-case extension.
 * Checking it first makes traversal (`..`, `/`, `\`, encoded or not), absolute paths and NUL bytes impossible before
 * anything touches the disk.
 */
export const STORED_NAME = /^[0-9a-f]{64}\.[a-z0-9]{1,8}$/;

export function isStoredName(name: string): boolean {
  return STORED_NAME.test(name);
}

/** Throws a 400 naming `filename` unless `name` is a stored file's name. */
export function assertStoredName(name: string): string {
  if (!isStoredName(name))
    throw badRequest(
      'INVALID_FILENAME',
      'filename must be a stored file name: <sha256>.<ext> (64 hex digits, a dot, 1-8 of a-z 0-9)',
    );
  return name;
}

/** `<sha[0:2]>/<name>`: the blob's path relative to the store root, built from the hash alone. */
export function blobRelativePath(name: string): string {
  return `${name.slice(0, 2)}/${name}`;
}
