import { loopbackUrlProblem } from './loopback-url.js';

describe('loopbackUrlProblem', () => {
  it.each(['http://127.0.0.1:8080/mcp', 'http://127.1.2.3/mcp', 'https://localhost:8443/mcp', 'http://[::1]:9000/mcp'])(
    'accepts the loopback URL %s',
    (url) => {
      expect(loopbackUrlProblem(url)).toBeNull();
    },
  );

  it.each([
    ['http://10.0.0.5:8080/mcp', /only a loopback URL .* got host 10.0.0.5/],
    ['http://mcp.internal/mcp', /got host mcp.internal/],
    ['http://0.0.0.0:8080/mcp', /got host 0.0.0.0/],
    ['http://[::ffff:127.0.0.1]/mcp', /only a loopback URL/],
    ['http://localhost.evil.example/mcp', /got host localhost.evil.example/],
    ['http://user:pw@127.0.0.1/mcp', /must not carry credentials/],
    ['file:///etc/passwd', /expected an http/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, reason) => {
    expect(loopbackUrlProblem(url)).toMatch(reason);
  });
});
