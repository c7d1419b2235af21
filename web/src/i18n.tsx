import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

import { interpolate } from './interpolate';
import * as account from './locales/account';
import * as alerts from './locales/alerts';
import * as audit from './locales/audit';
import * as chats from './locales/chats';
import * as codes from './locales/codes';
import * as contacts from './locales/contacts';
import * as files from './locales/files';
import * as jobs from './locales/jobs';
import * as logs from './locales/logs';
import * as messages from './locales/messages';
import * as onebot from './locales/onebot';
import * as outboundWebhooks from './locales/outbound-webhooks';
import * as plugins from './locales/plugins';
import * as relations from './locales/relations';
import * as robotDetail from './locales/robot-detail';
import * as robotDialogs from './locales/robot-dialogs';
import * as webhook from './locales/webhook';
import * as conversations from './locales/conversations';
import * as schemaForm from './locales/schema-form';
import * as settings from './locales/settings';
import * as tokens from './locales/tokens';
import * as users from './locales/users';

/**
 * Chinese by default (the operators are Chinese); English on request. Keys read as the English text's intent.
 * The strings of the first screens are here; each later screen keeps its own in web/src/locales/<screen>.ts
 * (exporting `zh` and `en`), merged below with one line each.
 */
const baseZh = {
  'app.title': 'OpenGewe 控制台',
  'app.skip': '跳到主要内容',
  'nav.dashboard': '概览',
  'nav.robots': '机器人',
  'nav.main': '主导航',
  'nav.menu': '菜单',
  'lang.switch': 'English',
  'lang.label': '切换语言',
  'user.logout': '退出登录',
  'live.on': '实时连接',
  'live.off': '实时连接已断开，正在重连…',
  'login.title': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.busy': '正在登录…',
  'login.failed': '登录失败',
  'login.hint': '首次启动时，管理员账号和随机密码会打印在服务的控制台输出中。',
  'common.loading': '加载中…',
  'common.retry': '重试',
  'common.cancel': '取消',
  'common.close': '关闭',
  'common.save': '保存',
  'common.delete': '删除',
  'common.copy': '复制',
  'common.copied': '已复制',
  'common.none': '无',
  'common.error': '出错了',
  'dash.robots': '机器人',
  'dash.online': '在线',
  'dash.offline': '不在线',
  'dash.total': '共 {n} 个',
  'dash.queue': '回调队列',
  'dash.waiting': '等待',
  'dash.active': '处理中',
  'dash.delayed': '等待重试',
  'dash.failed': '失败',
  'dash.plugins': '插件',
  'dash.pluginsOk': '{n} 个插件均正常',
  'dash.noPlugins': 'plugins 目录里没有插件',
  'dash.pluginErrors': '有问题的插件',
  'dash.messages': '本页打开后收到的消息',
  'dash.noMessages': '还没有新消息',
  'dash.startTitle': '从这里开始',
  'dash.startText': '还没有机器人：添加一个，扫码登录后它就能收发消息。',
  'dash.startAdd': '添加第一个机器人',
  'dash.startFake':
    '手边还没有 Gewe？先用自带的模拟 Gewe 试用：在仓库目录运行 {cmd}，用它打印的地址和 Token 添加机器人（步骤见 README）。',
  'robots.title': '机器人',
  'robots.add': '添加机器人',
  'robots.empty': '还没有机器人。添加一个，然后扫码登录。',
  'robots.name': '名称',
  'robots.status': '状态',
  'robots.account': '微信账号',
  'robots.appId': '设备 appId',
  'robots.callbackUrl': '回调地址',
  'robots.callbackKeyHidden': '密钥已隐藏：只有可以修改机器人的用户才能看到完整的回调地址。',
  'robots.actions': '操作',
  'robots.login': '扫码登录',
  'robots.logout': '退出微信',
  'robots.confirmDelete': '确定删除机器人「{name}」吗？微信账号在 Gewe 上仍保持登录。',
  'robots.confirmLogout': '确定让机器人「{name}」退出微信吗？',
  'robots.callbackWarning': '回调地址提示',
  'create.title': '添加机器人',
  'create.name': '名称',
  'create.baseUrl': 'Gewe API 地址',
  'create.baseUrlHint': '例如 http://192.168.1.10:2531/v2/api；留空则用系统设置 gewe.base_url',
  'create.token': 'Gewe Token',
  'create.tokenHint': '留空则用系统设置 gewe.token',
  'create.isGewe': '付费版 GeWeAPI（不勾选：自建 Gewechat）',
  'create.verify': '保存前测试连接（用 Token 请求 Gewe）',
  'create.submit': '测试并保存',
  'create.submitNoVerify': '保存',
  'create.busy': '正在连接 Gewe…',
  'qr.title': '扫码登录：{name}',
  'qr.starting': '正在获取二维码…',
  'qr.alt': '微信登录二维码',
  'qr.expiresIn': '{s} 秒后过期',
  'qr.captcha': '安全验证码',
  'qr.captchaHint': '手机上显示的验证码',
  'qr.captchaSubmit': '提交验证码',
  'qr.again': '重新获取二维码',
  'qr.onlineAs': '已登录：{name}',
  'qr.callbackManual': '付费版 GeWeAPI：请把下面的回调地址粘贴到 GeWeAPI 控制台。',
  'qr.callbackFailed': '回调地址注册失败：{error}',
  'status.offline': '离线',
  'status.awaiting_scan': '等待扫码',
  'status.scanned': '已扫码，请在手机上确认',
  'status.need_captcha': '需要验证码',
  'status.online': '在线',
  'status.reconnecting': '重连中',
  'status.expired': '二维码已过期',
  'status.error': '出错',
  'status.logged_out': '已退出',
} as const;

