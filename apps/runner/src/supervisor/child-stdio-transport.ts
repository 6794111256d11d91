import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SDK `Transport` over the stdin/stdout of a process the supervisor spawned itself, with the
 * SDK's own framing (ReadBuffer, serializeMessage: one JSON message per line).
 *
 * Why not the SDK's StdioClientTransport, which spawns the process for us:
 * - it always merges `getDefaultEnvironment()` (HOME, LOGNAME, SHELL, TERM, USER of the runner's
 *   account) into the child's environment, and the launch contract is "only PATH and the declared
 *   variables";
 * - its `close()` escalates on fixed 2 s timers and its `onclose` carries no exit code or signal,
 *   while the supervisor needs a configurable SIGTERM→SIGKILL grace, the exit status for crash
 *   reasons and backoff, and a process group to reap the children of launchers such as `npx`;
 * - the supervisor must exec exactly the file whose integrity it has just checked.
 * Spawning is ~20 lines either way; this class is the part the SDK would otherwise have given us.
 */
export class ChildStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly readBuffer = new ReadBuffer();
  private started = false;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.child.stdout.on('data', (chunk: Buffer) => {
      try {
        this.readBuffer.append(chunk);
      } catch (error) {
        // Over the SDK's 10 MB line limit: the buffer was dropped, framing resumes at the next line.
        this.onerror?.(error as Error);
        return;
      }
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.readBuffer.readMessage();
        } catch (error) {
          // A line that is not JSON-RPC (a server printing to stdout by mistake): skip that line.
          this.onerror?.(error as Error);
          continue;
        }
        if (message === null) break;
        this.onmessage?.(message);
      }
    });
    this.child.stdout.on('close', () => {
      this.readBuffer.clear();
      this.onclose?.();
    });
    // EPIPE when the server died with a write pending; the exit handler reports the crash.
    this.child.stdin.on('error', (error) => this.onerror?.(error));
  }

  send(message: JSONRPCMessage): Promise<void> {
    const { stdin } = this.child;
    if (stdin.destroyed || !stdin.writable) return Promise.reject(new Error('server stdin is closed'));
    return new Promise((resolve, reject) => {
      // The callback fires once the data is handed to the OS (or with the write error), which
      // also applies back-pressure to a relay that writes faster than the server reads.
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Closes the server's stdin: the MCP stdio way of asking a server to exit. */
  async close(): Promise<void> {
    if (!this.child.stdin.destroyed) this.child.stdin.end();
  }
}
