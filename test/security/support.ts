import type { OpenAPIObject } from '@nestjs/swagger';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The OpenAPI path, e.g. /api/robots/{robot_id}. */
  path: string;
  params: string[];
  queryNames: string[];
  bodyProps: string[];
  hasBody: boolean;
  /** @AdminOnly (x-admin-only): a user who is not an admin is refused. */
  adminOnly: boolean;
  isPublic: boolean;
  statuses: number[];
  /** Answers an endless stream (text/event-stream): a request to it never completes by itself. */
  streaming: boolean;
}

type Op = {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string; properties?: Record<string, unknown> } }> };
  responses?: Record<string, { content?: Record<string, unknown> } | undefined>;
  security?: unknown[];
  'x-admin-only'?: boolean;
};

/** Every operation of the document, with what a fuzzer needs to call it. */
export function operations(doc: OpenAPIObject): Operation[] {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = (item as Record<string, Op | undefined>)[method];
      if (!op) continue;
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const ref = schema?.$ref?.split('/').pop();
      const props = Object.keys((ref ? schemas[ref]?.properties : schema?.properties) ?? {});
      out.push({
        method,
        path,
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyProps: props,
        hasBody: !!op.requestBody,
        adminOnly: op['x-admin-only'] === true,
        isPublic: !op.security?.length,
        statuses: Object.keys(op.responses ?? {}).map(Number),
        streaming: Object.values(op.responses ?? {}).some((r) => !!r?.content?.['text/event-stream']),
      });
    }
  return out;
}
