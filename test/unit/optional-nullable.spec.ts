import { plainToInstance, Type } from 'class-transformer';
import { IsBoolean, IsObject, IsString, MaxLength, validate, ValidateNested } from 'class-validator';
import { flattenValidationErrors, Nullable, Optional } from '../../src/common/validation';

class Inner {
  @Optional()
  @IsString()
  region?: string;
}

class Body {
  @Optional()
  @IsString()
  @MaxLength(10)
  name?: string;

  @Optional()
  @Nullable()
  @IsString()
  downloadUrl?: string | null;

  @Nullable()
  @IsBoolean()
  enabled!: boolean | null;

  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => Inner)
  config?: Inner;
}

const problems = async (plain: object) =>
  flattenValidationErrors(
    await validate(plainToInstance(Body, plain), { whitelist: true, forbidNonWhitelisted: true }),
  );

describe('Optional() and Nullable()', () => {
  it('skips a missing optional field, and checks a present one', async () => {
    expect(await problems({ enabled: true })).toEqual([]);
    expect(await problems({ enabled: true, name: 5 })).toEqual([
      'name must be shorter than or equal to 10 characters',
      'name must be a string',
    ]);
  });

  it('refuses null for an optional field that is not nullable, with one message naming it', async () => {
    expect(await problems({ enabled: true, name: null })).toEqual(['name must not be null']);
    expect(await problems({ enabled: true, config: null })).toEqual(['config must not be null']);
    expect(await problems({ enabled: true, config: { region: null } })).toEqual(['config.region must not be null']);
  });

  it('accepts null for a nullable field, and leaving it out when it is also optional', async () => {
    expect(await problems({ enabled: null, downloadUrl: null })).toEqual([]);
    expect(await problems({ enabled: false })).toEqual([]);
    expect(await problems({ enabled: true, downloadUrl: 3 })).toEqual(['downloadUrl must be a string']);
  });

  it('still requires a nullable field that is not optional', async () => {
    expect(await problems({})).toEqual(['enabled must be a boolean value']);
  });
});
