import { Body, Controller, Delete, Get, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { IdParam } from '../common/id-param.pipe';
import { StatusResponseDto } from '../common/dto/status-response.dto';
import { AdminService } from './admin.service';
import { UserListResponseDto, UserResponseDto } from '../user/dto/user-response.dto';
import { UserCreateDto, UserListQueryDto, UserUpdateDto } from './dto/user.dto';
import { Audit } from '../audit/audit.decorator';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin' })
@Controller('admin/users')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Post()
  @Audit('user.create', { target: 'user' })
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'username or email already in use' })
  create(@Body() dto: UserCreateDto, @CurrentUser() actor: AuthUser): Promise<UserResponseDto> {
    return this.admin.create(dto, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: UserListResponseDto })
  list(@Query() q: UserListQueryDto): Promise<UserListResponseDto> {
    return this.admin.list(q);
  }

  @Get(':user_id')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@IdParam('user_id') id: number): Promise<UserResponseDto> {
    return this.admin.get(id);
  }

  @Put(':user_id')
  @Audit('user.update', { target: 'user' })
  @ApiOperation({ summary: 'Update a user (a new password or disabling ends their sessions)' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Duplicate username/email, or the last active admin' })
  update(
    @IdParam('user_id') id: number,
    @Body() dto: UserUpdateDto,
    @CurrentUser() actor: AuthUser,
  ): Promise<UserResponseDto> {
    return this.admin.update(id, dto, actor);
  }

  @Delete(':user_id')
  @Audit('user.delete', { target: 'user' })
  @ApiOperation({ summary: 'Delete a user' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The last active admin, or yourself' })
  async remove(@IdParam('user_id') id: number, @CurrentUser() actor: AuthUser): Promise<StatusResponseDto> {
    await this.admin.remove(id, actor);
    return StatusResponseDto.ok('User deleted');
  }
}
