import { toolsHashOf, type ToolDefinition } from './tool-definitions.js';

export interface VersionTools {
  readonly byName: ReadonlyMap<string, ToolDefinition>;
  readonly toolsHash: string;
}

/**
 * The tool definitions of each server version, as this process last saw them: the full
 * `tools/list` answers the gateway relays, or one it fetched itself when a call came first. Kept
 * per version, not per session: sessions of one version list the same tools (a server whose tools
 * change says so with `notifications/tools/list_changed`, and the entry is dropped). At most
 * `maxVersions` entries, the least recently filled going first. No I/O: fetching is given.
 */
export class ToolCatalog {
  private readonly versions = new Map<string, VersionTools>();
  private readonly fetching = new Map<string, Promise<VersionTools | undefined>>();

  constructor(private readonly maxVersions = 1_000) {}

  /** A full list of a version's tools was seen (never a page of it). */
  listed(versionId: string, tools: readonly ToolDefinition[]): VersionTools {
    const entry: VersionTools = { byName: new Map(tools.map((tool) => [tool.name, tool])), toolsHash: toolsHashOf(tools) };
    this.versions.delete(versionId);
    this.versions.set(versionId, entry);
    if (this.versions.size > this.maxVersions) this.versions.delete(this.versions.keys().next().value as string);
    return entry;
  }

  /** The version's tools if known now, without fetching (a retry decision must not wait on the upstream it lost). */
  known(versionId: string): VersionTools | undefined {
    return this.versions.get(versionId);
  }

  /** The version's tools changed (list_changed): the next call looks them up again. */
  forget(versionId: string): void {
    this.versions.delete(versionId);
  }

  /**
   * The version's tools, fetched with `fetch` when not known yet — once however many calls ask at
   * the same time. Undefined when the fetch gives nothing (the call then goes unchecked).
   */
  async toolsOf(versionId: string, fetch: () => Promise<readonly ToolDefinition[] | undefined>): Promise<VersionTools | undefined> {
    const known = this.versions.get(versionId);
    if (known !== undefined) return known;
    let pending = this.fetching.get(versionId);
    if (pending === undefined) {
      pending = fetch()
        .then((tools) => (tools === undefined ? undefined : (this.versions.get(versionId) ?? this.listed(versionId, tools))))
        .finally(() => this.fetching.delete(versionId));
      this.fetching.set(versionId, pending);
    }
    return pending;
  }
}
