import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import { codeText, currentLang, fieldText } from '../i18n';

/** Types of the service's API, generated from its OpenAPI document (npm run web:api in the repository root). */
export type Schemas = components['schemas'];
export type Robot = Schemas['RobotResponseDto'];
export type RobotStatus = Schemas['RobotStatusResponseDto'];
export type RobotStatusName = RobotStatus['status'];
export type User = Schemas['UserResponseDto'];
export type ApiError = Schemas['ErrorResponseDto'];
export type RobotStatusEvent = Schemas['RobotStatusEventDto'];
export type MessageEvent = Schemas['MessageEventDto'];
export type PluginFailureEvent = Schemas['PluginFailureEventDto'];
export type QueueDepthEvent = Schemas['QueueDepthEventDto'];
export type LogEvent = Schemas['LogEventDto'];
export type LogLevel = LogEvent['level'];
export type AlertEvent = Schemas['AlertEventDto'];

/**
 * The tokens live in localStorage, and nothing else secret does: the access token (short-lived JWT) and the refresh
 * token (single use, rotated at each refresh).
 */
const ACCESS = 'og.accessToken';
const REFRESH = 'og.refreshToken';

export const tokens = {
  get access(): string | null {
    return localStorage.getItem(ACCESS);
  },
  get refresh(): string | null {
    return localStorage.getItem(REFRESH);
  },
  set(access: string, refresh: string): void {
    localStorage.setItem(ACCESS, access);
    localStorage.setItem(REFRESH, refresh);
    notify();
  },
  clear(): void {
    localStorage.removeItem(ACCESS);
    localStorage.removeItem(REFRESH);
    notify();
  },
};

const listeners = new Set<() => void>();
function notify(): void {
  for (const l of listeners) l();
}
/** Called whenever the tokens change (login, refresh, logout, or a refresh that failed). */
export function onTokensChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh token for new tokens, once at a time however many requests got a 401. */
export function refreshTokens(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = tokens.refresh;
    if (!refreshToken) return false;
    try {
      const res = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-OpenGewe-Client': 'console' },
        body: JSON.stringify({ refreshToken }),
      });
      // too many refreshes from this address (REFRESH_RATE_LIMITED): the refresh token was not spent, keep it
      if (res.status === 429) return false;
      if (!res.ok) {
        // another tab may have rotated it meanwhile: only give up if the stored one is still ours
        if (tokens.refresh === refreshToken) tokens.clear();
        return tokens.refresh !== null;
      }
      const body = (await res.json()) as Schemas['TokenResponseDto'];
      tokens.set(body.accessToken, body.refreshToken);
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

const NO_RETRY = ['/api/auth/login', '/api/auth/refresh'];

/** fetch with the access token; a 401 triggers one refresh and one retry. */
async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = (req: Request) => {
    const token = tokens.access;
    if (token) req.headers.set('Authorization', `Bearer ${token}`);
    // marks the console's own calls in the access log (the live log can hide them)
    req.headers.set('X-OpenGewe-Client', 'console');
    return fetch(req);
  };
  const res = await send(input);
  if (res.status !== 401 || NO_RETRY.includes(new URL(input.url).pathname)) return res;
  if (!(await refreshTokens())) return res;
  return send(retry);
}

export const api = createClient<paths>({ baseUrl: window.location.origin, fetch: authFetch });

/**
 * The console's words for an error body, in the language chosen: per field for a validation failure (each message
 * starts with the field's path, as the forms expect), else the text of its code. Upstream text an admin may see (a
 * Gewe `reason`) follows the code's text.
 */
export function errorTexts(body: Partial<ApiError> | undefined, status: number): string[] {
  const lang = currentLang();
  if (body?.errors?.length) return body.errors.map((e) => fieldText(lang, e.code, e.params));
  // the problems of each setting, by name (the Settings screen puts them under their field)
  if (body?.code === 'INVALID_SETTING' && typeof body.params?.problems === 'string')
    return body.params.problems.split(/;\s*(?=settings\.)/);
  if (!body?.code) return [codeText(lang, status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`, {})];
  const text = codeText(lang, body.code, body.params);
  const reason = body.params?.reason;
  const colon = lang === 'zh' ? '：' : ': ';
  return [typeof reason === 'string' && reason && !text.includes(reason) ? `${text}${colon}${reason}` : text];
}

/** An error answer of the API: its status, code and messages (a list of field errors stays a list). */
export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly messages: string[],
    /** The field errors of a validation failure as the API gave them (field path, constraint, params). */
    readonly fields: Schemas['FieldErrorDto'][] = [],
  ) {
    super(message);
  }
}

/** Unwraps an openapi-fetch result: the data, or throws an ApiCallError with the API's message. */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof p>;
  try {
    result = await p;
  } catch {
    // the service could not be reached (fetch failed): the console's words, not the browser's
    const text = codeText(currentLang(), 'network', {});
    throw new ApiCallError(text, 0, 'NETWORK', [text]);
  }
  const { data, error, response } = result;
  if (error !== undefined || !response.ok) {
    const e = error as Partial<ApiError> | undefined;
    // the console's own words for the code, never the API's English message
    const messages = errorTexts(e && typeof e === 'object' ? e : undefined, response.status);
    throw new ApiCallError(
      messages.join(currentLang() === 'zh' ? '；' : '; '),
      response.status,
      e?.code,
      messages,
      Array.isArray(e?.errors) ? e.errors : [],
    );
  }
  return data as T;
}
