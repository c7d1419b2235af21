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
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminOnly, CurrentUser } from '../auth/auth.decorators';
import type { AuthUser } from '../auth/auth.decorators';
import { DomainError, notFound } from '../common/domain-error';
import { ErrorResponseDto } from '../common/dto/error-response.dto';
import { FileListQueryDto, FileListResponseDto } from './dto/file.dto';
import { FileService } from './file.service';
import { Audit } from '../audit/audit.decorator';
import { TokenScope } from '../auth/api-token.scopes';

@ApiTags('files')
@ApiBearerAuth()
@Controller('files')
export class FileController {
  constructor(private readonly files: FileService) {}

  @Get()
  @TokenScope('files:read')
  @ApiOperation({ summary: 'Media files of messages and their download state, newest first' })
  @ApiOkResponse({ type: FileListResponseDto })
  list(@Query() q: FileListQueryDto): Promise<FileListResponseDto> {
    return this.files.list(q);
  }

  @Get(':filename')
  @TokenScope('files:read')
  @ApiOperation({
    summary: 'Download a stored file',
    description:
      'Served as an attachment with its sniffed Content-Type and the original name (RFC 6266). Supports Range ' +
      '(206) and conditional requests (ETag = the content hash; If-None-Match → 304).',
  })
  @ApiParam({ name: 'filename', description: '<sha256>.<ext>', example: `${'0'.repeat(64)}.jpg` })
  @ApiHeader({ name: 'Range', required: false })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 206, description: 'Part of the file (Range)' })
  @ApiResponse({ status: 304, description: 'Not modified (If-None-Match)' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'filename is not <sha256>.<ext>' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async download(@Param('filename') filename: string, @Res() res: Response): Promise<void> {
    const f = await this.files.download(filename);
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
  @ApiParam({ name: 'filename', description: '<sha256>.<ext>' })
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
      return notFound('FILE_MISSING', `The blob of ${filename} is missing`);
    case 412:
      return new DomainError('PRECONDITION_FAILED', 'If-Match / If-Unmodified-Since does not hold', 412);
    case 416:
      return new DomainError('RANGE_NOT_SATISFIABLE', 'The Range is outside the file', 416, { ...err.headers });
    default:
      return err;
  }
}
