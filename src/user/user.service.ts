import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { conflict, notFound } from '../common/domain-error';
import { ensureFirstAdmin, FirstAdminResult } from './first-admin';
import { UserEntity } from './user.entity';

/** The users table's owner: other modules ask this service rather than reading or writing the table themselves. */
@Injectable()
export class UserService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly dataSource: DataSource,
  ) {}

  /** How many accounts there are (for the system status). */
  count(): Promise<number> {
    return this.users.count();
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id } });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { username } });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { email } });
  }

  async recordLogin(id: number, at: Date): Promise<void> {
    await this.users.update({ id }, { lastLoginAt: at });
  }

  /** Stores a new password hash (hashing is the caller's: auth/'s PasswordHasher). */
  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }

  /** With no users at all, creates the first admin (see ensureFirstAdmin). */
  ensureFirstAdmin(hash: (password: string) => Promise<string>, env: NodeJS.ProcessEnv): Promise<FirstAdminResult> {
    return ensureFirstAdmin(this.users, hash, env);
  }

  async create(fields: NewUser): Promise<UserEntity> {
    await this.assertUnique(this.users.manager, fields.username, fields.email);
    const entity = this.users.create({ ...fields, lastLoginAt: null });
    return this.users.save(entity).catch((err) => this.rethrowUnique(err));
  }

  async list(q: { page: number; limit: number; search?: string }): Promise<{ rows: UserEntity[]; total: number }> {
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
    return { rows, total };
  }

  /** The user, or USER_NOT_FOUND. */
  get(id: number): Promise<UserEntity> {
    return this.find(this.users.manager, id);
  }

  /**
   * Applies the change in one transaction, so two admins demoting each other at once cannot leave no admin. Answers
   * the saved user and whether this change disabled an active account.
   */
  async update(id: number, change: UserChange): Promise<{ user: UserEntity; disabled: boolean }> {
    return this.dataSource.transaction(async (m) => {
      const user = await this.find(m, id, true);
      const username = change.username ?? user.username;
      const email = change.email !== undefined ? change.email : user.email;
      await this.assertUnique(m, username !== user.username ? username : null, email !== user.email ? email : null, id);
      const losesAdmin = user.isAdmin && user.isActive && (change.isAdmin === false || change.isActive === false);
      if (losesAdmin) await this.assertAnotherActiveAdmin(m, id, change.isActive === false ? 'disable' : 'demote');
      const disabled = change.isActive === false && user.isActive;
      Object.assign(user, {
        username,
        email,
        ...(change.isAdmin !== undefined ? { isAdmin: change.isAdmin } : {}),
        ...(change.isActive !== undefined ? { isActive: change.isActive } : {}),
        ...(change.passwordHash !== undefined ? { passwordHash: change.passwordHash } : {}),
      });
      const saved = await m.save(UserEntity, user).catch((err) => this.rethrowUnique(err));
      return { user: saved, disabled };
    });
  }

  /** Deletes the user (never the last active admin); `found` sees the row first, inside the transaction. */
  async remove(id: number, found?: (user: UserEntity) => void): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const user = await this.find(m, id, true);
      if (user.isAdmin && user.isActive) await this.assertAnotherActiveAdmin(m, id, 'delete');
      found?.(user);
      await m.delete(UserEntity, { id });
    });
  }

  private async find(m: EntityManager, id: number, lock = false): Promise<UserEntity> {
    const user = await m.findOne(UserEntity, {
      where: { id },
      ...(lock && m.connection.options.type === 'mysql' ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!user) throw notFound('USER_NOT_FOUND', `User ${id} does not exist`, { id });
    return user;
  }

  private async assertAnotherActiveAdmin(m: EntityManager, exceptId: number, action: string): Promise<void> {
    const admins = await m.find(UserEntity, {
      where: { isAdmin: true, isActive: true },
      select: { id: true },
      ...(m.connection.options.type === 'mysql' ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!admins.some((a) => a.id !== exceptId))
      throw conflict('LAST_ADMIN', `Cannot ${action} the last active admin; make another user an admin first`, {
        action,
      });
  }

  private async assertUnique(m: EntityManager, username: string | null, email: string | null, exceptId?: number) {
    if (username) {
      const u = await m.findOne(UserEntity, { where: { username }, select: { id: true } });
      if (u && u.id !== exceptId)
        throw conflict('USERNAME_TAKEN', `username "${username}" is already taken`, { username });
    }
    if (email) {
      const u = await m.findOne(UserEntity, { where: { email }, select: { id: true } });
      if (u && u.id !== exceptId) throw conflict('EMAIL_TAKEN', `email "${email}" is already in use`, { email });
    }
  }

  /** A unique-index violation that slipped past the pre-check (a concurrent insert) is still a 409. */
  private rethrowUnique(err: unknown): never {
    if (err instanceof QueryFailedError && /unique|duplicate/i.test(err.message))
      throw conflict('USER_EXISTS', 'username or email is already in use');
    throw err;
  }
}

export interface NewUser {
  username: string;
  email: string | null;
  passwordHash: string;
  isAdmin: boolean;
  isActive: boolean;
}

export type UserChange = Partial<Omit<NewUser, 'email'>> & { email?: string | null };

function escapeLike(s: string): string {
  return s.replace(/[!%_]/g, (c) => '!' + c);
}
