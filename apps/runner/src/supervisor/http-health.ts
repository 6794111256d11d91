/** Whether an HTTP upstream answers; resolves false rather than throwing. */
export type HttpProbe = (url: string, timeoutMs: number) => Promise<boolean>;

/**
 * A Streamable HTTP server is up when its endpoint answers HTTP at all. A bare GET carries no
 * session, so servers answer it 400/405 (or open an SSE stream, whose body is dropped at once):
 * any status below 500 proves the server is listening and routing. The probe deliberately does not
 * `initialize`: that would create an MCP session on every check. 5xx counts as down.
 */
export const probeHttp: HttpProbe = async (url, timeoutMs) => {
  try {
    const response = await fetch(url, {
      method: 'GET',
      headers: { accept: 'text/event-stream' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return response.status < 500;
  } catch {
    return false;
  }
};
