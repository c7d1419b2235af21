/**
 * The one registry of the codes the API can answer, so the console (web/src/locales/codes.ts) and the alerts
 * (src/alert/alert-text.ts) can be checked to have a text for each in Chinese and English. Each entry names the
 * parameters its text may use (`params` of the error body or of the message).
 *
 * Pure data, no imports: the console's type check reads it too.
 */

/** `code` of the one error body (DomainError, the exception filter). */
export const ERROR_CODES = {
  // request shape
  BAD_REQUEST: [],
  VALIDATION_FAILED: [],
  MALFORMED_JSON: [],
  PAYLOAD_TOO_LARGE: [],
  UNSUPPORTED_ENCODING: [],
  JSON_TOO_DEEP: ['what', 'maxDepth'],
  FORBIDDEN_JSON_KEY: ['what', 'key', 'path'],
  INVALID_ID: ['name'],
  INVALID_FIELD: ['field', 'type'],
  INVALID_FILENAME: [],
  INVALID_EXPIRY: [],
  INVALID_SETTING: ['problems'],
  METHOD_NOT_ALLOWED: ['method', 'allow'],
  NOT_FOUND: [],
  TOO_MANY_REQUESTS: [],
  INTERNAL_ERROR: [],
  PRECONDITION_FAILED: [],
  RANGE_NOT_SATISFIABLE: [],
  // authentication and roles
  UNAUTHORIZED: [],
  FORBIDDEN: [],
  INVALID_CREDENTIALS: [],
  MISSING_TOKEN: [],
  INVALID_TOKEN: [],
  INVALID_REFRESH_TOKEN: [],
  REFRESH_TOKEN_REUSED: [],
  TOKEN_NOT_ALLOWED: [],
  INSUFFICIENT_SCOPE: ['scope'],
  ADMIN_REQUIRED: [],
  LOGIN_SLOWED_DOWN: ['retryAfter'],
  LOGIN_RATE_LIMITED: ['retryAfter'],
  REFRESH_RATE_LIMITED: ['retryAfter'],
  TOKEN_NOT_FOUND: ['id'],
  // users
  USER_NOT_FOUND: ['id'],
  CANNOT_DELETE_SELF: [],
  LAST_ADMIN: ['action'],
  USERNAME_TAKEN: ['username'],
  EMAIL_TAKEN: ['email'],
  USER_EXISTS: [],
  // robots and Gewe
  ROBOT_NOT_FOUND: ['id'],
  ROBOT_BUSY: [],
  ROBOT_NOT_ONLINE: ['id', 'status'],
  ROBOT_NOT_ALLOWED: ['id'],
  /** OneBot (or one of its transports: forward-ws, http-api) is off for the robot. */
  ONEBOT_NOT_ENABLED: ['id', 'transport'],
  TOKEN_ROBOT_LIMITED: [],
  UNKNOWN_ROBOTS: ['field', 'ids'],
  APP_ID_TAKEN: ['appId', 'robotId'],
  TOKEN_REQUIRED: [],
  TOKEN_REQUIRED_FOR_NEW_HOST: [],
  BASE_URL_REFUSED: [],
  GEWE_TOKEN_INVALID: ['reason'],
  GEWE_API_ERROR: ['endpoint', 'ret', 'reason'],
  GEWE_TIMEOUT: ['endpoint'],
  GEWE_UNREACHABLE: ['endpoint'],
  GEWE_BAD_RESPONSE: ['endpoint'],
  GEWE_TARGET_REFUSED: ['endpoint'],
  CALLBACK_MANUAL: [],
  CALLBACK_KEY_UNKNOWN: ['id'],
  NO_PENDING_LOGIN: [],
  // files, messages, queue, plugins, alerts, metrics
  FILE_NOT_FOUND: ['filename'],
  FILE_MISSING: ['filename'],
  FILE_REFUSED: ['filename'],
  // the OneBot gateway's signed media URLs (/onebot/v11/media/…)
  ONEBOT_MEDIA_NOT_FOUND: ['what'],
  ONEBOT_MEDIA_EXPIRED: [],
  ONEBOT_MEDIA_FORBIDDEN: [],
  MESSAGE_NOT_FOUND: ['id'],
  NOT_REPLAYABLE: [],
  JOB_NOT_FOUND: ['id'],
  PLUGIN_NOT_FOUND: ['name'],
  PLUGIN_LOAD_FAILED: ['name', 'error'],
  PLUGIN_CONFIG_INVALID: [],
  NO_ALERT_CHANNELS: [],
  METRICS_DISABLED: [],
  METRICS_TOKEN_INVALID: [],
  METRICS_TOKEN_MISSING: [],
  // outbound webhooks (/api/outbound-webhooks)
  OUTBOUND_WEBHOOK_NOT_FOUND: ['id'],
  OUTBOUND_URL_INVALID: ['field'],
  OUTBOUND_TARGET_REFUSED: ['field', 'host'],
  OUTBOUND_UNKNOWN_EVENT_KINDS: ['field', 'kinds'],
  OUTBOUND_WEBHOOK_INACTIVE: ['id'],
  OUTBOUND_DELIVERY_NOT_FOUND: ['id'],
  OUTBOUND_DELIVERY_NOT_DEAD: ['id', 'status'],
  // the webhook (answered to Gewe)
  WEBHOOK_UNAUTHORIZED: [],
  WEBHOOK_RATE_LIMITED: ['retryAfter'],
  EMPTY_BODY: [],
  MALFORMED_CALLBACK: [],
  APPID_MISSING: [],
  QUEUE_UNAVAILABLE: [],
  CALLBACK_TOO_LARGE: [],
  // the OneBot settings (PUT /api/robots/{robot_id}/onebot)
  ONEBOT_HEARTBEAT_TOO_SHORT: ['field', 'limit'],
  ONEBOT_TARGET_DUPLICATE: ['field', 'url'],
  // running a plugin's job now (POST /api/plugins/{plugin_name}/jobs/{job_name}/run)
  PLUGIN_JOB_NOT_FOUND: ['name', 'job'],
  PLUGIN_DISABLED: ['name'],
  PLUGIN_JOB_RUNNING: ['name', 'job'],
  // per-chat plugin settings (issue 15)
  INVALID_CHAT_ID: ['id'],
  PLUGIN_NO_CHAT_CONFIG: ['name'],
  // the directory (issue 16)
  CONTACT_NOT_FOUND: ['id', 'wxid'],
  DIRECTORY_SYNC_FAILED: [],
  // friend requests and group actions (src/relations/)
  FRIEND_REQUEST_NOT_FOUND: ['id'],
  FRIEND_REQUEST_NOT_PENDING: ['id', 'status'],
  FRIEND_REQUEST_INCOMPLETE: ['id'],
  NOT_A_GROUP: ['id'],
  GROUP_NOT_OWNER: ['id'],
  GEWE_PAID_FEATURE: ['endpoint'],
} as const satisfies Record<string, readonly string[]>;

