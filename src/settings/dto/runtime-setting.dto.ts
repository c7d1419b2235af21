import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RUNTIME_SETTING_NAMES, settingField } from '../runtime-settings';

/**
 * What a runtime setting's value is served as, by its `type`: string, enum → a string; int, duration (milliseconds),
 * size (bytes) → a number; bool → a boolean; string[] → a list of strings. Secrets are the string ********.
 */
const SETTING_VALUE = {
  oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }],
};
const SETTING_KINDS = [...new Set(RUNTIME_SETTING_NAMES.map((n) => settingField(n)!.kind))];

export class RuntimeSettingDto {
  @ApiProperty({ example: 'logging.level' }) name!: string;
  @ApiProperty({ ...SETTING_VALUE, description: 'Current value (secrets masked as ********)' })
  value!: unknown;
  @ApiProperty({ ...SETTING_VALUE, description: 'Value from the config file or its default (secrets masked)' })
  defaultValue!: unknown;
  @ApiProperty({ enum: ['config', 'runtime'] }) source!: 'config' | 'runtime';
  @ApiProperty() description!: string;
  @ApiProperty() category!: string;
  @ApiProperty({
    enum: SETTING_KINDS,
    example: 'enum',
    description: 'int, duration (ms) and size (bytes) are numbers; string[] a list',
  })
  type!: string;
  @ApiPropertyOptional({ type: [String] }) allowedValues?: string[];
  @ApiProperty() sensitive!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
}
