import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { UserResponseDto } from '../../user/dto/user-response.dto';
import { IsNewPassword } from '../../common/password.validator';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login or the previous refresh (single use).' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  refreshToken!: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  currentPassword!: string;

  @ApiProperty({ minLength: 8, maxLength: 72 })
  @IsNewPassword()
  newPassword!: string;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256) for the Authorization: Bearer header.' })
  accessToken!: string;

  @ApiProperty({ description: 'Opaque, single-use token for POST /api/auth/refresh.' })
  refreshToken!: string;

  @ApiProperty({ example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires.', example: 900 })
  expiresIn!: number;

  @ApiProperty({ description: 'Seconds until the session expires unless refreshed.', example: 604800 })
  refreshExpiresIn!: number;

  @ApiProperty({ type: UserResponseDto })
  user!: UserResponseDto;
}
