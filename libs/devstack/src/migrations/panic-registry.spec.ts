import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { watchPanics } from './panic-registry.js';

type Registry = { set_message(message: string): void };
const holder = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: Registry };
/** What the wasm glue does on a panic. */
const reportPanic = (message: string): void => holder.PRISMA_WASM_PANIC_REGISTRY!.set_message(message);

describe('watchPanics', () => {
  // Stands in for the registry @prisma/client installs when it is imported.
  const clients: string[] = [];
  const clientRegistry: Registry = { set_message: (message) => void clients.push(message) };
  let saved: Registry | undefined;
  beforeEach(() => {
    saved = holder.PRISMA_WASM_PANIC_REGISTRY;
    holder.PRISMA_WASM_PANIC_REGISTRY = clientRegistry;
    clients.length = 0;
  });
  afterEach(() => {
    holder.PRISMA_WASM_PANIC_REGISTRY = saved;
  });

  it("catches the glue's report while watching, and puts the previous registry back afterwards", () => {
    const watch = watchPanics();
    expect(watch.panic()).toBeUndefined();
    reportPanic('index out of bounds');
    expect(watch.panic()).toBe('RuntimeError: index out of bounds');
    expect(clients).toEqual([]);
    watch.stop();
    watch.stop();
    expect(holder.PRISMA_WASM_PANIC_REGISTRY).toBe(clientRegistry);
  });

  it('keeps its registry installed until the last of overlapping watches stops', () => {
    const first = watchPanics();
    const second = watchPanics();
    first.stop();
    reportPanic('late');
    expect(second.panic()).toBe('RuntimeError: late');
    second.stop();
    expect(holder.PRISMA_WASM_PANIC_REGISTRY).toBe(clientRegistry);
  });

  it('does not report a panic from before the watch began', () => {
    const earlier = watchPanics();
    reportPanic('earlier');
    earlier.stop();
    const watch = watchPanics();
    expect(watch.panic()).toBeUndefined();
    watch.stop();
  });
});
