/** Where a command writes, so tests can read what an operator would see. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** All of stdin as text (`enroll --token -`). */
export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Where `start` learns that it should stop: the process's SIGTERM and SIGINT, or a test's. */
export interface SignalSource {
  /** Calls `handler` on SIGTERM or SIGINT; returns an unsubscribe. */
  onStop(handler: (signal: NodeJS.Signals) => void): () => void;
}

export const processSignals: SignalSource = {
  onStop(handler) {
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
    return () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    };
  },
};
