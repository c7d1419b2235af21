import type { MessageParams, NoticeCode } from '../common/message-codes';

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

export const fill = (text: string, params: MessageParams): string =>
  text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));

/** An alert's summary in the language; `fallback` (the stored English text) when the code is not an alert's. */
export function alertSummary(lang: Language, code: unknown, params: MessageParams | null, fallback: string): string {
  const texts = ALERT_TEXTS[lang] as Record<string, string>;
  if (typeof code !== 'string' || !texts[code]) return fallback;
  const p = { ...(params ?? {}) };
  // the robot_offline reason is optional: ": <reason>" only when there is one
  if (lang === 'zh' && typeof p.status === 'string') p.status = ZH_STATUS[p.status] ?? p.status;
  if (code === 'ALERT_ROBOT_OFFLINE') p.reason = p.reason ? `${lang === 'zh' ? '：' : ': '}${p.reason}` : '';
  return fill(texts[code], p);
}
