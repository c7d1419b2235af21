/** What an API module needs from its client: one call, the robot's appId, and the Gewe flavour. */
export interface CallOptions {
  /** Per-call timeout; long-running endpoints (contact list fetch) need more than the default. */
  timeoutMs?: number;
  /** Add the client's `appId` to the body (default true; getTokenId, setCallback and deviceList take none). */
  withAppId?: boolean;
}

export interface GeweCaller {
  /** POSTs `body` (plus appId) to `endpoint`; resolves with `data` when `ret == 200`, else throws GeweApiError. */
  call<T>(endpoint: string, body?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  readonly appId: string;
  /** true: paid GeWeAPI; false: self-hosted Gewechat. */
  readonly isGewe: boolean;
}

/** Gewe wants several list parameters as one comma-separated string (ats, wxids of invite/remove, labelIds). */
export function commaList(value: string | readonly string[]): string {
  return (typeof value === 'string' ? value.split(',') : [...value])
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',');
}
