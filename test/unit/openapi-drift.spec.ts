import { readFileSync } from 'node:fs';
import {
  dumpOpenApi,
  generateTypes,
  OPENAPI_JSON,
  openApiTypescriptAvailable,
  SCHEMA_TS,
} from '../../scripts/openapi-dump';

const STALE =
  'is stale: the API changed since it was generated. Run `npm run web:api`, check that the console still builds ' +
  '(`npm run build:web`), and commit web/src/api/.';

/**
 * The admin console is typed by web/src/api/openapi.json and the schema.d.ts generated from it. Both are committed;
 * these tests catch an API change that did not regenerate them (the console's build then checks its own code).
 */
describe('the admin console’s copy of the OpenAPI document', () => {
  let fresh: string;
  beforeAll(async () => {
    fresh = await dumpOpenApi();
  }, 180_000);

  it('is the document the service builds now', () => {
    const committed = readFileSync(OPENAPI_JSON, 'utf8');
    if (committed !== fresh) throw new Error(`web/src/api/openapi.json ${STALE}`);
    expect(JSON.parse(fresh).paths['/api/events']).toBeDefined();
  });

  const typesCheck = openApiTypescriptAvailable() || process.env.CI === 'true' ? it : it.skip;
  if (typesCheck === it.skip)
    console.warn('\n!!! web/node_modules is missing: SKIPPING the schema.d.ts drift check. Run `npm install`. !!!\n');
  typesCheck('has its types generated from it (schema.d.ts)', () => {
    if (generateTypes(fresh) !== readFileSync(SCHEMA_TS, 'utf8')) throw new Error(`web/src/api/schema.d.ts ${STALE}`);
  });
});
