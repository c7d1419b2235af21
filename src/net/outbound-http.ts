import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  checkOutboundUrl,
  isRefusedHost,
  LookupFunction,
  outboundLookup,
  OutboundPolicy,
  OutboundRefusedError,
} from './outbound-url-policy';

export interface OutboundRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts the request and the body; the error is the signal's reason (a TimeoutError for AbortSignal.timeout). */
  signal?: AbortSignal;
  /** 'manual' (default): a 3xx is answered as it is. 'follow': up to 5 redirects, each target checked again. */
  redirect?: 'manual' | 'follow';
  /** Defaults to the policy in force (outboundPolicy()). */
  policy?: OutboundPolicy;
  /** Replaces DNS resolution (tests); the policy still applies to what it returns. */
  resolve?: LookupFunction;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as a stream; read it, or destroy it. */
  body: IncomingMessage;
  /** The URL that answered (after redirects). */
  url: string;
}

const MAX_REDIRECTS = 5;

/**
 * The HTTP client for every URL the server calls on a user's say-so (Gewe, media downloads, alert webhooks): the
 * outbound policy is checked on the URL (an IP literal never reaches DNS) and on every address the host name resolves
 * to, at connect time — so DNS rebinding cannot reach a refused address either. Rejections are an
 * OutboundRefusedError (code EOUTBOUNDREFUSED), the signal's reason, or a system error (ECONNREFUSED…).
 */
export async function outboundRequest(url: string, o: OutboundRequestOptions = {}): Promise<OutboundResponse> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const res = await once(target, o);
    const location = res.headers.location;
    if (o.redirect !== 'follow' || res.status < 300 || res.status >= 400 || !location) return res;
    res.body.resume();
    if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, target).toString();
    const problem = checkOutboundUrl(next, 'redirect', o.policy);
    if (problem) {
      const host = safeHost(next);
      throw host && isRefusedHost(host, o.policy) ? new OutboundRefusedError(host) : new Error(problem);
    }
    target = next;
  }
}

function once(target: string, o: OutboundRequestOptions): Promise<OutboundResponse> {
  const url = new URL(target);
  if (isRefusedHost(url.hostname, o.policy)) return Promise.reject(new OutboundRefusedError(url.hostname));
  const signal = o.signal;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
  if (!send) return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
  return new Promise<OutboundResponse>((resolve, reject) => {
    const req = send(url, {
      method: o.method ?? 'GET',
      headers: {
        ...o.headers,
        ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}),
      },
      lookup: outboundLookup(o.policy, o.resolve),
    });
    let body: IncomingMessage | null = null;
    const abort = () => {
      const reason = signal!.reason as Error;
      req.destroy(reason);
      body?.destroy(reason);
      reject(reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
    const done = () => signal?.removeEventListener('abort', abort);
    req.on('error', (err) => {
      done();
      reject(err);
    });
    req.on('response', (res) => {
      body = res;
      res.on('close', done);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: target });
    });
    req.end(o.body);
  });
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** The response body as a string, refused past `max` bytes (declared or read); `onTooLarge` makes the error. */
export async function readCapped(body: IncomingMessage, max: number, onTooLarge: () => Error): Promise<string> {
  const declared = Number(body.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    body.destroy();
    throw onTooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    total += b.byteLength;
    if (total > max) {
      body.destroy();
      throw onTooLarge();
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
