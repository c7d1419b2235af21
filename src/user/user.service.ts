import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ensureFirstAdmin, FirstAdminResult } from './first-admin';
import { UserEntity } from './user.entity';

/** The users table's owner: other modules ask this service rather than reading or writing the table themselves. */
@Injectable()
export class UserService {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

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
}
