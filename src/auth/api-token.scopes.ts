import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/**
 * What an API token may be allowed to do. A route opens itself to tokens by declaring the one scope it needs
 * (`@TokenScope`); every other route is closed to them (deny by default), and /api/admin/* always is.
 */
export const TOKEN_SCOPES = {
  'messages:send': 'send messages through a robot: POST /api/robots/{robot_id}/messages',
  'messages:read': 'read the message log: GET /api/messages, GET /api/messages/{message_id}',
  'robots:read': 'list robots, one robot, its status and profile',
  'robots:write': 'create, edit and delete robots; QR login, security code, logout, callback registration',
  'plugins:read': 'list plugins, one plugin, its config, per-robot plugin state',
  'plugins:write': 'enable and disable plugins, change their config and per-robot switches, reload them',
  'files:read': 'list and download media files',
  onebot: 'drive robots as a OneBot v11 client: /onebot/v11/{robot_id} (WebSocket and HTTP API)',
} as const;

export type TokenScope = keyof typeof TOKEN_SCOPES;
export const TOKEN_SCOPE_NAMES = Object.keys(TOKEN_SCOPES) as TokenScope[];

export const TOKEN_SCOPE = 'auth:token-scope';

/**
 * Lets API tokens holding `scope` call this route (or every route of a controller). Users with an access token are
 * not affected: roles decide for them. Shown on the operation as `x-token-scope`.
 */
export const TokenScope = (scope: TokenScope) =>
  applyDecorators(SetMetadata(TOKEN_SCOPE, scope), ApiExtension('x-token-scope', scope));
