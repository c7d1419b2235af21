import { Inject, Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';

/** bcrypt behind a small class, so services can be tested with a fast fake. */
@Injectable()
export class PasswordHasher {
  /** A real hash compared against when the username does not exist, so both paths take the same time. */
  private dummy?: Promise<string>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.backend.password_hash_rounds);
  }

  verify(password: string, hash: string | null): Promise<boolean> {
    if (hash === null) {
      this.dummy ??= this.hash('not-a-real-password');
      return this.dummy.then((h) => bcrypt.compare(password, h)).then(() => false);
    }
    return bcrypt.compare(password, hash);
  }
}
