import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth.decorators';
import { DomainError } from '../common/domain-error';
import { IdParam } from '../common/id-param.pipe';
import { OneBotAuth, tokenOf } from './onebot-auth';
import { OneBotActions } from './onebot.actions';
import { OneBotHub } from './onebot.hub';
import type { HubConnection } from './onebot.hub';
import { RETCODE } from './onebot.types';
import type { ActionResponse, ClientInfo } from './onebot.types';
import { failed, runAction } from './onebot-ws-session';

const ACTION = /^[A-Za-z0-9_.]{1,64}$/;

/**
 * The HTTP API of the OneBot standard: `POST /onebot/v11/{robot_id}/{action}` with a JSON or form body, or `GET` with
 * the query as params. Public to the app's guards (OneBot clients send API tokens their own way: `Authorization:
 * Bearer` or `?access_token=`, checked here); left out of the REST API's OpenAPI document, since it is the OneBot
 * protocol, documented in docs/ONEBOT-TRANSPORTS.md. Answers 200 with the action's answer, 404 for an unknown action (retcode
 * 1404); 401 / 403 / 404 with the usual error body when the caller or robot is refused.
 */
@ApiExcludeController()
@Public()
@Controller('onebot/v11')
export class OneBotHttpController {
  // (no method may be called `caller` or `call`: Nest reads them off the class, where Function.prototype has them)
  /** One entry in the hub per token and robot: the HTTP API's "clients". */
  private readonly callers = new Map<string, HubConnection>();

  constructor(
    private readonly auth: OneBotAuth,
    private readonly actions: OneBotActions,
    private readonly hub: OneBotHub,
  ) {}

  @Get(':robot_id/:action')
  get(
    @IdParam('robot_id') robotId: number,
    @Param('action') action: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ActionResponse> {
    return this.answer(robotId, action, query, req, res);
  }

  @Post(':robot_id/:action')
  @HttpCode(200)
  post(
    @IdParam('robot_id') robotId: number,
    @Param('action') action: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ActionResponse> {
    const params = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    return this.answer(robotId, action, { ...query, ...params }, req, res);
  }

  private async answer(
    robotId: number,
    action: string,
    raw: Record<string, unknown>,
    req: Request,
    res: Response,
  ): Promise<ActionResponse> {
    const remote = `${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
    const admission = await this.auth.admit(
      robotId,
      'http-api',
      tokenOf(req.headers, req.query),
      remote,
      req.ip ?? null,
    );
    if (!admission.ok) throw new DomainError(admission.code, admission.message, admission.status, {}, admission.params);
    const conn = this.clientOf(robotId, admission.user.token?.id ?? 0, admission.tokenName, remote);
    const { access_token: _token, ...params } = raw;
    let answer: ActionResponse;
    if (!ACTION.test(action)) {
      answer = failed(RETCODE.NOT_FOUND, `unknown action ${action.slice(0, 64)}`);
      conn.countAction();
    } else {
      answer = await runAction(this.actions, robotId, { action, params }, conn.info);
      conn.countAction();
    }
    if (answer.retcode === RETCODE.NOT_FOUND) res.status(404);
    return answer;
  }

  private clientOf(robotId: number, tokenId: number, tokenName: string, remote: string): HubConnection {
    const key = `${robotId}:${tokenId}`;
    let conn = this.callers.get(key);
    if (conn && this.hub.list(robotId).includes(conn)) {
      conn.info.remote = remote;
      return conn;
    }
    const info: ClientInfo = { id: `http-${tokenId}`, transport: 'http-api', remote, tokenName };
    conn = this.hub.register({ robotId, info, role: 'api', state: 'connected' });
    this.callers.set(key, conn);
    return conn;
  }
}
