import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

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

/** What the callback URL is guessed from: this machine's network interfaces, and whether it is a container. */
@Injectable()
export class HostNetwork {
  interfaces(): NodeJS.Dict<NetworkInterfaceInfo[]> {
    return networkInterfaces();
  }

  /** Docker (/.dockerenv), Podman (/run/.containerenv), systemd-nspawn and others (`container`), Kubernetes. */
  inContainer(): boolean {
    return (
      existsSync('/.dockerenv') ||
      existsSync('/run/.containerenv') ||
      Boolean(process.env.container) ||
      Boolean(process.env.KUBERNETES_SERVICE_HOST)
    );
  }
}

export interface GuessedWebhookBase {
  url: string;
  /**
   * True when the address is a container's own private address (e.g. Docker's bridge network, 172.17.0.x): only
   * other containers on the same network reach it, a Gewe elsewhere does not.
   */
  containerAddress: boolean;
}

/**
 * Where Gewe should POST when `gewe.callback_url` is not set: this machine's first LAN address (a Gewechat container
 * cannot reach 127.0.0.1 on the host), falling back to loopback.
 */
export function guessWebhookBase(
  port: number,
  host: Pick<HostNetwork, 'interfaces' | 'inContainer'>,
): GuessedWebhookBase {
  for (const addrs of Object.values(host.interfaces()))
    for (const a of addrs ?? [])
      if (a.family === 'IPv4' && !a.internal)
        return {
          url: `http://${a.address}:${port}/api/webhook`,
          containerAddress: isPrivateIPv4(a.address) && host.inContainer(),
        };
  return { url: `http://127.0.0.1:${port}/api/webhook`, containerAddress: false };
}

/** RFC 1918 and the shared address space (100.64.0.0/10) that container and cluster networks use. */
export function isPrivateIPv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  return (
    a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
  );
}

/** Why a robot's callback URL is unlikely to reach it (a stable code; the console has the text). */
export type CallbackUrlWarningCode = 'CALLBACK_KEY_SEALED' | 'CALLBACK_URL_LOOPBACK' | 'CALLBACK_URL_CONTAINER_ADDRESS';
export const CALLBACK_URL_WARNING_CODES: readonly CallbackUrlWarningCode[] = [
  'CALLBACK_KEY_SEALED',
  'CALLBACK_URL_LOOPBACK',
  'CALLBACK_URL_CONTAINER_ADDRESS',
];

export const CALLBACK_URL_WARNINGS: Record<CallbackUrlWarningCode, string> = {
  CALLBACK_KEY_SEALED:
    'The callback key was sealed with another backend.secret_key and cannot be shown: rotate it (POST /api/robots/{robot_id}/webhook/rotate) and give Gewe the new URL. The old URL keeps working.',
  CALLBACK_URL_LOOPBACK:
    'This callback URL points at loopback: Gewe (another host or container) cannot reach it. Set the gewe.callback_url setting to an address Gewe can reach.',
  CALLBACK_URL_CONTAINER_ADDRESS:
    "This callback URL was guessed from the container's private address, which Gewe outside the container network cannot reach. Set gewe.callback_url (OPENGEWE_CALLBACK_URL with docker compose) to the service's public URL.",
};

/**
 * The warning for a robot's callback URL: its key cannot be shown, it points at loopback, or it is a guessed
 * container address (only when `gewe.callback_url` is not set: a configured URL is the operator's word).
 */
export function callbackUrlWarning(
  url: string,
  o: { keyUnknown: boolean; guessedContainerAddress: boolean },
): CallbackUrlWarningCode | undefined {
  if (o.keyUnknown) return 'CALLBACK_KEY_SEALED';
  if (isLoopbackUrl(url)) return 'CALLBACK_URL_LOOPBACK';
  if (o.guessedContainerAddress) return 'CALLBACK_URL_CONTAINER_ADDRESS';
  return undefined;
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h.startsWith('127.') || h === '[::1]';
  } catch {
    return false;
  }
}
