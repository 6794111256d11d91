import { Injectable } from '@nestjs/common';
import type { Upstream, UpstreamChooser } from './upstream-chooser.js';
import { UpstreamsRepository } from './upstreams.repository.js';

/** Fisher–Yates with an injected random source, so the order is testable. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Until the router lands: every healthy runner with a placement of the server, in random order
 * (spreads sessions; no weights, no residency, no versions preferred).
 */
@Injectable()
export class PlacedRunnerChooser implements UpstreamChooser {
  constructor(private readonly upstreams: UpstreamsRepository) {}

  async candidates(serverName: string): Promise<Upstream[]> {
    return shuffled(await this.upstreams.healthyPlacements(serverName), Math.random);
  }
}
