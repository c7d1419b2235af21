import type { MessageParams, NoticeCode } from '../common/message-codes';

/**
 * The reasons a robot's live state gives (RobotLiveState.reason, callbackError) as codes for people. The state keeps
 * the English text (logs, API users); the responses add `reasonCode` and `reasonParams`, read back from the text by
 * the fixed phrases below, so the console shows its own words. Gewe's own answer stays a parameter.
 */
export const ROBOT_REASONS = {
  CAPTCHA_REQUIRED: 'Gewe asks for the security code shown on the phone',
  CAPTCHA_REJECTED: 'The security code was not accepted; enter the new one',
  CAPTCHA_CHECKING: 'Security code received; checking',
  LOGIN_INTERRUPTED: 'The login was interrupted by a restart; start it again',
  GEWE_REPORTS_OFFLINE: 'Gewe reports the account offline',
  OFFLINE_CALLBACK: 'Gewe sent an Offline callback',
} as const satisfies Partial<Record<NoticeCode, string>>;

/** The public texts of transport failures (gewe.errors.ts), `Gewe <endpoint>: <text>`. */
const TRANSPORT: [RegExp, NoticeCode][] = [
  [/^Gewe (\S+): Gewe did not answer in time$/, 'GEWE_TIMEOUT'],
  [/^Gewe (\S+): Gewe cannot be reached$/, 'GEWE_UNREACHABLE'],
  [/^Gewe (\S+): Gewe answered something that is not a Gewe response$/, 'GEWE_BAD_RESPONSE'],
  [/^Gewe (\S+): The robot's Gewe address is link-local/, 'GEWE_TARGET_REFUSED'],
];

export interface ReasonMessage {
  code: NoticeCode;
  params: MessageParams;
}

/** The code of a reason text (null for none); what is not a known phrase is Gewe's answer (GEWE_ERROR). */
export function reasonMessage(reason: string | null | undefined): ReasonMessage | null {
  if (!reason) return null;
  for (const [code, text] of Object.entries(ROBOT_REASONS))
    if (reason === text) return { code: code as NoticeCode, params: {} };
  const reconnect = /^(.*); reconnection failed (\d+) time\(s\): log in again with a QR code$/s.exec(reason);
  if (reconnect) return nested('RECONNECT_FAILED', reconnect[1] ?? '', { attempts: Number(reconnect[2]) });
  const health = /^Health check failed: (.*)$/s.exec(reason);
  if (health) return nested('HEALTH_CHECK_FAILED', health[1] ?? '', {});
  for (const [re, code] of TRANSPORT) {
    const m = re.exec(reason);
    if (m) return { code, params: { endpoint: m[1] ?? '' } };
  }
  return { code: 'GEWE_ERROR', params: { reason } };
}

/** A reason that wraps another: the inner one's code and params come along (`cause`, and its params). */
function nested(code: NoticeCode, inner: string, params: MessageParams): ReasonMessage {
  const cause = reasonMessage(inner);
  return { code, params: { ...params, ...(cause ? { ...cause.params, cause: cause.code } : {}), reason: inner } };
}
