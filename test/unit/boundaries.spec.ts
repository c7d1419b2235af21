import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkBoundaries, LayerTable, loadLayerTable } from '../../scripts/check-boundaries';

/** The import-graph check run by `npm run lint` (scripts/check-boundaries.ts), on tiny fixture trees. */
describe('boundary check', () => {
  const table: LayerTable = {
    layers: [
      { name: 'foundation', folders: ['config', 'common'] },
      { name: 'domain', folders: ['robot', 'plugin'] },
      { name: 'app', folders: ['(app)'] },
    ],
  };
  let root: string;
  const write = (files: Record<string, string>): string => {
    const src = join(root, 'src');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(src, path)), { recursive: true });
      writeFileSync(join(src, path), text);
    }
    return src;
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'boundaries-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const clean = {
    'main.ts': "import { RobotService } from './robot/robot.service';\nexport const app = RobotService;\n",
    'config/app-config.ts': "import { E } from '../common/domain-error';\nexport const APP_CONFIG = E;\n",
    'common/domain-error.ts': 'export const E = 1;\n',
    'robot/robot.service.ts': "import { E } from '../common/domain-error';\nexport class RobotService { e = E; }\n",
    'plugin/plugin.service.ts':
      "import { RobotService } from '../robot/robot.service';\nexport class PluginService { r = RobotService; }\n",
  };

  it('passes a tree that keeps the rule (specs and packages are not counted)', () => {
    const src = write({
      ...clean,
      'config/app-config.spec.ts': "import '../plugin/plugin.service';\n",
      'robot/robot.entity.ts': "import { Entity } from 'typeorm';\nexport const X = Entity;\n",
    });
    expect(checkBoundaries(src, table)).toEqual([]);
  });

  it('fails on a foundation module importing a domain module, naming the file and the import', () => {
    const src = write({
      ...clean,
      'config/config-schema.ts':
        "import type { RobotService } from '../robot/robot.service';\nexport type R = RobotService;\n",
    });
    const violations = checkBoundaries(src, table);
    expect(violations.map((v) => v.kind)).toEqual(['forbidden-import']);
    expect(violations[0].message).toContain("src/config/config-schema.ts imports '../robot/robot.service'");
    expect(violations[0].message).toContain('config (foundation) may not depend on robot (domain)');
  });

  it('fails on a cycle between two folders of the same layer, listing the imports that close it', () => {
    const src = write({
      ...clean,
      'robot/robot-plugins.ts': "export const load = () => import('../plugin/plugin.service');\n",
    });
    const violations = checkBoundaries(src, table);
    expect(violations.map((v) => v.kind)).toEqual(['cycle']);
    expect(violations[0].message).toContain(
      'the folders plugin, robot import each other (a cycle), e.g. plugin -> robot -> plugin',
    );
    expect(violations[0].message).toContain("src/robot/robot-plugins.ts imports '../plugin/plugin.service'");
    expect(violations[0].message).toContain("src/plugin/plugin.service.ts imports '../robot/robot.service'");
  });

  it("fails on an orchestrator importing another module's entity (it asks the service)", () => {
    const status = {
      ...clean,
      'system/system.service.ts':
        "import { RobotService } from '../robot/robot.service';\nexport const S = RobotService;\n",
    };
    const layered: LayerTable = {
      layers: [...table.layers.slice(0, 2), { name: 'orchestration', folders: ['system'] }, table.layers[2]],
      servicesOnly: ['orchestration'],
    };
    expect(checkBoundaries(write(status), layered)).toEqual([]);
    const src = write({
      'system/system.service.ts':
        "import { RobotEntity } from '../robot/robot.entity';\nexport const S = RobotEntity;\n",
      'robot/robot.entity.ts': 'export class RobotEntity {}\n',
    });
    expect(checkBoundaries(src, layered).map((v) => v.message)).toEqual([
      "src/system/system.service.ts imports '../robot/robot.entity': system (orchestration) reaches another module's " +
        "table through that module's service, not its entity",
    ]);
  });

  it('fails on a folder that is in no layer', () => {
    const src = write({ ...clean, 'stray/thing.ts': 'export const T = 1;\n' });
    expect(checkBoundaries(src, table).map((v) => v.message)).toEqual([
      'src/stray/ is in no layer of the boundary table: add it to one (scripts/boundaries.json)',
    ]);
  });

  it('holds on this repository, and docs/ARCHITECTURE.md lists every folder of the table', () => {
    const repo = join(__dirname, '..', '..');
    const real = loadLayerTable(join(repo, 'scripts', 'boundaries.json'));
    expect(checkBoundaries(join(repo, 'src'), real)).toEqual([]);
    const doc = readFileSync(join(repo, 'docs', 'ARCHITECTURE.md'), 'utf8');
    for (const folder of real.layers.flatMap((l) => l.folders).filter((f) => f !== '(app)'))
      expect(doc).toContain(`\`${folder}/\``);
  });
});
