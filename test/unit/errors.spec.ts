import {
  ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  ValidationError,
} from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Min, MinLength, ValidateNested } from 'class-validator';
import { AllExceptionsFilter, toErrorBody } from '../../src/common/all-exceptions.filter';
import { badRequest, DomainError, notFound, tooManyRequests } from '../../src/common/domain-error';
import { IdParamPipe } from '../../src/common/id-param.pipe';
import { createValidationPipe, flattenValidationErrors } from '../../src/common/validation';
import { GeweApiError } from '../../src/gewe/gewe.errors';

const RID = 'req-7f3a';

/** An error shaped like the ones body-parser throws (http-errors with a `type`). */
function bodyParserError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: true });
}

describe('toErrorBody', () => {
  it('maps a DomainError to its status, code and message', () => {
    expect(toErrorBody(notFound('USER_NOT_FOUND', 'User 3 not found'), RID)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'User 3 not found',
      requestId: RID,
      code: 'USER_NOT_FOUND',
      params: {},
    });
  });

  it('maps a DomainError with a custom status such as 429', () => {
    expect(toErrorBody(tooManyRequests('LOGIN_SLOWED_DOWN', 'Locked', 30), RID)).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Locked',
      requestId: RID,
      code: 'LOGIN_SLOWED_DOWN',
      params: { retryAfter: 30 },
    });
  });

  it('keeps the message array and the code of an HttpException', () => {
    const err = new BadRequestException({
      message: ['username must be a string', 'password should not be empty'],
      code: 'VALIDATION_FAILED',
      params: {},
    });
    expect(toErrorBody(err, RID)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['username must be a string', 'password should not be empty'],
      requestId: RID,
      code: 'VALIDATION_FAILED',
      params: {},
    });
  });

  it('gives an HttpException without a code the default code of its status', () => {
    expect(toErrorBody(new NotFoundException(), RID)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Not Found',
      requestId: RID,
      code: 'NOT_FOUND',
      params: {},
    });
    expect(toErrorBody(new ForbiddenException('Admins only'), RID)).toMatchObject({
      statusCode: 403,
      message: 'Admins only',
      code: 'FORBIDDEN',
      params: {},
    });
  });

  it('uses a plain string response as the message and gives a status without a code of its own a generic one', () => {
    const body = toErrorBody(new HttpException('I refuse', HttpStatus.I_AM_A_TEAPOT), RID);
    expect(body).toEqual({
      statusCode: 418,
      error: "I'm a Teapot",
      message: 'I refuse',
      requestId: RID,
      code: 'BAD_REQUEST',
      params: {},
    });
    expect(toErrorBody(new HttpException('down', HttpStatus.SERVICE_UNAVAILABLE), RID).code).toBe('INTERNAL_ERROR');
  });

  it('carries the params of a DomainError, and leaves out upstream text for a caller without detail', () => {
    expect(toErrorBody(notFound('USER_NOT_FOUND', 'User 3 does not exist', { id: 3 }), RID)).toMatchObject({
      code: 'USER_NOT_FOUND',
      params: { id: 3 },
    });
    const gewe = new GeweApiError('/login/checkLogin', 500, 'x', '已达到最大客户端数量操作');
    expect(toErrorBody(gewe, RID, { detail: true })).toMatchObject({
      code: 'GEWE_API_ERROR',
      params: { endpoint: '/login/checkLogin', ret: 500, reason: '已达到最大客户端数量操作' },
    });
    const body = toErrorBody(gewe, RID);
    expect(body.params).toEqual({ endpoint: '/login/checkLogin', ret: 500 });
    expect(JSON.stringify(body)).not.toContain('已达到');
  });

  it('maps a malformed JSON body to 400 MALFORMED_JSON without echoing the parser message', () => {
    const err = bodyParserError(400, 'entity.parse.failed', 'Unexpected token } in JSON at position 12');
    const body = toErrorBody(err, RID);
    expect(body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Request body is not valid JSON',
      requestId: RID,
      code: 'MALFORMED_JSON',
      params: {},
    });
  });

  it('maps the plain body-parser shape {status, type, expose} too', () => {
    expect(toErrorBody({ status: 400, type: 'entity.parse.failed', expose: true }, RID)).toMatchObject({
      statusCode: 400,
      code: 'MALFORMED_JSON',
      params: {},
    });
    expect(toErrorBody({ status: 413, type: 'entity.too.large', expose: true }, RID)).toMatchObject({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      params: {},
    });
  });

  it('maps a body that is too large to 413 PAYLOAD_TOO_LARGE', () => {
    expect(toErrorBody(bodyParserError(413, 'entity.too.large', 'request entity too large'), RID)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
      requestId: RID,
      code: 'PAYLOAD_TOO_LARGE',
      params: {},
    });
  });

  it('maps an unsupported body encoding or charset to 415', () => {
    for (const type of ['encoding.unsupported', 'charset.unsupported'])
      expect(toErrorBody(bodyParserError(415, type, 'unsupported charset "KOI8-X"'), RID)).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'Unsupported request body encoding',
        requestId: RID,
        code: 'UNSUPPORTED_ENCODING',
        params: {},
      });
  });

  it('recognises a body-parser error wrapped in an HttpException as its cause', () => {
    const cause = bodyParserError(400, 'entity.parse.failed', 'Unexpected end of JSON input');
    expect(toErrorBody(new BadRequestException('Bad', { cause }), RID)).toMatchObject({
      statusCode: 400,
      code: 'MALFORMED_JSON',
      message: 'Request body is not valid JSON',
    });
    const tooLarge = bodyParserError(413, 'entity.too.large', 'too large');
    expect(toErrorBody(new PayloadTooLargeException('x', { cause: tooLarge }), RID)).toMatchObject({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      params: {},
    });
  });

  it('keeps the status of another 4xx http-error wrapped by the Express adapter', () => {
    const cause = bodyParserError(400, 'request.size.invalid', 'request size did not match content length');
    expect(toErrorBody(new HttpException(cause.message, 400, { cause }), RID)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'request size did not match content length',
      requestId: RID,
      code: 'BAD_REQUEST',
      params: {},
    });
  });

  it('turns an unknown Error into a 500 that does not leak its message', () => {
    const err = new Error('connect ECONNREFUSED 10.0.0.5:3306 password=hunter2');
    const body = toErrorBody(err, RID);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: RID,
      code: 'INTERNAL_ERROR',
      params: {},
    });
    expect(JSON.stringify(body)).not.toMatch(/hunter2|ECONNREFUSED|10\.0\.0\.5/);
  });

  it.each([
    ['a thrown string', 'boom'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a plain object with a message', { message: 'secret detail' }],
  ])('turns %s into a 500', (_what, thrown) => {
    const body = toErrorBody(thrown, RID);
    expect(body.statusCode).toBe(500);
    expect(body.message).toBe('Internal server error');
    expect(JSON.stringify(body)).not.toContain('secret detail');
  });

  it.each([
    ['a DomainError', badRequest('BAD_REQUEST', 'x')],
    ['an HttpException', new NotFoundException()],
    ['a body-parser error', bodyParserError(400, 'entity.parse.failed', 'x')],
    ['an unknown error', new Error('x')],
  ])('always includes the request id for %s', (_what, thrown) => {
    expect(toErrorBody(thrown, 'rid-123').requestId).toBe('rid-123');
    expect(toErrorBody(thrown, '')).toHaveProperty('requestId', '');
  });
});

