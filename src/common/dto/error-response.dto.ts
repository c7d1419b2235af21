import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One field's error in a validation failure: the constraint as a code, the field's path among the params. */
export class FieldErrorDto {
  @ApiProperty({ example: 'username', description: 'The field, by its path (settings.level)' })
  field!: string;

  @ApiProperty({ example: 'minLength', description: 'The constraint it fails (FIELD_CODES in message-codes.ts)' })
  code!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    example: { field: 'username', limit: 3 },
  })
  params!: Record<string, string | number>;
}

/** The one error body every endpoint answers with. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['username must be longer than or equal to 3 characters'],
    description: 'English, for API users and logs; the console shows its own text for `code`',
  })
  message!: string | string[];

  @ApiProperty({ example: 'b1c4e0b2-0f4e-4a39-9d1e-2f2d7f8f3a10' })
  requestId!: string;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code (message-codes.ts).' })
  code!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    example: {},
    description: "The values of the code's text (an id, a name, a limit)",
  })
  params!: Record<string, string | number>;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Per field, when a request failed validation' })
  errors?: FieldErrorDto[];
}
