import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail } from '../audit/audit.service';
import { AuthUser } from '../common/auth.decorators';
import { PasswordHasher } from '../auth/password-hasher';
import { SessionService } from '../auth/session.service';
import { conflict } from '../common/domain-error';
import { Page } from '../common/dto/pagination.dto';
import { UserResponseDto } from '../user/dto/user-response.dto';
import { UserService } from '../user/user.service';
import { UserCreateDto, UserListQueryDto, UserUpdateDto } from './dto/user.dto';

/** User administration: the admin API over UserService (the table), auth's password hasher and sessions. */
@Injectable()
export class AdminService {
  private readonly logger = new Logger(AdminService.name);

  constructor(
    private readonly users: UserService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly audit: AuditTrail,
  ) {}

  async create(dto: UserCreateDto, actor: AuthUser): Promise<UserResponseDto> {
    const saved = await this.users.create({
      username: dto.username,
      email: dto.email ?? null,
      passwordHash: await this.hasher.hash(dto.password),
      isAdmin: dto.isAdmin ?? false,
      isActive: dto.isActive ?? true,
    });
    this.logger.log({ actor: actor.username, userId: saved.id, username: saved.username }, 'User created');
    return UserResponseDto.from(saved);
  }

  async list(q: UserListQueryDto): Promise<Page<UserResponseDto>> {
    const { rows, total } = await this.users.list(q);
    return { items: rows.map((u) => UserResponseDto.from(u)), total, page: q.page, limit: q.limit };
  }

  async get(id: number): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.get(id));
  }

  /**
   * Applies the change in one transaction (UserService.update), so two admins demoting each other at once cannot
   * leave no admin. A new password, or disabling the account, ends the user's sessions.
   */
  async update(id: number, dto: UserUpdateDto, actor: AuthUser): Promise<UserResponseDto> {
    const newHash = dto.password !== undefined ? await this.hasher.hash(dto.password) : undefined;
    const { user: saved, disabled } = await this.users.update(id, {
      ...(dto.username !== undefined ? { username: dto.username } : {}),
      ...(dto.email !== undefined ? { email: dto.email } : {}),
      ...(dto.isAdmin !== undefined ? { isAdmin: dto.isAdmin } : {}),
      ...(dto.isActive !== undefined ? { isActive: dto.isActive } : {}),
      ...(newHash !== undefined ? { passwordHash: newHash } : {}),
    });
    const endSessions = newHash !== undefined || disabled;
    let ended = 0;
    if (endSessions) ended = await this.sessions.revokeAllForUser(id);
    this.audit.note({ passwordReset: newHash !== undefined, sessionsEnded: ended });
    this.logger.log(
      { actor: actor.username, userId: id, fields: Object.keys(dto), endedSessions: ended },
      'User updated',
    );
    return UserResponseDto.from(saved);
  }

  async remove(id: number, actor: AuthUser): Promise<void> {
    if (id === actor.id) throw conflict('CANNOT_DELETE_SELF', 'You cannot delete your own account');
    await this.users.remove(id, (user) => this.audit.note({ username: user.username }));
    await this.sessions.revokeAllForUser(id);
    this.logger.log({ actor: actor.username, userId: id }, 'User deleted');
  }
}
