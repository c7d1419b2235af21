import { parseJsonBigSafe, stringifyJson } from '../common/bigint-json';
import { outboundRequest, OutboundResponse, readCapped } from '../net/outbound-http';
import { LookupFunction, OutboundPolicy, OutboundRefusedError } from '../net/outbound-url-policy';
import { checkGeweUrl, joinUrl } from './base-url';
import { CallOptions, GeweCaller } from './gewe-caller';
import { GeweApiError, GeweTransportError } from './gewe.errors';
import { ContactApi } from './modules/contact.api';
import { GroupApi } from './modules/group.api';
import { LoginApi } from './modules/login.api';
import { MessageApi } from './modules/message.api';
import { PersonalApi } from './modules/personal.api';

export interface GeweClientOptions {
  baseUrl: string;
  token: string;
  appId?: string | null;
  isGewe: boolean;
  /** Default timeout of a call. */
  timeoutMs: number;
  /** Largest response body accepted; bigger answers are cut off and reported. */
  maxResponseBytes: number;
  /** Told about every call (endpoint, duration, outcome) — never the body or the token. */
  onCall?: (event: GeweCallEvent) => void;
  /** Which addresses may be called; defaults to the policy in force (backend.allow_link_local_targets). */
  outboundPolicy?: OutboundPolicy;
  /** Replaces DNS resolution (tests). */
  resolve?: LookupFunction;
}

export interface GeweCallEvent {
  endpoint: string;
  durationMs: number;
  outcome: 'ok' | 'api_error' | 'transport_error';
  ret?: number | null;
  error?: string;
}

interface Envelope {
  ret?: unknown;
  msg?: unknown;
  data?: unknown;
}

/**
 * A typed client for one robot on one Gewe endpoint. Every call is POST JSON with X-GEWE-TOKEN, an explicit timeout,
 * no redirects, a response size cap and a bigint-safe parse; success is `ret == 200` only. Calls go through
 * outboundRequest, so a link-local or metadata address is refused even when a host name resolves to one.
 */
export class GeweClient implements GeweCaller {
  readonly login: LoginApi;
  readonly message: MessageApi;
  readonly contact: ContactApi;
  readonly group: GroupApi;
  readonly personal: PersonalApi;
  private currentAppId: string;

  constructor(private readonly options: GeweClientOptions) {
    const problem = checkGeweUrl(options.baseUrl);
    if (problem) throw new TypeError(problem);
    this.currentAppId = options.appId ?? '';
    this.login = new LoginApi(this);
    this.message = new MessageApi(this);
    this.contact = new ContactApi(this);
    this.group = new GroupApi(this);
    this.personal = new PersonalApi(this);
  }

  get appId(): string {
    return this.currentAppId;
  }

  /** The appId changes once, when the first login creates the device. */
  setAppId(appId: string): void {
    this.currentAppId = appId;
  }

  get isGewe(): boolean {
    return this.options.isGewe;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async call<T>(endpoint: string, body: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<T> {
    const started = performance.now();
    const payload = opts.withAppId === false ? body : { appId: this.currentAppId, ...body };
    const report = (e: Omit<GeweCallEvent, 'endpoint' | 'durationMs'>) =>
      this.options.onCall?.({ endpoint, durationMs: performance.now() - started, ...e });
    let envelope: Envelope;
    try {
      envelope = await this.#post(endpoint, payload, opts.timeoutMs ?? this.options.timeoutMs);
    } catch (err) {
      report({ outcome: 'transport_error', error: (err as Error).message });
      throw err;
    }
    const ret = typeof envelope.ret === 'number' ? envelope.ret : Number(envelope.ret);
    if (ret !== 200) {
      const msg = typeof envelope.msg === 'string' ? envelope.msg : null;
      const inner = (envelope.data as { msg?: unknown } | null | undefined)?.msg;
      const reason = (typeof inner === 'string' && inner) || msg || 'no reason given';
      report({ outcome: 'api_error', ret: Number.isFinite(ret) ? ret : null });
      throw new GeweApiError(endpoint, Number.isFinite(ret) ? ret : null, msg, reason, envelope.data);
    }
    report({ outcome: 'ok', ret });
    return envelope.data as T;
  }

  async #post(endpoint: string, payload: Record<string, unknown>, timeoutMs: number): Promise<Envelope> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.token) headers['x-gewe-token'] = this.options.token;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: OutboundResponse;
    try {
      res = await outboundRequest(joinUrl(this.options.baseUrl, endpoint), {
        method: 'POST',
        headers,
        body: stringifyJson(payload),
        redirect: 'manual',
        signal,
        policy: this.options.outboundPolicy,
        resolve: this.options.resolve,
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.name === 'TimeoutError' || e.name === 'AbortError')
        throw new GeweTransportError(endpoint, 'timeout', `no answer within ${timeoutMs} ms`);
      if (e instanceof OutboundRefusedError)
        throw new GeweTransportError(endpoint, 'refused', `refused to connect: ${e.message}`);
      const detail = this.#redactToken(e.code ?? e.message);
      throw new GeweTransportError(endpoint, 'unreachable', `cannot reach Gewe (${detail})`);
    }
    if (res.status >= 300 && res.status < 400) {
      res.body.destroy();
      throw new GeweTransportError(
        endpoint,
        'redirect',
        `answered a redirect (${res.status}); redirects are not followed`,
      );
    }
    let text: string;
    try {
      text = await readCapped(res.body, this.options.maxResponseBytes, () => new ResponseTooLarge());
    } catch (err) {
      if (err instanceof ResponseTooLarge)
        throw new GeweTransportError(
          endpoint,
          'too_large',
          `response larger than ${this.options.maxResponseBytes} bytes`,
        );
      const e = err as Error;
      if (e.name === 'TimeoutError' || e.name === 'AbortError')
        throw new GeweTransportError(endpoint, 'timeout', `no answer within ${timeoutMs} ms`);
      throw new GeweTransportError(endpoint, 'unreachable', `connection lost while reading (${e.message})`);
    }
    if (res.status < 200 || res.status >= 300)
      throw new GeweTransportError(endpoint, 'http', `HTTP ${res.status}: ${text.slice(0, 200)}`);
    let parsed: unknown;
    try {
      parsed = parseJsonBigSafe(text);
    } catch {
      throw new GeweTransportError(endpoint, 'malformed', `answered something that is not JSON: ${text.slice(0, 120)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('ret' in parsed))
      throw new GeweTransportError(endpoint, 'malformed', 'answered JSON without the {ret, msg, data} envelope');
    return parsed;
  }

  /** fetch quotes an invalid header value in its error ("Headers.append: \"…\" is an invalid header value"). */
  #redactToken(text: string): string {
    let out = text;
    for (const t of [this.options.token, this.options.token.trim()]) if (t) out = out.split(t).join('[token]');
    return out;
  }
}

class ResponseTooLarge extends Error {}
