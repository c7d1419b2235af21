import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserEntity } from './user.entity';

/** The users table's owner: other modules ask this service rather than reading the table themselves. */
@Injectable()
export class UserService {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** How many accounts there are (for the system status). */
  count(): Promise<number> {
    return this.users.count();
  }
}
