// jest globalSetup: runs once in the parent process before any worker is forked, so the
// variables set on process.env here are inherited by every worker.
import { startTestStack, type TestStack } from '../test-stack.js';

declare global {
  // Read back by global-teardown.ts (jest runs both in the same process).
  var __SWITCHYARD_TEST_STACK__: TestStack | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = performance.now();
  const stack = await startTestStack();
  globalThis.__SWITCHYARD_TEST_STACK__ = stack;
  Object.assign(process.env, stack.env);
  if (process.env.SWITCHYARD_TEST_VERBOSE) {
    const steps = Object.entries(stack.timings).map(([name, ms]) => `${name} ${ms} ms`).join(', ');
    process.stderr.write(`\ntest stack ready in ${Math.round(performance.now() - started)} ms (${steps})\n`);
  }
}
