import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
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
  @IsOptional()
  @Transform(emailOrNull)
  @ValidateIf((_, v) => v !== null)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(100)
  email?: string | null;

  @ApiProperty({ minLength: 8, maxLength: 72 })
  @IsNewPassword()
  password!: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  isAdmin?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}

export class UserUpdateDto {
  @ApiPropertyOptional({ pattern: USERNAME.source })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(USERNAME, { message: USERNAME_MSG })
  username?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null or "" removes the email' })
  @IsOptional()
  @Transform(emailOrNull)
  @ValidateIf((_, v) => v !== null)
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(100)
  email?: string | null;

  @ApiPropertyOptional({ minLength: 8, maxLength: 72, description: "Sets a new password and ends the user's sessions" })
  @IsOptional()
  @IsNewPassword()
  password?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  isAdmin?: boolean;

  @ApiPropertyOptional({ description: "false disables the account and ends the user's sessions" })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}

export class UserListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Matches part of the username or email' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;
}
