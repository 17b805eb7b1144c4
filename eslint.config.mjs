// ESLint: typescript-eslint's type-aware rules (no-floating-promises and friends) plus the module boundaries
// of stages.json (docs/architecture.md), checked as import rules per folder, and no import circles.
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** The stage folders and what each may import of ours: stages.json, the one list (docs/architecture.md). */
const { stages: STAGES } = JSON.parse(readFileSync(new URL('./stages.json', import.meta.url), 'utf8'));
const STAGE_NAMES = Object.keys(STAGES);
const DOM_PACKAGES = { regex: '^(react|react-dom|gatsby|react-gtm-module)(/|$)' };

/** The import rules of one stage: none of ours outside its list; no DOM/UI packages where it is marked noDom. */
function boundary(stage) {
  const { imports, noDom = false, domAllowedIn = [], alsoFiles = [] } = STAGES[stage];
  const forbidden = STAGE_NAMES.filter((s) => s !== stage && !imports.includes(s));
  const patterns = forbidden.map((s) => ({
    regex: `^(\\.\\./)+${s}(/|$)`,
    message: `${stage}/ may not import ${s}/ (stages.json; docs/architecture.md, module boundaries)`,
  }));
  const files = [`${stage}/**/*.{ts,tsx}`, ...alsoFiles];
  const rules = (withDom) => ({
    'no-restricted-imports': ['error', { patterns: withDom ? patterns : [...patterns, { ...DOM_PACKAGES, message: `${stage}/ must not depend on DOM or UI code` }] }],
  });
  if (!noDom) return [{ files, rules: rules(true) }];
  // Subfolders allowed the DOM (a page's browser script) keep the stage's import rules.
  const domFiles = domAllowedIn.map((d) => `${stage}/${d}/**/*.{ts,tsx}`);
  return [{ files, ignores: domFiles, rules: rules(false) }, ...(domFiles.length > 0 ? [{ files: domFiles, rules: rules(true) }] : [])];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'public/', '.cache/', 'data/', 'test-results/', 'playwright-report/', '**/*.js', '**/*.mjs', '!eslint.config.mjs', '!scripts/*.mjs', 'vitest.config.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { ...globals.node } },
  },
  {
    // No import circles between our modules. The rule follows value imports; `import type` leaves no trace at run
    // time and the rule skips it, so a type-only circle is not reported.
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })],
      // The imported files are TypeScript too: the rule parses them to follow their own imports.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  ...STAGE_NAMES.filter((s) => STAGES[s].imports !== null).flatMap(boundary),
  {
    files: ['**/*.test.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/require-await': 'off' },
  },
);
