import { ApiProperty } from '@nestjs/swagger';

/** `{ status: "success", message }` as the spec's endpoints answer. */
export class StatusResponseDto {
  @ApiProperty({ example: 'success' })
  status!: 'success';

  @ApiProperty({ example: 'User deleted' })
  message!: string;

  static ok(message: string): StatusResponseDto {
    return { status: 'success', message };
  }
}
