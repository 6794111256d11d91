// How a Rust panic in Prisma's wasm schema engine becomes visible. The wasm glue reports it with
// `globalThis.PRISMA_WASM_PANIC_REGISTRY.set_message(message)` and then traps with an opaque
// "unreachable" RuntimeError, inside a promise callback: the engine's own promise never settles.
// @prisma/client (loaded with @switchyard/db) assigns a registry of its own to that global when it
// is imported, one that throws and has no `get()`. So ours is installed only while engine calls
// are in flight, and whatever was there before is put back after the last one.

class WasmPanicRegistry {
  private message = '';
  get(): string {
    return this.message;
  }
  set_message(message: string): void {
    this.message = `RuntimeError: ${message}`;
  }
}

const registry = new WasmPanicRegistry();
const holder = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
let watches = 0;
let displaced: unknown;

export interface PanicWatch {
  /** The message of a panic reported since this watch began, if any. */
  panic(): string | undefined;
  /** Idempotent. The last watch to stop restores the previous registry. */
  stop(): void;
}

export function watchPanics(): PanicWatch {
  if (watches++ === 0) {
    displaced = holder.PRISMA_WASM_PANIC_REGISTRY;
    holder.PRISMA_WASM_PANIC_REGISTRY = registry;
  }
  const before = registry.get();
  let stopped = false;
  return {
    panic() {
      const message = registry.get();
      return message && message !== before ? message : undefined;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      // Someone else's registry assigned meanwhile (a late @prisma/client import) stays.
      if (--watches === 0 && holder.PRISMA_WASM_PANIC_REGISTRY === registry) holder.PRISMA_WASM_PANIC_REGISTRY = displaced;
    },
  };
}
