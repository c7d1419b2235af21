import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserEntity } from '../user/user.entity';
import { ensureFirstAdmin, firstAdminBanner } from '../user/first-admin';
import { PasswordHasher } from './password-hasher';

export const BOOT_ENV = Symbol('BOOT_ENV');

/** Creates the first admin on the first start; a generated password goes to the console once, never to the log. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly hasher: PasswordHasher,
    @Inject(BOOT_ENV) private readonly env: NodeJS.ProcessEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const r = await ensureFirstAdmin(this.users, (p) => this.hasher.hash(p), this.env);
    if (!r.created) return;
    this.logger.warn({ username: r.username }, 'No users existed: created the first admin');
    if (r.generatedPassword) process.stdout.write(firstAdminBanner(r.username!, r.generatedPassword));
  }
}
