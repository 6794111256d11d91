import { pool } from '../test/snapshot-fixtures.js';
import { compareNodepools, preferredNodepool } from './failover.js';

const onPrem = pool({ name: 'fra-dc', kind: 'ON_PREM', costPerCall: 0.5 });
const vpc = pool({ name: 'vpc-eu', kind: 'VPC', costPerCall: 0.2 });
const saasCheap = pool({ name: 'saas-b', costPerCall: 0.01 });
const saasDear = pool({ name: 'saas-a', costPerCall: 0.05 });
const pools = new Map([onPrem, vpc, saasCheap, saasDear].map((p) => [p.id, p]));
const all = [...pools.keys()];

describe('failover order', () => {
  it('follows the policy’s order of nodepool names first (on-prem, then VPC, then SaaS)', () => {
    expect(preferredNodepool(all, pools, ['fra-dc', 'vpc-eu'])?.name).toBe('fra-dc');
    expect(preferredNodepool([vpc.id, saasCheap.id], pools, ['fra-dc', 'vpc-eu'])?.name).toBe('vpc-eu');
  });

  it('puts unlisted nodepools after the listed ones, cheapest first', () => {
    expect(preferredNodepool([saasDear.id, saasCheap.id], pools, ['fra-dc', 'vpc-eu'])?.name).toBe('saas-b');
  });

  it('without an order, cost decides, then the name', () => {
    expect(preferredNodepool(all, pools, [])?.name).toBe('saas-b');
    const twin = pool({ name: 'saas-0', costPerCall: 0.01 });
    expect(compareNodepools(twin, saasCheap, [])).toBeLessThan(0);
  });

  it('ignores ids it does not know and gives nothing for nothing', () => {
    expect(preferredNodepool(['pool-ghost'], pools, [])).toBeUndefined();
    expect(preferredNodepool([], pools, [])).toBeUndefined();
  });
});
