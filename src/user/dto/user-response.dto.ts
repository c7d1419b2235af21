import { ApiProperty } from '@nestjs/swagger';
import type { UserEntity } from '../user.entity';

/** A user as the API shows it: never the password hash. */
export class UserResponseDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'admin' })
  username!: string;

  @ApiProperty({ type: String, nullable: true, example: 'ops@example.com' })
  email!: string | null;

  @ApiProperty()
  isActive!: boolean;

  @ApiProperty()
  isAdmin!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastLoginAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;

  static from(u: UserEntity): UserResponseDto {
    return {
      id: u.id,
      username: u.username,
      email: u.email,
      isActive: u.isActive,
      isAdmin: u.isAdmin,
      lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
      createdAt: u.createdAt.toISOString(),
      updatedAt: u.updatedAt.toISOString(),
    };
  }
}

export class UserListResponseDto {
  @ApiProperty({ type: [UserResponseDto] })
  items!: UserResponseDto[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  limit!: number;
}
