import { Controller, Delete, Get, HttpCode, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminOnly, CurrentUser } from '../common/auth.decorators';
import type { AuthUser } from '../common/auth.decorators';
import { DomainError, notFound } from '../common/domain-error';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { FileListQueryDto, FileListResponseDto } from './dto/file.dto';
import { STORED_NAME } from './file-name';
import { FileService } from './file.service';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';
import { reachableRobots } from '../auth/robot-access';

const FILENAME_PARAM = {
  name: 'filename',
  description: 'A stored file name: <sha256>.<ext> (64 lower-case hex digits, a dot, 1-8 of a-z 0-9)',
  schema: { type: 'string', pattern: STORED_NAME.source, example: `${'0'.repeat(64)}.jpg` },
} as const;
const FILE_CONTENT = { '*/*': { schema: { type: 'string', format: 'binary' } } };

@ApiTags('files')
@ApiBearerAuth()
@Controller('files')
export class FileController {
  constructor(private readonly files: FileService) {}

  @Get()
  @TokenScope('files:read')
  @ApiOperation({ summary: 'Media files of messages and their download state, newest first' })
  @ApiOkResponse({ type: FileListResponseDto })
  list(@Query() q: FileListQueryDto, @CurrentUser() user: AuthUser): Promise<FileListResponseDto> {
    return this.files.list(q, reachableRobots(user));
  }

  @Get(':filename')
  @TokenScope('files:read')
  @ApiOperation({
    summary: 'Download a stored file',
    description:
      'Served as an attachment with its sniffed Content-Type and the original name (RFC 6266). Supports Range ' +
      '(206) and conditional requests (ETag = the content hash; If-None-Match → 304).',
  })
  @ApiParam(FILENAME_PARAM)
  @ApiHeader({ name: 'Range', required: false })
  @ApiHeader({ name: 'If-None-Match', required: false })
  // the bytes come with their sniffed type (image/jpeg, audio/silk, … application/octet-stream); errors are JSON
  @ApiOkResponse({ description: 'The file, with its sniffed Content-Type', content: FILE_CONTENT })
  @ApiResponse({ status: 206, description: 'Part of the file (Range)', content: FILE_CONTENT })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match)' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'filename is not <sha256>.<ext>' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiResponse({ status: 412, type: ErrorResponseDto, description: 'If-Match / If-Unmodified-Since does not hold' })
  @ApiResponse({ status: 416, type: ErrorResponseDto, description: 'The Range is outside the file' })
  async download(
    @Param('filename') filename: string,
    @Res() res: Response,
    @CurrentUser() user: AuthUser,
  ): Promise<void> {
    const f = await this.files.download(filename, reachableRobots(user));
    res.setHeader('Content-Type', f.contentType);
    res.setHeader('Content-Disposition', f.contentDisposition);
    res.setHeader('ETag', f.etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    await new Promise<void>((resolve, reject) =>
      res.sendFile(
        f.relativePath,
        // the ETag above is the content hash; send() keeps it and answers If-None-Match / If-Range with it
        { root: f.root, dotfiles: 'deny', etag: false, lastModified: true, cacheControl: false, acceptRanges: true },
        (err?: Error & { status?: number; headers?: Record<string, string> }) => {
          if (!err || res.headersSent) return resolve();
          reject(sendError(err, filename));
        },
      ),
    );
  }

  @AdminOnly()
  @Delete(':filename')
  @Audit('file.delete', { target: 'file' })
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a stored file: its blob and every row linking to it' })
  @ApiParam(FILENAME_PARAM)
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto })
  remove(@Param('filename') filename: string, @CurrentUser() user: AuthUser): Promise<void> {
    return this.files.remove(filename, user.username);
  }
}

/** send()'s refusals as the API's error body; anything else stays a 500. */
function sendError(err: Error & { status?: number; headers?: Record<string, string> }, filename: string): Error {
  switch (err.status) {
    case 404: // the blob vanished between the check and the read (deleted meanwhile)
      return notFound('FILE_MISSING', `The blob of ${filename} is missing`, { filename });
    case 412:
      return new DomainError('PRECONDITION_FAILED', 'If-Match / If-Unmodified-Since does not hold', 412);
    case 416:
      return new DomainError('RANGE_NOT_SATISFIABLE', 'The Range is outside the file', 416, { ...err.headers });
    default:
      return err;
  }
}
