import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ADMIN_ONLY, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { StatusResponseDto } from '../common/dto/status-response.dto';
import { IdParam } from '../common/id-param.pipe';
import {
  CaptchaDto,
  RobotCreateDto,
  RobotListQueryDto,
  RobotListResponseDto,
  RobotProfileResponseDto,
  RobotResponseDto,
  RobotStatusResponseDto,
  RobotUpdateDto,
  RobotVerifyQueryDto,
} from './dto/robot.dto';
import { RobotLoginService } from './robot-login.service';
import { RobotProfileService } from './robot-profile.service';
import { RobotService, RobotView } from './robot.service';
import { Audit } from '../audit/audit.decorator';
import { TOKEN_SCOPE, TokenScope } from '../auth/api-token.scopes';
import { ConcernsEveryRobot, reachableRobots } from '../auth/robot-access';

/** What Gewe (whatever host a robot points at) answered is shown to logged-in admins only, as in error bodies. */
const maySeeUpstreamDetail = (user: AuthUser) => user.isAdmin && !user.token;

@ApiTags('robots')
@ApiBearerAuth()
@Controller('robots')
export class RobotController {
  constructor(
    private readonly robots: RobotService,
    private readonly login: RobotLoginService,
    private readonly profiles: RobotProfileService,
  ) {}

  @Get()
  @TokenScope('robots:read')
  @ApiOperation({ summary: 'List robots' })
  @ApiOkResponse({ type: RobotListResponseDto })
  list(@Query() q: RobotListQueryDto, @CurrentUser() user: AuthUser): Promise<RobotListResponseDto> {
    return this.robots.list(q, viewOf(user));
  }

  @Post()
  @Audit('robot.create', { target: 'robot' })
  @TokenScope('robots:write')
  @ConcernsEveryRobot()
  @ApiOperation({ summary: 'Create a robot (the token is checked with Gewe unless ?verify=false)' })
  @ApiCreatedResponse({ type: RobotResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'appId already used by another robot' })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'Gewe unreachable or failing' })
  create(
    @Body() dto: RobotCreateDto,
    @Query() q: RobotVerifyQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<RobotResponseDto> {
    return this.robots.create(dto, q.verify, user.username);
  }

  @Get(':robot_id')
  @TokenScope('robots:read')
  @ApiOperation({ summary: 'One robot, with the callback URL Gewe must POST to' })
  @ApiOkResponse({ type: RobotResponseDto })
  get(@IdParam('robot_id') id: number, @CurrentUser() user: AuthUser): Promise<RobotResponseDto> {
    return this.robots.get(id, viewOf(user));
  }

  @Patch(':robot_id')
  @Audit('robot.update', { target: 'robot' })
  @TokenScope('robots:write')
  @ApiOperation({ summary: 'Edit a robot (a new base URL or token is checked with Gewe unless ?verify=false)' })
  @ApiOkResponse({ type: RobotResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  update(
    @IdParam('robot_id') id: number,
    @Body() dto: RobotUpdateDto,
    @Query() q: RobotVerifyQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<RobotResponseDto> {
    return this.robots.update(id, dto, q.verify, user.username);
  }

  @Delete(':robot_id')
  @Audit('robot.delete', { target: 'robot' })
  @TokenScope('robots:write')
  @ApiOperation({ summary: 'Delete a robot (the WeChat account stays logged in on Gewe; log it out first if needed)' })
  @ApiOkResponse({ type: StatusResponseDto })
  async remove(@IdParam('robot_id') id: number, @CurrentUser() user: AuthUser): Promise<StatusResponseDto> {
    await this.robots.remove(id, user.username);
    return StatusResponseDto.ok('Robot deleted');
  }

  @Get(':robot_id/status')
  @TokenScope('robots:read')
  @ApiOperation({ summary: 'Live state: login progress (QR), online/offline with the reason, account' })
  @ApiOkResponse({ type: RobotStatusResponseDto })
  status(@IdParam('robot_id') id: number): Promise<RobotStatusResponseDto> {
    return this.robots.status(id);
  }

  @Post(':robot_id/login')
  @Audit('robot.login', { target: 'robot' })
  @TokenScope('robots:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a QR login (or return the one waiting); the service polls Gewe until it ends' })
  @ApiOkResponse({ type: RobotStatusResponseDto })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: "Gewe refused, with Gewe's reason" })
  startLogin(@IdParam('robot_id') id: number): Promise<RobotStatusResponseDto> {
    return this.login.start(id);
  }

  @Post(':robot_id/login/captcha')
  @Audit('robot.login_captcha', { target: 'robot' })
  @TokenScope('robots:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Submit the security code a login asks for' })
  @ApiOkResponse({ type: RobotStatusResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'No login waiting' })
  captcha(@IdParam('robot_id') id: number, @Body() dto: CaptchaDto): Promise<RobotStatusResponseDto> {
    return this.login.submitCaptcha(id, dto.code);
  }

  @Post(':robot_id/logout')
  @Audit('robot.logout', { target: 'robot' })
  @TokenScope('robots:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log the account out of Gewe' })
  @ApiOkResponse({ type: RobotStatusResponseDto })
  @ApiBadGatewayResponse({ type: ErrorResponseDto })
  logout(@IdParam('robot_id') id: number): Promise<RobotStatusResponseDto> {
    return this.login.logout(id);
  }

  @Post(':robot_id/callback')
  @Audit('robot.callback_register', { target: 'robot' })
  @TokenScope('robots:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Register the callback URL with Gewe again (self-hosted Gewechat)' })
  @ApiOkResponse({ type: RobotStatusResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Paid GeWeAPI: paste the URL in its console' })
  @ApiBadGatewayResponse({ type: ErrorResponseDto })
  registerCallback(@IdParam('robot_id') id: number): Promise<RobotStatusResponseDto> {
    return this.login.registerCallback(id);
  }

  @Get(':robot_id/profile')
  @TokenScope('robots:read')
  @ApiOperation({ summary: "The account's profile, live from Gewe" })
  @ApiOkResponse({ type: RobotProfileResponseDto })
  @ApiBadGatewayResponse({ type: ErrorResponseDto })
  profile(@IdParam('robot_id') id: number, @CurrentUser() user: AuthUser): Promise<RobotProfileResponseDto> {
    return this.profiles.profile(id, maySeeUpstreamDetail(user));
  }
}

/**
 * A robot's callback key lets anyone post callbacks that plugins act on, so it is shown only to callers who may
 * change robots: whoever the guards let through PATCH /api/robots/{robot_id} — an API token with that route's scope
 * (robots:write), a user unless the route is admin-only. Read from the route's own metadata, so the two cannot drift.
 */
export function viewOf(user: AuthUser): RobotView {
  const update = Object.getOwnPropertyDescriptor(RobotController.prototype, 'update')?.value as object;
  const meta = <T>(key: string): T | undefined =>
    (Reflect.getMetadata(key, update) as T | undefined) ?? (Reflect.getMetadata(key, RobotController) as T | undefined);
  if (user.token) {
    const scope = meta<string>(TOKEN_SCOPE);
    return { callbackKey: !!scope && user.token.scopes.includes(scope), robotIds: reachableRobots(user) };
  }
  return { callbackKey: !meta<boolean>(ADMIN_ONLY) || user.isAdmin };
}
