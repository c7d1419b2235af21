import { Document, Spectral } from '@stoplight/spectral-core';
import * as Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { buildOpenApi } from '../../src/app.setup';
import { createTestApp, destroyTestApp, TestApp, TestDatabase } from '../support/test-app';

describe('the OpenAPI document', () => {
  let t: TestApp & { database: TestDatabase };
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => destroyTestApp(t));

  it('passes Spectral’s recommended OpenAPI rules without errors or warnings', async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(new Document(JSON.stringify(buildOpenApi(t.app)), Parsers.Json));
    const problems = results
      .filter((r) => Number(r.severity) <= 1)
      .map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
    expect(problems).toEqual([]);
  });
});
