import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { Nullable, Optional } from '../../common/validation';
import { PaginationQueryDto } from '../../common/dto/pagination.dto';
import { IsNewPassword } from '../../common/password.validator';

const USERNAME = /^[\w.@-]{3,50}$/;
const USERNAME_MSG = 'username must be 3-50 characters: letters, digits, or . _ @ -';
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const emailOrNull = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? (value.trim() === '' ? null : value.trim().toLowerCase()) : value;

export class UserCreateDto {
  @ApiProperty({ example: 'operator1', pattern: USERNAME.source })
  @Transform(trim)
  @IsString()
  @Matches(USERNAME, { message: USERNAME_MSG })
  username!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'ops@example.com' })
  @Optional()
  @Nullable()
  @Transform(emailOrNull)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(100)
  email?: string | null;

  @ApiProperty({ minLength: 8, maxLength: 72 })
  @IsNewPassword()
  password!: string;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  isAdmin?: boolean;

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  isActive?: boolean;
}

export class UserUpdateDto {
  @ApiPropertyOptional({ pattern: USERNAME.source })
  @Optional()
  @Transform(trim)
  @IsString()
  @Matches(USERNAME, { message: USERNAME_MSG })
  username?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null or "" removes the email' })
  @Optional()
  @Nullable()
  @Transform(emailOrNull)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(100)
  email?: string | null;

  @ApiPropertyOptional({ minLength: 8, maxLength: 72, description: "Sets a new password and ends the user's sessions" })
  @Optional()
  @IsNewPassword()
  password?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsBoolean()
  isAdmin?: boolean;

  @ApiPropertyOptional({ description: "false disables the account and ends the user's sessions" })
  @Optional()
  @IsBoolean()
  isActive?: boolean;
}

export class UserListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Matches part of the username or email' })
  @Optional()
  @IsString()
  @MaxLength(100)
  search?: string;
}
