import { Injectable, Optional } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthUser } from '../common/auth.decorators';
import type { ErrorCode, MessageParams } from '../common/message-codes';
import { ApiTokenService } from '../auth/api-token.service';
import { mayReachRobot } from '../auth/robot-access';
import { MetricsService } from '../metrics/metrics.service';
import { RobotService } from '../robot/robot.service';
import type { RobotEntity } from '../robot/robot.entity';
import { OneBotHub } from './onebot.hub';
import type { RefusalReason } from './onebot.hub';

export type { RefusalReason };
import { OneBotSettingsService } from './onebot-settings.service';
import type { OneBotSettings } from './onebot.types';

/** The scope an API token needs for every transport of the gateway. */
export const ONEBOT_SCOPE = 'onebot';

const BEARER = /^(?:Bearer|Token)\s+(\S+)\s*$/i;

export type AuthDecision =
  | { ok: true; user: AuthUser; tokenName: string }
  | {
      ok: false;
      /** 401 without a token, 403 with one that may not reach the robot. */
      status: 401 | 403;
      reason: RefusalReason;
      code: ErrorCode;
      message: string;
      params: MessageParams;
    };

/**
 * The token of a OneBot call: `Authorization: Bearer <token>` (go-cqhttp also took `Token <token>`), else the
 * `access_token` query parameter. null when neither is there.
 */
export function tokenOf(headers: IncomingHttpHeaders, query: URLSearchParams | Record<string, unknown>): string | null {
  const header = headers.authorization;
  const fromHeader = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const q = query instanceof URLSearchParams ? query.get('access_token') : query.access_token;
  return typeof q === 'string' && q !== '' ? q : null;
}

/**
 * Whether `user` (what the token stands for; null: unknown, revoked or expired) may drive robot `robotId`: an API
 * token holding the `onebot` scope, limited to no robots or to a list naming this one.
 */
export function decide(token: string | null, user: AuthUser | null, robotId: number): AuthDecision {
  if (!token)
    return refuse(401, 'missing', 'MISSING_TOKEN', 'Authentication required: send Authorization: Bearer <token>');
  if (!user?.token) return refuse(403, 'invalid', 'INVALID_TOKEN', 'API token is invalid, expired or revoked');
  if (!user.token.scopes.includes(ONEBOT_SCOPE))
    return refuse(403, 'scope', 'INSUFFICIENT_SCOPE', `This API token lacks the scope ${ONEBOT_SCOPE}`, {
      scope: ONEBOT_SCOPE,
    });
  if (!mayReachRobot(user, robotId))
    return refuse(403, 'robot', 'ROBOT_NOT_ALLOWED', `This API token may not reach robot ${robotId}`, {
      id: robotId,
    });
  return { ok: true, user, tokenName: user.token.name };
}

function refuse(
  status: 401 | 403,
  reason: RefusalReason,
  code: ErrorCode,
  message: string,
  params: MessageParams = {},
): AuthDecision {
  return { ok: false, status, reason, code, message, params };
}

/**
 * Authenticates a OneBot client (forward WebSocket handshake, HTTP API call) by API token; every refusal is counted
 * in the robot's status (authFailures, lastErrors) and in the metrics.
 */
@Injectable()
export class OneBotAuth {
  constructor(
    private readonly tokens: ApiTokenService,
    private readonly hub: OneBotHub,
    private readonly robots: RobotService,
    private readonly settings: OneBotSettingsService,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  async authenticate(robotId: number, token: string | null, remote: string, ip: string | null): Promise<AuthDecision> {
    const user = token ? await this.tokens.authenticate(token, ip) : null;
    const decision = decide(token, user, robotId);
    if (!decision.ok) {
      this.metrics?.onebotAuthRefused(decision.reason);
      // counted per robot only for robots that exist: a stranger trying ids must not grow the hub's tables
      if (await this.robots.findById(robotId).catch(() => null)) this.hub.authFailed(robotId, remote, decision.reason);
    }
    return decision;
  }

  /**
   * Admits a client of `transport` to robot `robotId`: authenticated (see authenticate), then the robot must exist and
   * have OneBot (and, for a forward WebSocket, that transport) enabled.
   */
  async admit(
    robotId: number,
    transport: 'forward-ws' | 'http-api',
    token: string | null,
    remote: string,
    ip: string | null,
  ): Promise<Admission> {
    const decision = await this.authenticate(robotId, token, remote, ip);
    if (!decision.ok) return decision;
    const robot = await this.robots.findById(robotId);
    if (!robot)
      return {
        ok: false,
        status: 404,
        code: 'ROBOT_NOT_FOUND',
        message: `Robot ${robotId} does not exist`,
        params: { id: robotId },
      };
    const settings = await this.settings.get(robotId);
    if (!settings.enabled || (transport === 'forward-ws' && !settings.forwardWs))
      return {
        ok: false,
        status: 403,
        code: 'ONEBOT_NOT_ENABLED',
        message: `OneBot (${transport}) is not enabled for robot ${robotId}`,
        params: { id: robotId, transport },
      };
    return { ok: true, user: decision.user, tokenName: decision.tokenName, robot, settings };
  }
}

export type Admission =
  | { ok: true; user: AuthUser; tokenName: string; robot: RobotEntity; settings: OneBotSettings }
  | { ok: false; status: 401 | 403 | 404; code: ErrorCode; message: string; params: MessageParams };
