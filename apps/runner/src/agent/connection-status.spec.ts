import { describeConnectError } from './connection-status.js';

describe('describeConnectError', () => {
  it("names an untrusted TLS certificate as such: retrying will not fix it", () => {
    for (const error of [new Error('unable to verify the first certificate'), new Error('self-signed certificate in certificate chain'), Object.assign(new Error('tls failed'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })]) {
      expect(describeConnectError(error)).toMatch(/TLS certificate is not trusted: check tls\.caFile/);
    }
  });

  it('calls anything else not reachable (network, firewall, NATS down)', () => {
    expect(describeConnectError(new Error('connect ECONNREFUSED 127.0.0.1:4222'))).toBe('NATS not reachable yet');
    expect(describeConnectError('timeout')).toBe('NATS not reachable yet');
  });
});
