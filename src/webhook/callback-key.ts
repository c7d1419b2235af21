import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new callback key: 24 random bytes, 32 URL-safe characters (the length of the keys derived before, see below). */
export function randomCallbackKey(): string {
  return randomBytes(24).toString('base64url');
}

/** How a key is stored and looked up: its SHA-256, hex. */
export function hashCallbackKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Whether two key hashes are the same, in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const sealKey = (secret: string) => createHash('sha256').update(`opengewe-webhook-key-seal:${secret}`).digest();

/**
 * The key encrypted (AES-256-GCM) with a key derived from `backend.secret_key`, so the callback URL can be shown
 * again; base64url of iv | tag | ciphertext.
 */
export function sealCallbackKey(secret: string, key: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secret), iv);
  const body = Buffer.concat([cipher.update(key, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The key, or null when it was sealed with another secret (or the text is damaged). */
export function unsealCallbackKey(secret: string, sealed: string): string | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
