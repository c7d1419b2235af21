import type { OpenAPIObject } from '@nestjs/swagger';

/** The one error body (ErrorResponseDto), as every error response of the document names it. */
export const ERROR_SCHEMA_REF = '#/components/schemas/ErrorResponseDto';

type Parameter = { in?: string; name?: string };
type Response = { description?: string; content?: Record<string, { schema?: unknown }> };
type Operation = {
  parameters?: Parameter[];
  requestBody?: unknown;
  responses?: Record<string, Response>;
  security?: unknown[];
  'x-token-scope'?: string;
  'x-admin-only'?: boolean;
  'x-every-robot'?: boolean;
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `robot_id` → robot, `plugin_name` → plugin, `filename` → file. */
const noun = (param: string) => (param === 'filename' ? 'file' : param.replace(/_(id|name)$/, '').replace(/_/g, ' '));

/**
 * Declares on every operation the answers the global pipeline gives, whatever the handler does, each with the error
 * body as application/json:
 *
 * - 400 everywhere: a parameter or the body fails validation, or the body is not JSON the parser accepts (a body sent
 *   to an operation that takes none is still parsed);
 * - 401 and 403 on every operation that needs a token (403: not an admin where `x-admin-only`, and API tokens without
 *   the operation's `x-token-scope` or on an operation that names none);
 * - 404 where a path parameter names something (`No such robot`);
 * - 413 and 415 where the operation takes a body (too large; an encoding or charset the parser refuses).
 *
 * An answer an operation already declares keeps its description; an error answer declared without a body gets the
 * error body. Run after SwaggerModule.createDocument; the security suite checks every answer against the result.
 */
export function declarePipelineResponses(doc: OpenAPIObject): void {
  const schemas = doc.components?.schemas ?? {};
  if (!('ErrorResponseDto' in schemas)) throw new Error('ErrorResponseDto is not a component of the document');
  for (const item of Object.values(doc.paths))
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op?.responses) continue;
      const add = (status: number, description: string) => {
        op.responses![String(status)] ??= { description };
      };
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => String(p.name));
      const takesInput = !!op.requestBody || (op.parameters ?? []).some((p) => p.in === 'query' || p.in === 'path');
      add(
        400,
        takesInput
          ? 'Invalid request: a parameter or the body fails validation (one message per field), or the body is not JSON'
          : 'The request body is not JSON the service accepts',
      );
      if (op.security?.length) {
        add(401, 'No access token, or one that is invalid, expired or revoked');
        const scope = op['x-token-scope'];
        const limit = pathParams.includes('robot_id')
          ? ', or limited to other robots'
          : op['x-every-robot']
            ? ', or limited to chosen robots (this route concerns every robot)'
            : '';
        const tokens = scope
          ? `an API token without the scope ${scope}${limit}`
          : 'API tokens are refused (log in as a user)';
        add(403, op['x-admin-only'] ? `Not an admin; or ${tokens}` : tokens[0].toUpperCase() + tokens.slice(1));
      }
      if (pathParams.length) add(404, `No such ${pathParams.map(noun).join(' or ')}`);
      if (op.requestBody) {
        add(413, 'The request body is larger than the limit');
        add(415, 'The request body has an encoding or charset the service does not read');
      }
      for (const [status, response] of Object.entries(op.responses))
        if (Number(status) >= 400 && !response.content)
          response.content = { 'application/json': { schema: { $ref: ERROR_SCHEMA_REF } } };
      op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => a.localeCompare(b)));
    }
}
