import { createHmac } from 'node:crypto';
import { networkInterfaces } from 'node:os';

/**
 * The key in a robot's callback URL. Gewe registers one callback URL per token, so the key is derived from the token
 * (HMAC with the service's secret key): robots sharing a token share a URL, and nobody can guess it without the
 * secret. Changing `backend.secret_key` changes every key — the callback URLs must then be registered again.
 */
export function webhookKey(secretKey: string, token: string): string {
  return createHmac('sha256', secretKey).update(`opengewe-webhook:${token}`).digest('base64url').slice(0, 32);
}

export function withKey(webhookBase: string, key: string): string {
  return `${webhookBase}${webhookBase.includes('?') ? '&' : '?'}key=${key}`;
}

/**
 * Where Gewe should POST when `gewe.callback_url` is not set: this machine's first LAN address (a Gewechat container
 * cannot reach 127.0.0.1 on the host), falling back to loopback.
 */
export function guessWebhookBase(port: number): string {
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? [])
      if (a.family === 'IPv4' && !a.internal) return `http://${a.address}:${port}/api/webhook`;
  return `http://127.0.0.1:${port}/api/webhook`;
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h.startsWith('127.') || h === '[::1]';
  } catch {
    return false;
  }
}
