import { checkControlPlaneUrl } from './control-plane-url.js';

describe('checkControlPlaneUrl', () => {
  it.each(['https://switchyard.example.com', 'http://localhost:4000', 'http://127.0.0.1:4000', 'http://[::1]:4000'])('accepts %s', (url) => {
    expect(checkControlPlaneUrl(url, { insecureHttp: false })).toBeInstanceOf(URL);
  });

  it('refuses plain http to another host unless --insecure-http', () => {
    expect(String(checkControlPlaneUrl('http://cp.internal:4000', { insecureHttp: false }))).toMatch(/only allowed for localhost/);
    expect(checkControlPlaneUrl('http://cp.internal:4000', { insecureHttp: true })).toBeInstanceOf(URL);
  });

  it('refuses other schemes and text that is not a URL, also with --insecure-http', () => {
    expect(String(checkControlPlaneUrl('ftp://cp.example.com', { insecureHttp: true }))).toBe('Error: --url: expected an https:// URL, got ftp://');
    expect(String(checkControlPlaneUrl('cp.example.com', { insecureHttp: true }))).toBe('Error: --url: "cp.example.com" is not a URL (expected https://<control-plane>)');
  });
});
