import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const AUDIT_SPEC = 'audit:spec';

export interface AuditSpec {
  /** `<area>.<verb>`, e.g. `robot.update`. */
  action: string;
  /** The kind of thing acted on: `robot`, `user`, `plugin`… */
  target?: string;
  /**
   * The route parameter holding the target's id. Default: the route's only parameter, else the `id` of the answer
   * (a create).
   */
  targetParam?: string;
  /**
   * The request body in the row's details, secrets masked: `true` (default), `false` (the handler notes what matters,
   * e.g. a config diff), or the fields to keep.
   */
  body?: boolean | readonly string[];
}

/**
 * Records the route in the audit log: after the handler, with its outcome (ok and the status, or failed with the error
 * status and message), the caller, IP and request id. Every mutation of the admin API carries one (a test walks the
 * OpenAPI document to keep it so). Also documented on the operation as `x-audit-action`.
 */
export const Audit = (action: string, options: Omit<AuditSpec, 'action'> = {}) =>
  applyDecorators(SetMetadata(AUDIT_SPEC, { action, ...options }), ApiExtension('x-audit-action', action));
