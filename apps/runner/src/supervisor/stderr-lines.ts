/**
 * Splits a child's stderr into log lines of bounded length. A server that prints a megabyte
 * without a newline (a minified stack, a base64 blob) must not grow the runner's memory or its
 * log: the line is cut at `maxLength` characters and the rest up to the next newline is counted,
 * not kept.
 */
export class StderrLines {
  private current = '';
  private dropped = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLength = 2_000,
  ) {}

  push(chunk: string): void {
    let rest = chunk;
    for (let newline = rest.indexOf('\n'); newline !== -1; newline = rest.indexOf('\n')) {
      this.append(rest.slice(0, newline));
      this.flush();
      rest = rest.slice(newline + 1);
    }
    this.append(rest);
  }

  /** Emits a last line that had no trailing newline (the stream ended). */
  end(): void {
    if (this.current !== '' || this.dropped > 0) this.flush();
  }

  private append(text: string): void {
    const room = this.maxLength - this.current.length;
    this.current += text.slice(0, Math.max(0, room));
    this.dropped += Math.max(0, text.length - room);
  }

  private flush(): void {
    const line = this.current.replace(/\r$/, '');
    this.emit(this.dropped > 0 ? `${line}… [${this.dropped} more characters]` : line);
    this.current = '';
    this.dropped = 0;
  }
}

/**
 * Replaces the secret values a server was given wherever they appear in its own output, so a
 * server that echoes its environment does not put a credential into the runner's log. Values
 * shorter than 4 characters are left alone: they are not credentials, and replacing every "1"
 * would make the log unreadable.
 */
export function redactSecretValues(line: string, secretValues: readonly string[]): string {
  let redacted = line;
  for (const value of secretValues) {
    if (value.length >= 4) redacted = redacted.split(value).join('[redacted]');
  }
  return redacted;
}