/**
 * `code` of one field's error in a validation failure (`errors[]` of a VALIDATION_FAILED or PLUGIN_CONFIG_INVALID
 * body): the class-validator constraint (or the JSON-Schema keyword of a plugin's config). Every one has the
 * parameter `field` (its path, e.g. `settings.level`); a constraint not listed here answers `invalid`.
 */
export const FIELD_CODES = {
  invalid: [],
  notNull: [],
  whitelistValidation: [],
  isDefined: [],
  isNotEmpty: [],
  isString: [],
  isInt: [],
  isNumber: [],
  isBoolean: [],
  isArray: [],
  isObject: [],
  isEmail: [],
  isUrl: [],
  isDateString: [],
  isISO8601: [],
  isEnum: ['values'],
  isIn: ['values'],
  min: ['limit'],
  max: ['limit'],
  minLength: ['limit'],
  maxLength: ['limit'],
  arrayMinSize: ['limit'],
  arrayMaxSize: ['limit'],
  arrayUnique: [],
  matches: [],
  strongPassword: [],
  // JSON Schema (a plugin's config)
  type: ['type'],
  required: [],
  additionalProperties: [],
  enum: ['values'],
  minimum: ['limit'],
  maximum: ['limit'],
  pattern: [],
  format: ['format'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Messages that are not errors but reach the screen (and the alerts): the callback-URL warning of a robot, the
 * reason of a robot's state, a media download error stored on a file, an alert's summary.
 */
export const NOTICE_CODES = {
  // robots (callbackUrlWarningCode; reasonCode and callbackErrorCode, see robot-reason.ts)
  CALLBACK_KEY_SEALED: [],
  CALLBACK_URL_LOOPBACK: [],
  CALLBACK_URL_CONTAINER_ADDRESS: [],
  CAPTCHA_REQUIRED: [],
  CAPTCHA_REJECTED: [],
  CAPTCHA_CHECKING: [],
  LOGIN_INTERRUPTED: [],
  GEWE_REPORTS_OFFLINE: [],
  OFFLINE_CALLBACK: [],
  HEALTH_CHECK_FAILED: ['reason', 'cause'],
  RECONNECT_FAILED: ['reason', 'cause', 'attempts'],
  /** Gewe's own answer (its text is the parameter; usually Chinese). */
  GEWE_ERROR: ['reason'],
  GEWE_TIMEOUT: ['endpoint'],
  GEWE_UNREACHABLE: ['endpoint'],
  GEWE_BAD_RESPONSE: ['endpoint'],
  GEWE_TARGET_REFUSED: ['endpoint'],
  // files (errorCode, see file-error.ts)
  DOWNLOAD_FAILED: ['reason'],
  DOWNLOAD_KEPT_THUMBNAIL: ['reason'],
  DOWNLOAD_ABANDONED: ['reason'],
  DOWNLOAD_TOO_LARGE: ['limit', 'reason'],
  DOWNLOAD_NO_SOURCE: ['reason'],
  DOWNLOAD_ROBOT_DELETED: ['reason'],
  DOWNLOAD_NO_URL: ['reason'],
  // alerts (summaryCode; their texts in both languages: src/alert/alert-text.ts)
  ALERT_ROBOT_OFFLINE: ['robot', 'robotId', 'status', 'minutes', 'reason'],
  ALERT_LOGIN_NEEDS_CAPTCHA: ['robot', 'robotId'],
  ALERT_LOGIN_EXPIRED: ['robot', 'robotId'],
  ALERT_ROBOT_SILENT: ['robot', 'robotId', 'minutes'],
  ALERT_PLUGIN_DISABLED: ['plugin', 'reason'],
  ALERT_FAILED_JOBS: ['failed', 'threshold'],
  ALERT_QUEUE_DEPTH: ['depth', 'threshold'],
  ALERT_GEWE_ERRORS: ['percent', 'minutes', 'errors', 'calls'],
  ALERT_TEST: ['actor'],
  // the OneBot gateway's transports (lastErrors of GET /api/robots/{robot_id}/onebot/status)
  ONEBOT_REVERSE_CONNECT_FAILED: ['url', 'reason'],
  ONEBOT_REVERSE_CLOSED: ['url', 'code'],
  ONEBOT_HTTP_POST_FAILED: ['url', 'status', 'reason'],
  ONEBOT_HTTP_POST_DROPPED: ['url', 'dropped'],
  ONEBOT_CLIENT_TOO_SLOW: ['remote'],
  // refused OneBot clients, by why
  ONEBOT_AUTH_REFUSED_MISSING: ['remote'],
  ONEBOT_AUTH_REFUSED_INVALID: ['remote'],
  ONEBOT_AUTH_REFUSED_SCOPE: ['remote'],
  ONEBOT_AUTH_REFUSED_ROBOT: ['remote'],
  ONEBOT_REVERSE_NO_WXID: ['url'],
  ONEBOT_REVERSE_ADDRESS_REFUSED: ['url', 'host'],
  // AI backends called by plugins (AiError codes, src/ai/ai.types.ts; shown with a call in the message's detail)
  AI_TIMEOUT: [],
  AI_RATE_LIMITED: [],
  AI_HTTP_ERROR: ['status'],
  AI_NETWORK_ERROR: [],
  AI_BAD_RESPONSE: [],
  AI_URL_REFUSED: [],
  AI_NOT_CONFIGURED: [],
  AI_ABORTED: [],
  AI_BAD_REQUEST: [],
  // AiChat (a model call's notes in the message detail; AI_BUDGET_EXHAUSTED also from its api.complete)
  AI_BUDGET_EXHAUSTED: [],
  AICHAT_USER_RATE_LIMITED: [],
  AICHAT_GROUP_RATE_LIMITED: [],
} as const satisfies Record<string, readonly string[]>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type FieldCode = keyof typeof FIELD_CODES;
export type NoticeCode = keyof typeof NOTICE_CODES;
export type MessageCode = ErrorCode | NoticeCode;

/** Every code of the registry (errors and notices; some, like GEWE_TIMEOUT, are both). */
export const MESSAGE_CODES: Record<MessageCode, readonly string[]> = { ...ERROR_CODES, ...NOTICE_CODES };

/** Parameters of a code: short values, filled into the translated text. */
export type MessageParams = Record<string, string | number>;

/** A message for people: a code and its parameters, with the English text for API users and logs. */
export interface CodedMessage {
  code: MessageCode;
  params: MessageParams;
  message: string;
}

export const isFieldCode = (c: string): c is FieldCode => Object.prototype.hasOwnProperty.call(FIELD_CODES, c);
