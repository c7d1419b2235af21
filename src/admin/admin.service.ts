import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { AuditTrail } from '../audit/audit.service';
import { AuthUser } from '../common/auth.decorators';
import { PasswordHasher } from '../auth/password-hasher';
import { SessionService } from '../auth/session.service';
import { conflict, notFound } from '../common/domain-error';
import { Page } from '../common/dto/pagination.dto';
import { UserResponseDto } from '../user/dto/user-response.dto';
import { UserCreateDto, UserListQueryDto, UserUpdateDto } from './dto/user.dto';
import { UserEntity } from '../user/user.entity';

@Injectable()
export class AdminService {
  private readonly logger = new Logger(AdminService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly audit: AuditTrail,
  ) {}

  async create(dto: UserCreateDto, actor: AuthUser): Promise<UserResponseDto> {
    await this.assertUnique(this.users.manager, dto.username, dto.email ?? null);
    const entity = this.users.create({
      username: dto.username,
      email: dto.email ?? null,
      passwordHash: await this.hasher.hash(dto.password),
      isAdmin: dto.isAdmin ?? false,
      isActive: dto.isActive ?? true,
      lastLoginAt: null,
    });
    const saved = await this.users.save(entity).catch((err) => this.rethrowUnique(err));
    this.logger.log({ actor: actor.username, userId: saved.id, username: saved.username }, 'User created');
    return UserResponseDto.from(saved);
  }

  async list(q: UserListQueryDto): Promise<Page<UserResponseDto>> {
    const qb = this.users
      .createQueryBuilder('u')
      .orderBy('u.id', 'ASC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit);
    const term = q.search?.trim();
    // Wildcards typed by the caller are literal: escaped, with an explicit ESCAPE (SQLite has no default escape; '!' means the same in MySQL and SQLite, unlike a backslash).
    if (term)
      qb.where("(u.username LIKE :term ESCAPE '!' OR u.email LIKE :email ESCAPE '!')", {
        term: `%${escapeLike(term)}%`,
        email: `%${escapeLike(term.toLowerCase())}%`,
      });
    const [rows, total] = await qb.getManyAndCount();
    return { items: rows.map((u) => UserResponseDto.from(u)), total, page: q.page, limit: q.limit };
  }

  async get(id: number): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.find(this.users.manager, id));
  }

  /**
   * Applies the change in one transaction, so two admins demoting each other at once cannot leave no admin. A new
   * password, or disabling the account, ends the user's sessions.
   */
  async update(id: number, dto: UserUpdateDto, actor: AuthUser): Promise<UserResponseDto> {
    const newHash = dto.password !== undefined ? await this.hasher.hash(dto.password) : undefined;
    const { saved, endSessions } = await this.dataSource.transaction(async (m) => {
      const user = await this.find(m, id, true);
      const username = dto.username ?? user.username;
      const email = dto.email !== undefined ? dto.email : user.email;
      await this.assertUnique(m, username !== user.username ? username : null, email !== user.email ? email : null, id);
      const losesAdmin = user.isAdmin && user.isActive && (dto.isAdmin === false || dto.isActive === false);
      if (losesAdmin) await this.assertAnotherActiveAdmin(m, id, dto.isActive === false ? 'disable' : 'demote');
      const endSessions = newHash !== undefined || (dto.isActive === false && user.isActive);
      Object.assign(user, {
        username,
        email,
        ...(dto.isAdmin !== undefined ? { isAdmin: dto.isAdmin } : {}),
        ...(dto.isActive !== undefined ? { isActive: dto.isActive } : {}),
        ...(newHash !== undefined ? { passwordHash: newHash } : {}),
      });
      const saved = await m.save(UserEntity, user).catch((err) => this.rethrowUnique(err));
      return { saved, endSessions };
    });
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
    await this.dataSource.transaction(async (m) => {
      const user = await this.find(m, id, true);
      if (user.isAdmin && user.isActive) await this.assertAnotherActiveAdmin(m, id, 'delete');
      this.audit.note({ username: user.username });
      await m.delete(UserEntity, { id });
    });
    await this.sessions.revokeAllForUser(id);
    this.logger.log({ actor: actor.username, userId: id }, 'User deleted');
  }

  private async find(m: EntityManager, id: number, lock = false): Promise<UserEntity> {
    const user = await m.findOne(UserEntity, {
      where: { id },
      ...(lock && m.connection.options.type === 'mysql' ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!user) throw notFound('USER_NOT_FOUND', `User ${id} does not exist`);
    return user;
  }

  private async assertAnotherActiveAdmin(m: EntityManager, exceptId: number, action: string): Promise<void> {
    const admins = await m.find(UserEntity, {
      where: { isAdmin: true, isActive: true },
      select: { id: true },
      ...(m.connection.options.type === 'mysql' ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!admins.some((a) => a.id !== exceptId))
      throw conflict('LAST_ADMIN', `Cannot ${action} the last active admin; make another user an admin first`);
  }

  private async assertUnique(m: EntityManager, username: string | null, email: string | null, exceptId?: number) {
    if (username) {
      const u = await m.findOne(UserEntity, { where: { username }, select: { id: true } });
      if (u && u.id !== exceptId) throw conflict('USERNAME_TAKEN', `username "${username}" is already taken`);
    }
    if (email) {
      const u = await m.findOne(UserEntity, { where: { email }, select: { id: true } });
      if (u && u.id !== exceptId) throw conflict('EMAIL_TAKEN', `email "${email}" is already in use`);
    }
  }

  /** A unique-index violation that slipped past the pre-check (a concurrent insert) is still a 409. */
  private rethrowUnique(err: unknown): never {
    if (err instanceof QueryFailedError && /unique|duplicate/i.test(err.message))
      throw conflict('USER_EXISTS', 'username or email is already in use');
    throw err;
  }
}

function escapeLike(s: string): string {
  return s.replace(/[!%_]/g, (c) => '!' + c);
}
