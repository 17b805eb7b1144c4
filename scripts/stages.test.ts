/**
 * stages.json is the one list of stage folders: ESLint and vitest read it, and tsconfig.json (which cannot import
 * it) must agree with it. These checks fail when a folder is added, renamed or dropped in one place only.
 */
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import STAGES_FILE from '../stages.json';

const ROOT = path.resolve(import.meta.dirname, '..');
const { stages, tsconfigAlsoIncludes } = STAGES_FILE;
const names = Object.keys(stages);
/** Folders that are not code: dependencies, build output and caches. */
const NOT_CODE = new Set(['node_modules', 'public', 'data', 'test-results', 'playwright-report']);

function holdsTypeScript(dir: string, depth = 0): boolean {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some((e) => (e.isFile() && /\.tsx?$/.test(e.name)) || (e.isDirectory() && depth < 4 && holdsTypeScript(path.join(dir, e.name), depth + 1)));
}

describe('stages.json, the one list of stage folders', () => {
  it('is what tsconfig.json includes, beside the root files it names', () => {
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
    expect([...tsconfig.include].sort(), 'tsconfig.json "include" must be the stages of stages.json plus its tsconfigAlsoIncludes').toEqual(
      [...names, ...tsconfigAlsoIncludes].sort(),
    );
  });

  it('names only stages in each stage\'s imports, never the stage itself', () => {
    for (const [name, stage] of Object.entries(stages)) {
      const imports: readonly string[] = stage.imports ?? [];
      for (const imported of imports) {
        expect(names, `${name} imports ${imported}`).toContain(imported);
        expect(imported, `${name} imports itself`).not.toBe(name);
      }
    }
  });

  it('lists every top-level folder that holds TypeScript', () => {
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !NOT_CODE.has(e.name) && holdsTypeScript(path.join(ROOT, e.name)))
      .map((e) => e.name);
    expect(folders.filter((f) => !names.includes(f)), 'folders with TypeScript missing from stages.json').toEqual([]);
  });
});
