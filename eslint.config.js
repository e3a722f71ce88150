import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'images/', 'compose/rag-server/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error', // the engine speaks through events; only renderers write
    },
  },
  { files: ['test/**', 'scripts/**', 'bench/**', 'examples/**'], rules: { 'no-console': 'off' } },
  // Plain Node programs: the project's host processes and the test fixtures' ones.
  {
    files: ['host/**', 'test/fixtures/**/*.cjs'],
    languageOptions: {
      globals: Object.fromEntries(
        ['process', 'console', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'require', 'module', '__filename', '__dirname'].map((g) => [
          g,
          'readonly',
        ]),
      ),
    },
    rules: { 'no-console': 'off' },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
