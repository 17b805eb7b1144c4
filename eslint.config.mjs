// ESLint: typescript-eslint's type-aware rules (no-floating-promises and friends) plus the module boundaries
// of docs/architecture.md, checked as import rules per folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const STAGES = ['ga4', 'tag', 'src', 'simulator', 'collector', 'warehouse', 'analysis', 'export', 'pipeline', 'headless', 'cli', 'e2e', 'scripts', 'bench'];

/** What each stage may import of ours; everything else of ours is forbidden. */
const ALLOWED = {
  ga4: [],
  tag: ['ga4'],
  src: ['ga4', 'tag'],
  simulator: ['ga4'],
  warehouse: ['ga4'],
  collector: ['ga4', 'warehouse'],
  analysis: ['ga4', 'warehouse'],
  export: ['ga4', 'warehouse', 'analysis'],
  pipeline: ['ga4', 'warehouse', 'analysis', 'export'],
  headless: ['ga4', 'simulator'],
  cli: ['ga4', 'tag', 'simulator', 'collector', 'warehouse', 'analysis', 'export', 'pipeline', 'headless'],
  bench: ['ga4', 'tag', 'simulator', 'collector', 'warehouse', 'analysis', 'export', 'pipeline', 'headless', 'cli'],
};

/** Code that must not touch the DOM or React, whatever it imports. */
const NO_DOM = new Set(['ga4', 'collector', 'warehouse', 'analysis', 'export', 'pipeline']);

function boundary(stage) {
  const forbidden = STAGES.filter((s) => s !== stage && !ALLOWED[stage].includes(s));
  const patterns = forbidden.map((s) => ({
    regex: `^(\\.\\./)+${s}(/|$)`,
    message: `${stage}/ may not import ${s}/ (see docs/architecture.md, module boundaries)`,
  }));
  if (NO_DOM.has(stage)) {
    patterns.push({ regex: '^(react|react-dom|gatsby|react-gtm-module)(/|$)', message: `${stage}/ must not depend on DOM or UI code` });
  }
  // Gatsby's root files sit beside src/ and count as the storefront.
  const files = stage === 'src' ? ['src/**/*.{ts,tsx}', 'gatsby-*.{ts,tsx}'] : [`${stage}/**/*.{ts,tsx}`];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
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
  ...Object.keys(ALLOWED).map(boundary),
  {
    files: ['**/*.test.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/require-await': 'off' },
  },
);