describe('AllExceptionsFilter', () => {
  function fakeHost(reqId: string | undefined, headersSent = false) {
    const res = {
      headersSent,
      setHeader: jest.fn(),
      status: jest.fn(),
      json: jest.fn(),
    };
    res.status.mockReturnValue(res);
    const host = {
      switchToHttp: () => ({ getRequest: () => ({ id: reqId }), getResponse: () => res }),
    } as unknown as ArgumentsHost;
    return { host, res };
  }

  let logError: jest.SpyInstance;
  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    logError.mockRestore();
  });

  it('answers with the error body and the DomainError headers', () => {
    const { host, res } = fakeHost('r-1');
    new AllExceptionsFilter().catch(tooManyRequests('LOGIN_SLOWED_DOWN', 'Locked', 42), host);
    expect(res.setHeader).toHaveBeenCalledWith('Retry-After', '42');
    expect(res.status).toHaveBeenCalledWith(429);
    expect(res.json).toHaveBeenCalledWith(toErrorBody(tooManyRequests('LOGIN_SLOWED_DOWN', 'Locked', 42), 'r-1'));
    expect(logError).not.toHaveBeenCalled();
  });

  it('logs an unknown error with the request id and answers 500', () => {
    const { host, res } = fakeHost('r-2');
    const err = new Error('kaboom');
    new AllExceptionsFilter().catch(err, host);
    expect(logError).toHaveBeenCalledWith({ err, requestId: 'r-2' }, 'Unhandled error');
    expect(res.status).toHaveBeenCalledWith(500);
    expect(res.json.mock.calls[0][0]).toMatchObject({ requestId: 'r-2', message: 'Internal server error' });
  });

  it('uses an empty request id when the request has none', () => {
    const { host, res } = fakeHost(undefined);
    new AllExceptionsFilter().catch(new NotFoundException(), host);
    expect(res.json.mock.calls[0][0]).toMatchObject({ requestId: '', statusCode: 404 });
  });

  it('writes nothing once the headers were sent', () => {
    const { host, res } = fakeHost('r-3', true);
    new AllExceptionsFilter().catch(badRequest('BAD_REQUEST', 'x'), host);
    expect(res.status).not.toHaveBeenCalled();
    expect(res.json).not.toHaveBeenCalled();
    expect(res.setHeader).not.toHaveBeenCalled();
  });
});

