import { fileURLToPath } from 'node:url';

/**
 * The repository root. This file lives at libs/devstack/{src,dist}/repo-root.*, three levels
 * below the root either way, so no absolute path is ever written down.
 */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
}