const baseEn: Record<keyof typeof baseZh, string> = {
  'app.title': 'OpenGewe Console',
  'app.skip': 'Skip to main content',
  'nav.dashboard': 'Dashboard',
  'nav.robots': 'Robots',
  'nav.main': 'Main navigation',
  'nav.menu': 'Menu',
  'lang.switch': '中文',
  'lang.label': 'Switch language',
  'user.logout': 'Log out',
  'live.on': 'Live',
  'live.off': 'Live updates lost, reconnecting…',
  'login.title': 'Log in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.busy': 'Logging in…',
  'login.failed': 'Login failed',
  'login.hint': 'At first start, the admin username and a random password are printed on the service console.',
  'common.loading': 'Loading…',
  'common.retry': 'Retry',
  'common.cancel': 'Cancel',
  'common.close': 'Close',
  'common.save': 'Save',
  'common.delete': 'Delete',
  'common.copy': 'Copy',
  'common.copied': 'Copied',
  'common.none': 'None',
  'common.error': 'Something went wrong',
  'dash.robots': 'Robots',
  'dash.online': 'Online',
  'dash.offline': 'Not online',
  'dash.total': '{n} in all',
  'dash.queue': 'Callback queue',
  'dash.waiting': 'Waiting',
  'dash.active': 'Active',
  'dash.delayed': 'Retrying',
  'dash.failed': 'Failed',
  'dash.plugins': 'Plugins',
  'dash.pluginsOk': '{n:The plugin is|All # plugins are} fine',
  'dash.noPlugins': 'No plugins in the plugins folder',
  'dash.pluginErrors': 'Plugins with problems',
  'dash.messages': 'Messages since this page opened',
  'dash.noMessages': 'No new messages yet',
  'dash.startTitle': 'Start here',
  'dash.startText': 'No robot yet: add one and log it in with the QR code, and it receives and sends messages.',
  'dash.startAdd': 'Add your first robot',
  'dash.startFake':
    'No Gewe at hand? Try the fake Gewe that comes with the service: run {cmd} in the repository and add a robot with the base URL and token it prints (the README walks through it).',
  'robots.title': 'Robots',
  'robots.add': 'Add a robot',
  'robots.empty': 'No robots yet. Add one, then log it in with the QR code.',
  'robots.name': 'Name',
  'robots.status': 'Status',
  'robots.account': 'WeChat account',
  'robots.appId': 'Device appId',
  'robots.callbackUrl': 'Callback URL',
  'robots.callbackKeyHidden': 'Key hidden: only those who may change robots see the full callback URL.',
  'robots.actions': 'Actions',
  'robots.login': 'QR login',
  'robots.logout': 'Log out of WeChat',
  'robots.confirmDelete': 'Delete robot “{name}”? The WeChat account stays logged in on Gewe.',
  'robots.confirmLogout': 'Log robot “{name}” out of WeChat?',
  'robots.callbackWarning': 'About the callback URL',
  'create.title': 'Add a robot',
  'create.name': 'Name',
  'create.baseUrl': 'Gewe API base URL',
  'create.baseUrlHint': 'e.g. http://192.168.1.10:2531/v2/api; empty: the gewe.base_url setting',
  'create.token': 'Gewe token',
  'create.tokenHint': 'Empty: the gewe.token setting',
  'create.isGewe': 'Paid GeWeAPI (unchecked: self-hosted Gewechat)',
  'create.verify': 'Test the connection before saving (asks Gewe with the token)',
  'create.submit': 'Test and save',
  'create.submitNoVerify': 'Save',
  'create.busy': 'Asking Gewe…',
  'qr.title': 'QR login: {name}',
  'qr.starting': 'Getting a QR code…',
  'qr.alt': 'WeChat login QR code',
  'qr.expiresIn': 'Expires in {s} s',
  'qr.captcha': 'Security code',
  'qr.captchaHint': 'The code shown on the phone',
  'qr.captchaSubmit': 'Send the code',
  'qr.again': 'Get a new QR code',
  'qr.onlineAs': 'Logged in as {name}',
  'qr.callbackManual': 'Paid GeWeAPI: paste the callback URL below into the GeWeAPI console.',
  'qr.callbackFailed': 'Registering the callback URL failed: {error}',
  'status.offline': 'Offline',
  'status.awaiting_scan': 'Waiting for a scan',
  'status.scanned': 'Scanned, confirm on the phone',
  'status.need_captcha': 'Security code needed',
  'status.online': 'Online',
  'status.reconnecting': 'Reconnecting',
  'status.expired': 'QR code expired',
  'status.error': 'Error',
  'status.logged_out': 'Logged out',
};

