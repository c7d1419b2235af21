import { randomBytes } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { UserEntity } from './user.entity';

export interface FirstAdminResult {
  created: boolean;
  username?: string;
  /** Set only when the password was generated (it must be shown to the operator once). */
  generatedPassword?: string;
}

/**
 * With no users at all, creates an admin: OPENGEWE_ADMIN_USERNAME / OPENGEWE_ADMIN_PASSWORD, or "admin" with a random
 * password returned for the caller to print once. Never a fixed default password. Shared by start-up and init-db.
 */
export async function ensureFirstAdmin(
  users: Repository<UserEntity>,
  hash: (password: string) => Promise<string>,
  env: NodeJS.ProcessEnv,
): Promise<FirstAdminResult> {
  if ((await users.count()) > 0) return { created: false };
  const username = env.OPENGEWE_ADMIN_USERNAME?.trim() || 'admin';
  const given = env.OPENGEWE_ADMIN_PASSWORD;
  if (!/^[\w.@-]{3,50}$/.test(username))
    throw new Error('OPENGEWE_ADMIN_USERNAME must be 3-50 letters, digits, or . _ @ -');
  if (given !== undefined && (given.length < 8 || Buffer.byteLength(given) > 72))
    throw new Error('OPENGEWE_ADMIN_PASSWORD must be 8 characters to 72 bytes long');
  const password = given ?? randomBytes(12).toString('base64url');
  await users.insert({
    username,
    email: null,
    passwordHash: await hash(password),
    isActive: true,
    isAdmin: true,
    lastLoginAt: null,
  });
  return { created: true, username, ...(given === undefined ? { generatedPassword: password } : {}) };
}

export function firstAdminBanner(username: string, password: string): string {
  return (
    `\n==================================================================\n` +
    `  First admin created. Log in and change this password now:\n` +
    `    username: ${username}\n    password: ${password}\n` +
    `  (shown once; set OPENGEWE_ADMIN_PASSWORD to choose it instead)\n` +
    `==================================================================\n\n`
  );
}
