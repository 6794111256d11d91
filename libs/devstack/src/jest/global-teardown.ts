// jest globalTeardown: stops the servers from global-setup.ts and removes their temp dir.
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__SWITCHYARD_TEST_STACK__;
  globalThis.__SWITCHYARD_TEST_STACK__ = undefined;
  await stack?.stop();
}
