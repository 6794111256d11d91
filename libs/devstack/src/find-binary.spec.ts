import { findBinary } from './find-binary.js';

describe('findBinary', () => {
  it('finds an executable on PATH', () => {
    expect(findBinary({ name: 'sh', envVar: 'SWITCHYARD_TEST_UNSET_BIN', debianPackage: 'dash' })).toMatch(/\/sh$/);
  });

  it('says which Debian package to install when nothing is found', () => {
    expect(() => findBinary({ name: 'switchyard-no-such-binary', envVar: 'SWITCHYARD_TEST_UNSET_BIN', debianPackage: 'some-package' })).toThrow(
      /switchyard-no-such-binary was not found[\s\S]*apt-get install -y some-package/,
    );
  });
});
