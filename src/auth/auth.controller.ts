import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { UserResponseDto } from '../user/dto/user-response.dto';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { StatusResponseDto } from '../common/dto/status-response.dto';
import { CurrentUser, Public } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { AuthService, ClientInfo } from './auth.service';
import { ChangePasswordDto, LoginDto, RefreshDto, TokenResponseDto } from './dto/auth.dto';
import { Audit } from '../audit/audit.decorator';
import { clientIp, RateLimited } from '../rate-limit/rate-limit.guard';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in with username and password' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Too many attempts (per IP and per username)' })
  login(@Body() dto: LoginDto, @Req() req: Request): Promise<TokenResponseDto> {
    return this.auth.login(dto.username, dto.password, clientInfo(req));
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for new tokens (the old refresh token stops working)' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'REFRESH_RATE_LIMITED: too many refreshes from this IP',
  })
  @RateLimited('refresh')
  refresh(@Body() dto: RefreshDto, @Req() req: Request): Promise<TokenResponseDto> {
    return this.auth.refresh(dto.refreshToken, clientInfo(req));
  }

  @ApiBearerAuth()
  @Post('logout')
  @Audit('auth.logout', { target: 'user' })
  @HttpCode(200)
  @ApiOperation({ summary: 'End the current session (its access and refresh tokens stop working)' })
  @ApiOkResponse({ type: StatusResponseDto })
  async logout(@CurrentUser() user: AuthUser): Promise<StatusResponseDto> {
    await this.auth.logout(user);
    return StatusResponseDto.ok('Logged out');
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOperation({ summary: 'The logged-in user' })
  @ApiOkResponse({ type: UserResponseDto })
  me(@CurrentUser() user: AuthUser): Promise<UserResponseDto> {
    return this.auth.me(user);
  }

  @ApiBearerAuth()
  @Post('change-password')
  @Audit('auth.password_change', { target: 'user' })
  @HttpCode(200)
  @ApiOperation({ summary: 'Change your own password; your other sessions are ended' })
  @ApiOkResponse({ type: StatusResponseDto })
  async changePassword(@CurrentUser() user: AuthUser, @Body() dto: ChangePasswordDto): Promise<StatusResponseDto> {
    const ended = await this.auth.changePassword(user, dto);
    return StatusResponseDto.ok(`Password changed; ${ended} other session(s) ended`);
  }
}

function clientInfo(req: Request): ClientInfo {
  return {
    ip: clientIp(req),
    userAgent: req.get('user-agent') ?? null,
    requestId: typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : null,
  };
}