const zh = {
  ...baseZh,
  ...account.zh,
  ...alerts.zh,
  ...audit.zh,
  ...chats.zh,
  ...contacts.zh,
  ...relations.zh,
  ...codes.zh,
  ...files.zh,
  ...jobs.zh,
  ...logs.zh,
  ...messages.zh,
  ...onebot.zh,
  ...plugins.zh,
  ...robotDetail.zh,
  ...robotDialogs.zh,
  ...webhook.zh,
  ...conversations.zh,
  ...schemaForm.zh,
  ...settings.zh,
  ...tokens.zh,
  ...users.zh,
  ...outboundWebhooks.zh,
};

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  ...baseEn,
  ...account.en,
  ...alerts.en,
  ...audit.en,
  ...chats.en,
  ...contacts.en,
  ...relations.en,
  ...codes.en,
  ...files.en,
  ...jobs.en,
  ...logs.en,
  ...messages.en,
  ...onebot.en,
  ...plugins.en,
  ...robotDetail.en,
  ...robotDialogs.en,
  ...webhook.en,
  ...conversations.en,
  ...schemaForm.en,
  ...settings.en,
  ...tokens.en,
  ...users.en,
  ...outboundWebhooks.en,
};

export type Lang = 'zh' | 'en';
const DICTS: Record<Lang, Record<MessageKey, string>> = { zh, en };
const LANG_KEY = 'og.lang';

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;
export type Params = Record<string, string | number>;
/** The console's text for a code of the API (src/common/message-codes.ts) with its params filled in. */
export type TranslateCode = (code: string | null | undefined, params?: Params | null) => string;

const fill = (text: string, vars?: Params | null) =>
  text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars?.[name] ?? ''));

/** The language chosen in this browser (also outside React: the API client words its errors with it). */
export function currentLang(): Lang {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
}

/**
 * The text of a code in `lang`; a code the console does not know gets a generic text naming it (never the English
 * message of the API). A `cause` param that is itself a code is worded first (a reason that wraps another).
 */
export function codeText(lang: Lang, code: string | null | undefined, params?: Params | null): string {
  const dict = DICTS[lang] as Record<string, string>;
  const p: Params = { ...(params ?? {}) };
  if (typeof p.cause === 'string' && dict[`code.${p.cause}`] !== undefined)
    p.cause = codeText(lang, p.cause, { ...p, cause: '' });
  else if (p.cause === undefined && typeof p.reason === 'string') p.cause = p.reason;
  const text = dict[`code.${code ?? ''}`];
  return text === undefined ? fill(dict['code.unknown'] ?? '', { code: code ?? '?' }) : fill(text, p);
}

/** Whether the console has a text of its own for `code` (a message code of the API). */
export function isKnownCode(code: unknown): code is string {
  return typeof code === 'string' && (DICTS.zh as Record<string, string>)[`code.${code}`] !== undefined;
}

/** One field's error of a validation failure: `field.<constraint>` (or the generic field text). */
export function fieldText(lang: Lang, code: string, params: Params): string {
  const dict = DICTS[lang] as Record<string, string>;
  return fill(dict[`field.${code}`] ?? dict['field.invalid'] ?? '', params);
}

const I18nContext = createContext<{
  lang: Lang;
  t: Translate;
  tc: TranslateCode;
  setLang: (l: Lang) => void;
} | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(currentLang);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem(LANG_KEY, l);
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
    setLangState(l);
  }, []);
  const value = useMemo(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = DICTS[lang]['app.title'];
    const t: Translate = (key, vars) => interpolate(DICTS[lang][key], vars);
    const tc: TranslateCode = (code, params) => codeText(lang, code, params);
    return { lang, t, tc, setLang };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n() {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
