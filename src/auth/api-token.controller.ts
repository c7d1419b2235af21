import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { ApiTokenService } from './api-token.service';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import {
  ApiTokenCreateDto,
  ApiTokenCreatedResponseDto,
  ApiTokenListQueryDto,
  ApiTokenListResponseDto,
  ApiTokenResponseDto,
} from './dto/api-token.dto';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin (API tokens are always refused here)' })
@Controller('admin/tokens')
export class ApiTokenController {
  constructor(private readonly tokens: ApiTokenService) {}

  @Post()
  @Audit('token.create', { target: 'token' })
  @ApiOperation({ summary: 'Create a scoped API token; the answer holds its secret, shown this once' })
  @ApiCreatedResponse({ type: ApiTokenCreatedResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  create(@Body() dto: ApiTokenCreateDto, @CurrentUser() user: AuthUser): Promise<ApiTokenCreatedResponseDto> {
    return this.tokens.create(dto, user);
  }

  @Get()
  @ApiOperation({ summary: 'API tokens, newest first, with their last use (never their secrets)' })
  @ApiOkResponse({ type: ApiTokenListResponseDto })
  list(@Query() q: ApiTokenListQueryDto): Promise<ApiTokenListResponseDto> {
    return this.tokens.list(q);
  }

  @Get(':token_id')
  @ApiOperation({ summary: 'One API token (never its secret)' })
  @ApiOkResponse({ type: ApiTokenResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@IdParam('token_id') id: number): Promise<ApiTokenResponseDto> {
    return this.tokens.get(id);
  }

  @Delete(':token_id')
  @Audit('token.revoke', { target: 'token' })
  @ApiOperation({ summary: 'Revoke an API token at once (it stays listed as revoked)' })
  @ApiOkResponse({ type: ApiTokenResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  revoke(@IdParam('token_id') id: number, @CurrentUser() user: AuthUser): Promise<ApiTokenResponseDto> {
    return this.tokens.revoke(id, user);
  }
}
