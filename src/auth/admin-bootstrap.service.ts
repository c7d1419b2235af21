import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { firstAdminBanner } from '../user/first-admin';
import { UserService } from '../user/user.service';
import { PasswordHasher } from './password-hasher';

export const BOOT_ENV = Symbol('BOOT_ENV');

/** Creates the first admin on the first start; a generated password goes to the console once, never to the log. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    private readonly users: UserService,
    private readonly hasher: PasswordHasher,
    @Inject(BOOT_ENV) private readonly env: NodeJS.ProcessEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const r = await this.users.ensureFirstAdmin((p) => this.hasher.hash(p), this.env);
    if (!r.created) return;
    this.logger.warn({ username: r.username }, 'No users existed: created the first admin');
    if (r.generatedPassword) process.stdout.write(firstAdminBanner(r.username!, r.generatedPassword));
  }
}
