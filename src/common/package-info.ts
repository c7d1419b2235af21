import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** This service's package.json, found by walking up from here (the depth differs between src/ and dist/src/). */
function findPackage(): { name: string; version: string; root: string } {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name: string; version: string };
      if (pkg.name === 'opengewe-backend') return { ...pkg, root: dir };
    }
    dir = dirname(dir);
  }
  return { name: 'opengewe-backend', version: '0.0.0', root: process.cwd() };
}

export const PACKAGE = findPackage();
