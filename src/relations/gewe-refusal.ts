import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { GeweApiError } from '../gewe/gewe.errors';

/**
 * Gewe's refusals turned into codes the console can explain. Gewe answers `ret != 200` with a Chinese reason; the
 * ones an operator can act on are "the robot is not the group's owner/admin" (群主 / 管理员 / 权限) and "this needs the
 * paid service" (付费; also the local `该接口仅限付费版gewe调用`). Anything else stays the GeweApiError it was
 * (502 with Gewe's reason for admins).
 */
const NOT_OWNER = /群主|管理员|无权|权限|not (the )?owner|permission/i;
const PAID = /付费|paid/i;

export function mapGeweRefusal(err: unknown, chatId: string | null): unknown {
  if (!(err instanceof GeweApiError)) return err;
  const text = `${err.geweMsg ?? ''} ${err.reason}`;
  if (PAID.test(text))
    return new DomainError(
      'GEWE_PAID_FEATURE',
      `Gewe ${err.endpoint} needs the paid Gewe service`,
      HttpStatus.FORBIDDEN,
      {},
      {
        endpoint: err.endpoint,
      },
    );
  if (chatId !== null && NOT_OWNER.test(text))
    return new DomainError(
      'GROUP_NOT_OWNER',
      `The robot is not the owner or an admin of ${chatId}: Gewe refused ${err.endpoint}`,
      HttpStatus.FORBIDDEN,
      {},
      { id: chatId },
    );
  return err;
}

/** Runs a Gewe call, mapping its refusal (see mapGeweRefusal). */
export async function refusalMapped<T>(chatId: string | null, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapGeweRefusal(err, chatId);
  }
}
