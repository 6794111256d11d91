/**
 * A free port found by binding port 0 can be taken by someone else before our server binds it.
 * When we chose the port ourselves, try again with a fresh one; a fixed port is not retried.
 */
export async function retryOnPortClash<T>(mayRetry: boolean, start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const clash = /address already in use|EADDRINUSE/i.test(String(error));
      if (!mayRetry || !clash || attempt >= attempts) throw error;
    }
  }
}
