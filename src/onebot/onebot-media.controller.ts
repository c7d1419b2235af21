import { Controller, Get, Param, ParseIntPipe, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth.decorators';
import { notFound } from '../common/domain-error';
import { contentDisposition } from '../file/content-disposition';
import { MEDIA_KINDS, OneBotMedia } from './onebot-media';
import type { MediaFile, MediaKind } from './onebot-media';

/**
 * The gateway's media at /onebot/v11/media (outside /api): a message's media for clients and sources hosted for Gewe.
 * Public, as Gewe and the frameworks fetch them without our tokens: the URL's signature and expiry are the proof (403
 * forged, 410 expired). Not part of the REST API's document.
 */
@ApiExcludeController()
@Public()
@Controller('onebot/v11/media')
export class OneBotMediaController {
  constructor(private readonly media: OneBotMedia) {}

  @Get('m/:robotId/:messageId/:kind')
  async inbound(
    @Param('robotId', ParseIntPipe) robotId: number,
    @Param('messageId', ParseIntPipe) messageId: number,
    @Param('kind') kind: string,
    @Query('exp') exp: unknown,
    @Query('sig') sig: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!(MEDIA_KINDS as readonly string[]).includes(kind))
      throw notFound('ONEBOT_MEDIA_NOT_FOUND', `No media kind ${kind}`, { what: kind });
    this.media.verify(req.path, exp, sig);
    await send(res, await this.media.inboundFile(robotId, messageId, kind as MediaKind));
  }

  @Get('h/:name')
  async hosted(
    @Param('name') name: string,
    @Query('exp') exp: unknown,
    @Query('sig') sig: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    this.media.verify(req.path, exp, sig);
    await send(res, await this.media.hostedFile(name));
  }
}

function send(res: Response, f: MediaFile): Promise<void> {
  res.setHeader('Content-Type', f.contentType);
  res.setHeader('Content-Disposition', contentDisposition(f.name));
  res.setHeader('Cache-Control', 'private, max-age=300');
  return new Promise<void>((resolve, reject) =>
    res.sendFile(f.path, { dotfiles: 'allow', acceptRanges: true, cacheControl: false }, (err?: Error) => {
      if (!err || res.headersSent) return resolve();
      reject(notFound('ONEBOT_MEDIA_NOT_FOUND', 'The media file vanished', { what: f.name }));
    }),
  );
}
