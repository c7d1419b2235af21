import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minVersion, satisfies, validRange } from 'semver';

/**
 * package.json's `engines` states the Node versions every installed package accepts: for the lowest version of each
 * range it names (20.19.0, 22.13.0, …) no package of the service or of the console declares an engine it does not
 * meet — `npm ci` prints no EBADENGINE there.
 */
const root = join(__dirname, '../..');
const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

function nodeEngine(p: Lock['packages'][string]): string | undefined {
  return Array.isArray(p.engines) ? undefined : p.engines?.node;
}

describe('engines', () => {
  const range = (read('package.json').engines as { node: string }).node;
  // the lowest version of each alternative: "^20.19.0 || ^22.13.0 || >=24.11.0" → 20.19.0, 22.13.0, 24.11.0
  const lowest = range.split('||').map((r) => minVersion(r.trim())!.version);

  it('names versions that exist as a range', () => {
    expect(validRange(range)).not.toBeNull();
    expect(lowest.length).toBeGreaterThan(0);
  });

  it.each(['package-lock.json', 'web/package-lock.json'])('every package in %s accepts them', (lockfile) => {
    const lock = read(lockfile) as unknown as Lock;
    const refused: string[] = [];
    for (const [name, p] of Object.entries(lock.packages)) {
      const engine = nodeEngine(p);
      if (!name || !engine) continue;
      for (const v of lowest)
        if (!satisfies(v, engine, { includePrerelease: true }))
          refused.push(`${name}@${p.version}: node ${engine} (not ${v})`);
    }
    expect(refused).toEqual([]);
  });
});
