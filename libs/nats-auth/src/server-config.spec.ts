import { readFileSync } from 'node:fs';
import { createNatsAuthBundle } from './bundle.js';
import type { NatsAuthBundle } from './bundle-schema.js';
import { renderNatsServerConfig } from './server-config.js';

/** Top-level keys of a nats-server config (`key: …` at column 0). */
const topLevelKeys = (text: string): string[] => [...text.matchAll(/^([a-z_]+):/gm)].map((m) => m[1]!);

describe('renderNatsServerConfig', () => {
  let bundle: NatsAuthBundle;
  beforeAll(async () => {
    bundle = (await createNatsAuthBundle()).bundle;
  });

  it('renders operator mode with the full resolver, both accounts preloaded and fast pings', () => {
    const text = renderNatsServerConfig(bundle, { resolverDir: './jwt' });
    expect(text).toContain(`operator: "${bundle.operator.jwt}"\n`);
    expect(text).toContain(`system_account: ${bundle.systemAccount.publicKey}\n`);
    expect(text).toContain('resolver: {\n  type: full\n  dir: "./jwt"\n  allow_delete: false\n  interval: "2m"\n}\n');
    expect(text).toContain(
      `resolver_preload: {\n  ${bundle.systemAccount.publicKey}: "${bundle.systemAccount.jwt}"\n  ${bundle.appAccount.publicKey}: "${bundle.appAccount.jwt}"\n}\n`,
    );
    expect(text).toContain('ping_interval: "2s"\nping_max: 2\n');
    expect(topLevelKeys(text)).toEqual(['operator', 'system_account', 'resolver', 'resolver_preload', 'ping_interval', 'ping_max']);
  });

  it('takes other ping settings and quotes the resolver dir', () => {
    const text = renderNatsServerConfig(bundle, { resolverDir: 'dir with "quotes"', pingInterval: '5s', pingMax: 3 });
    expect(text).toContain('  dir: "dir with \\"quotes\\""\n');
    expect(text).toContain('ping_interval: "5s"\nping_max: 3\n');
  });

  it('holds no secret', () => {
    const text = renderNatsServerConfig(bundle, { resolverDir: 'jwt' });
    expect(text).not.toContain(bundle.operator.signingSeed);
    expect(text).not.toContain(bundle.appAccount.signingSeed);
    expect(text).not.toMatch(/\bS[OAU][A-Z2-7]{50,}/);
  });

  it('matches the shape of the committed deploy/nats/nats.conf.example', () => {
    const example = readFileSync(new URL('../../../deploy/nats/nats.conf.example', import.meta.url), 'utf8');
    const rendered = topLevelKeys(renderNatsServerConfig(bundle, { resolverDir: 'jwt' }));
    expect(topLevelKeys(example)).toEqual(expect.arrayContaining(rendered));
    // No real key in the example: only placeholders.
    expect(example).not.toMatch(/\b[OA][A-Z2-7]{55}\b/);
    expect(example).not.toMatch(/eyJ[\w-]{20,}\.[\w-]{20,}\./);
  });
});
