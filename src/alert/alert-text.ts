import type { MessageParams, NoticeCode } from '../common/message-codes';
import { reasonMessage } from '../robot/robot-reason';

/** The language of the texts the service writes for people outside the console (alerts): `backend.language`. */
export type Language = 'zh' | 'en';

type AlertCode = Extract<NoticeCode, `ALERT_${string}`>;

/**
 * The alerts' texts in both languages, by code (message-codes.ts); `{name}` is filled from the params. The console
 * has its own copy of the same texts (web/src/locales/codes.ts).
 */
export const ALERT_TEXTS: Record<Language, Record<AlertCode, string>> = {
  zh: {
    ALERT_ROBOT_OFFLINE: '机器人「{robot}」处于「{status}」状态已 {minutes} 分钟以上{reason}',
    ALERT_LOGIN_NEEDS_CAPTCHA: '机器人「{robot}」：登录在等待手机上显示的安全验证码',
    ALERT_LOGIN_EXPIRED: '机器人「{robot}」：扫码登录已过期，请重新发起登录并扫码',
    ALERT_ROBOT_SILENT: '机器人「{robot}」在线，但已 {minutes} 分钟没有收到回调：请检查在 Gewe 注册的回调地址',
    ALERT_PLUGIN_DISABLED: '插件 {plugin} 已被自动停用：{reason}',
    ALERT_FAILED_JOBS: '{failed} 条回调处理失败（超过 {threshold} 条）：请查看“失败任务”',
    ALERT_QUEUE_DEPTH: '{depth} 条回调在排队（超过 {threshold} 条）：处理跟不上',
    ALERT_GEWE_ERRORS: '最近 {minutes} 分钟内 {percent}% 的 Gewe 调用失败（{calls} 次中 {errors} 次）',
    ALERT_TEST: '{actor} 发送的测试告警',
  },
  en: {
    ALERT_ROBOT_OFFLINE: 'Robot {robotId} "{robot}" is {status} (for {minutes} min or more){reason}',
    ALERT_LOGIN_NEEDS_CAPTCHA: 'Robot {robotId} "{robot}": the login waits for the security code shown on the phone',
    ALERT_LOGIN_EXPIRED: 'Robot {robotId} "{robot}": the QR login expired; start a new login and scan it',
    ALERT_ROBOT_SILENT:
      'Robot {robotId} "{robot}" is online but received no callback for {minutes} min: check the callback URL registered with Gewe',
    ALERT_PLUGIN_DISABLED: 'Plugin {plugin} was {reason}',
    ALERT_FAILED_JOBS: '{failed} callbacks are failed jobs (more than {threshold}): see GET /api/queue/failed',
    ALERT_QUEUE_DEPTH: '{depth} callbacks are queued (more than {threshold}): processing falls behind',
    ALERT_GEWE_ERRORS: '{percent}% of Gewe calls failed in the last {minutes} min ({errors} of {calls})',
    ALERT_TEST: 'Test alert sent by {actor}',
  },
};

/** The frame of a WeChat alert message. */
export const ALERT_FRAME: Record<Language, Record<string, string>> = {
  zh: {
    test: '[OpenGewe] 测试告警：这个通道可用（{at}）。',
    firing: '{n} 条告警',
    resolved: '{n} 条已恢复',
    resolvedLine: '✅ 已恢复 {rule}：{summary}',
    firingLine: '🔴 {severity} {rule}：{summary}',
    more: '…还有 {n} 条（GET /api/alerts）',
    critical: '严重',
    warning: '警告',
    info: '提示',
  },
  en: {
    test: '[OpenGewe] Test alert: this channel works ({at}).',
    firing: '{n} firing',
    resolved: '{n} resolved',
    resolvedLine: '✅ RESOLVED {rule}: {summary}',
    firingLine: '🔴 {severity} {rule}: {summary}',
    more: '…and {n} more (GET /api/alerts)',
    critical: 'CRITICAL',
    warning: 'WARNING',
    info: 'INFO',
  },
};

const ZH_STATUS: Record<string, string> = {
  offline: '离线',
  error: '出错',
  expired: '二维码已过期',
  logged_out: '已退出',
  reconnecting: '重连中',
  need_captcha: '需要验证码',
};

/**
 * A robot's reason (RobotLiveState.reason: the English phrase, read back as a code by reasonMessage) in Chinese, as
 * the console words it (web/src/locales/codes.ts); Gewe's own answer stays as it came.
 */
const ZH_REASONS: Partial<Record<NoticeCode, string>> = {
  GEWE_TIMEOUT: 'Gewe 没有及时响应（{endpoint}）',
  GEWE_UNREACHABLE: '连不上 Gewe（{endpoint}）',
  GEWE_BAD_RESPONSE: 'Gewe 返回的不是有效的 Gewe 响应（{endpoint}）',
  GEWE_TARGET_REFUSED: '机器人的 Gewe 地址是本机链路或云元数据地址，服务不会访问它',
  CAPTCHA_REQUIRED: 'Gewe 需要手机上显示的安全验证码',
  CAPTCHA_REJECTED: '验证码不正确，请输入新的验证码',
  CAPTCHA_CHECKING: '已收到验证码，正在核对',
  LOGIN_INTERRUPTED: '登录被服务重启打断，请重新发起',
  GEWE_REPORTS_OFFLINE: 'Gewe 报告账号已离线',
  OFFLINE_CALLBACK: 'Gewe 发来了掉线通知',
  HEALTH_CHECK_FAILED: '健康检查失败：{cause}',
  RECONNECT_FAILED: '{cause}；重连 {attempts} 次都失败了：请重新扫码登录',
  GEWE_ERROR: 'Gewe 返回：{reason}',
};

/** The reason text in Chinese (see ZH_REASONS); what is not a known reason comes back as it is. */
export function zhReason(reason: string): string {
  const m = reasonMessage(reason);
  const text = m && ZH_REASONS[m.code];
  if (!m || !text) return reason;
  const p: MessageParams = { ...m.params };
  const cause = typeof p.cause === 'string' ? ZH_REASONS[p.cause as NoticeCode] : undefined;
  p.cause = cause ? fill(cause, p) : String(p.reason ?? '');
  return fill(text, p);
}

export const fill = (text: string, params: MessageParams): string =>
  text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));

/** An alert's summary in the language; `fallback` (the stored English text) when the code is not an alert's. */
export function alertSummary(lang: Language, code: unknown, params: MessageParams | null, fallback: string): string {
  const texts = ALERT_TEXTS[lang] as Record<string, string>;
  if (typeof code !== 'string' || !texts[code]) return fallback;
  const p = { ...(params ?? {}) };
  // the robot_offline reason is optional: ": <reason>" only when there is one
  if (lang === 'zh' && typeof p.status === 'string') p.status = ZH_STATUS[p.status] ?? p.status;
  if (code === 'ALERT_ROBOT_OFFLINE')
    p.reason = p.reason ? (lang === 'zh' ? `：${zhReason(String(p.reason))}` : `: ${p.reason}`) : '';
  return fill(texts[code], p);
}
