import { createHmac, randomBytes, randomUUID } from 'node:crypto';

/** The prefix of a Standard Webhooks secret; the rest is the key, base64. */
export const SECRET_PREFIX = 'whsec_';

/** A new secret: `whsec_` and 24 random bytes in base64 (the specification asks for 24 to 64 bytes). */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** A new message id (the `webhook-id` header), unique per event and kept across its tries and replays. */
export function newEventId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

/** The key a secret stands for: the base64 after `whsec_`. */
function keyOf(secret: string): Buffer {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(b64, 'base64');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The headers of one delivery per the Standard Webhooks specification: `webhook-signature` is `v1,` and the base64
 * HMAC-SHA256 of `<id>.<timestamp>.<body>`, keyed by the secret's decoded key; the timestamp is Unix seconds.
 */
export function signDelivery(secret: string, id: string, timestamp: Date, body: string): SignedHeaders {
  const seconds = Math.floor(timestamp.getTime() / 1000);
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${seconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(seconds), 'webhook-signature': `v1,${mac}` };
}
