import { buildChildEnvironment, FALLBACK_PATH } from './child-environment.js';

describe('buildChildEnvironment', () => {
  it('holds only PATH, the declared variables and the declared secrets', () => {
    const result = buildChildEnvironment(
      { env: { LOG_LEVEL: 'debug' }, secretEnv: ['API_TOKEN'] },
      { API_TOKEN: 'tok-123456', UNDECLARED: 'must not leak' },
      '/usr/bin:/bin',
    );

    expect(result).toEqual({ ok: true, env: { PATH: '/usr/bin:/bin', LOG_LEVEL: 'debug', API_TOKEN: 'tok-123456' } });
  });

  it('lets the launch spec set its own PATH, and falls back to a standard PATH when the runner has none', () => {
    expect(buildChildEnvironment({ env: { PATH: '/opt/server/bin' }, secretEnv: [] }, {}, '/usr/bin')).toEqual({
      ok: true,
      env: { PATH: '/opt/server/bin' },
    });
    expect(buildChildEnvironment({ env: {}, secretEnv: [] }, {}, undefined)).toEqual({ ok: true, env: { PATH: FALLBACK_PATH } });
  });

  it('refuses to launch when a declared secret was not delivered, naming the variable but no value', () => {
    const result = buildChildEnvironment({ env: {}, secretEnv: ['API_TOKEN', 'DB_PASSWORD'] }, { API_TOKEN: 'tok-123456' }, '/usr/bin');

    expect(result).toEqual({ ok: false, reason: 'secret value not delivered for DB_PASSWORD' });
  });
});