describe('IdParamPipe', () => {
  const pipe = new IdParamPipe('user_id');

  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2_147_483_647],
  ])('accepts "%s" as %d', (input, expected) => {
    expect(pipe.transform(input)).toBe(expected);
  });

  it.each(['0', '-1', 'abc', '1.5', '99999999999', '2147483648', '', ' 1', '1 ', '1e3', '0x10', '+1', '١'])(
    'rejects "%s" with a 400 naming the parameter',
    (input) => {
      let thrown: unknown;
      try {
        pipe.transform(input);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      const err = thrown as DomainError;
      expect(err.status).toBe(400);
      expect(err.code).toBe('INVALID_ID');
      expect(err.message).toBe('user_id must be a positive integer');
    },
  );

  it('names whichever parameter it was created for', () => {
    expect(() => new IdParamPipe('robot_id').transform('x')).toThrow('robot_id must be a positive integer');
  });
});

describe('flattenValidationErrors', () => {
  const error = (property: string, constraints?: Record<string, string>, children: ValidationError[] = []) =>
    ({ property, constraints, children }) as ValidationError;

  it('returns the constraint messages of top-level fields as they are', () => {
    expect(
      flattenValidationErrors([
        error('username', { minLength: 'username must be longer than or equal to 3 characters' }),
        error('password', { isString: 'password must be a string', isNotEmpty: 'password should not be empty' }),
      ]),
    ).toEqual([
      'username must be longer than or equal to 3 characters',
      'password must be a string',
      'password should not be empty',
    ]);
  });

  it('names nested fields by their path', () => {
    const errors = [
      error('settings', undefined, [
        error('level', { isIn: 'level must be one of the following values: info, warn' }),
        error('limits', undefined, [error('depth', { min: 'depth must not be less than 1' })]),
      ]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      'settings.level must be one of the following values: info, warn',
      'settings.limits.depth must not be less than 1',
    ]);
  });

  it('names array items by their index', () => {
    const errors = [
      error('robots', undefined, [error('1', undefined, [error('name', { isString: 'name must be a string' })])]),
    ];
    expect(flattenValidationErrors(errors)).toEqual(['robots.1.name must be a string']);
  });

  it('keeps a custom nested message that does not start with the field name', () => {
    const errors = [error('settings', undefined, [error('password', { strong: 'Choose a stronger password' })])];
    expect(flattenValidationErrors(errors)).toEqual(['Choose a stronger password']);
  });

  it('returns nothing for no errors', () => {
    expect(flattenValidationErrors([])).toEqual([]);
  });
});

class LimitsDto {
  @IsInt()
  @Min(1)
  depth!: number;
}

class SettingsDto {
  @IsIn(['info', 'warn'])
  level!: string;

  @ValidateNested()
  @Type(() => LimitsDto)
  limits!: LimitsDto;
}

class UpdateDto {
  @IsString()
  @MinLength(3)
  name!: string;

  @ValidateNested()
  @Type(() => SettingsDto)
  settings!: SettingsDto;
}

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();
  const validate = (value: unknown) => pipe.transform(value, { type: 'body', metatype: UpdateDto });

  async function rejectionOf(value: unknown): Promise<ReturnType<typeof toErrorBody>> {
    try {
      await validate(value);
    } catch (err) {
      expect(err).toBeInstanceOf(BadRequestException);
      return toErrorBody(err, RID);
    }
    throw new Error('expected a validation failure');
  }

  it('accepts a valid body and returns a DTO instance', async () => {
    const dto = await validate({ name: 'bot', settings: { level: 'info', limits: { depth: 2 } } });
    expect(dto).toBeInstanceOf(UpdateDto);
    expect(dto.settings.limits).toBeInstanceOf(LimitsDto);
  });

  it('answers VALIDATION_FAILED with messages naming nested fields by path', async () => {
    const body = await rejectionOf({ name: 'ab', settings: { level: 'loud', limits: { depth: 0 } } });
    expect(body.statusCode).toBe(400);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.message).toEqual(
      expect.arrayContaining([
        'name must be longer than or equal to 3 characters',
        expect.stringMatching(/^settings\.level must be one of the following values/),
        'settings.limits.depth must not be less than 1',
      ]),
    );
  });

  it('gives each failed field its constraint as a code, with the field and the constraint values as params', async () => {
    const body = await rejectionOf({ name: 'ab', settings: { level: 'loud', limits: { depth: 0 } } });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', code: 'minLength', params: { field: 'name', limit: 3 } },
        { field: 'settings.level', code: 'isIn', params: { field: 'settings.level', values: expect.any(String) } },
        { field: 'settings.limits.depth', code: 'min', params: { field: 'settings.limits.depth', limit: 1 } },
      ]),
    );
    const extra = await rejectionOf({ name: 'bot', settings: { level: 'info', limits: { depth: 1 } }, admin: true });
    expect(extra.errors).toEqual([{ field: 'admin', code: 'whitelistValidation', params: { field: 'admin' } }]);
  });

  it('refuses properties that are not in the DTO, naming them', async () => {
    const body = await rejectionOf({ name: 'bot', settings: { level: 'info', limits: { depth: 1 } }, admin: true });
    expect(body.message).toEqual(['property admin should not exist']);
  });
});
