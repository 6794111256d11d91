/**
 * `url` with its database replaced, keeping credentials and query parameters (sslmode, …): how
 * test and shadow databases get their URL from the server's admin URL.
 */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
