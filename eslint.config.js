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
);
