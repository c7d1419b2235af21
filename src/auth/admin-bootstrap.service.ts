import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { UserEntity } from '../admin/user.entity';
import { PasswordHasher } from './password-hasher';

export const BOOT_ENV = Symbol('BOOT_ENV');

/**
 * On the first start (no users at all) creates an admin: from OPENGEWE_ADMIN_USERNAME / OPENGEWE_ADMIN_PASSWORD, or
 * else "admin" with a random password printed once to the console. Never a fixed default password, and the generated
 * password never goes to the log file.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    @Inject(BOOT_ENV) private readonly env: NodeJS.ProcessEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const username = this.env.OPENGEWE_ADMIN_USERNAME?.trim() || 'admin';
    const given = this.env.OPENGEWE_ADMIN_PASSWORD;
    if (given !== undefined && (given.length < 8 || Buffer.byteLength(given) > 72))
      throw new Error('OPENGEWE_ADMIN_PASSWORD must be 8 characters to 72 bytes long');
    if (!/^[\w.@-]{3,50}$/.test(username))
      throw new Error('OPENGEWE_ADMIN_USERNAME must be 3-50 letters, digits, or . _ @ -');
    const password = given ?? randomBytes(12).toString('base64url');
    await this.users.insert({
      username,
      email: null,
      passwordHash: await this.hasher.hash(password),
      isActive: true,
      isAdmin: true,
      lastLoginAt: null,
    });
    this.logger.warn({ username }, 'No users existed: created the first admin');
    if (given === undefined) {
      process.stdout.write(
        `\n==================================================================\n` +
          `  First admin created. Log in and change this password now:\n` +
          `    username: ${username}\n    password: ${password}\n` +
          `  (shown once; set OPENGEWE_ADMIN_PASSWORD to choose it instead)\n` +
          `==================================================================\n\n`,
      );
    }
  }
}
