import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error body every endpoint answers with. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['username must be longer than or equal to 3 characters'],
  })
  message!: string | string[];

  @ApiProperty({ example: 'b1c4e0b2-0f4e-4a39-9d1e-2f2d7f8f3a10' })
  requestId!: string;

  @ApiPropertyOptional({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code.' })
  code?: string;
}
