import { Injectable } from '@nestjs/common';

/**
 * "A deployment changed" (created, updated, deleted — after the commit), for placement. An emitter
 * rather than a call into placement, so deployments does not depend on the module that depends on it.
 */
@Injectable()
export class DeploymentEvents {
  private readonly listeners = new Set<(deploymentId: string) => void>();

  onChanged(listener: (deploymentId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(deploymentId: string): void {
    for (const listener of this.listeners) listener(deploymentId);
  }
}
