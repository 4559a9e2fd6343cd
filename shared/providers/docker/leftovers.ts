/**
 * Containers of this run that must not outlive it: its deploy locks, and a
 * release started beside the live one that takes no traffic yet. Each is
 * saved in the step state as soon as it exists (through `changed`), so when
 * the main step is killed before its own cleanup, the post step removes them
 * and the next deploy finds no stale lock.
 */
import { exec } from '../../exec.js';
import type { ProviderContext } from '../types.js';
import type { DockerHost } from './host.js';
import { commandLine } from './quote.js';
import { postSshArgv } from './ssh.js';

export interface Leftover {
  host: string;
  /** The host's alias in the run's ssh config; absent for a local socket. */
  alias?: string;
  socket?: string;
  id: string;
  what: 'lock' | 'release';
}

export class Leftovers {
  private readonly items: Leftover[] = [];

  constructor(private readonly changed: () => void) {}

  get open(): readonly Leftover[] {
    return this.items;
  }

  add(host: DockerHost, id: string, what: Leftover['what']): void {
    const socket = host.spec.kind === 'socket' ? host.spec.socket : undefined;
    this.items.push({ host: host.name, alias: host.sshAlias, socket, id, what });
    this.changed();
  }

  /** `id` is gone, or now serves (a release about to take traffic is never the post step's to remove). */
  done(id: string): void {
    const at = this.items.findIndex((item) => item.id === id);
    if (at < 0) return;
    this.items.splice(at, 1);
    this.changed();
  }
}

/** Post step: remove what a killed main step left (a warning for each that cannot be removed). */
export async function cleanupLeftovers(
  items: readonly Leftover[],
  sshConfig: string | undefined,
  context: ProviderContext,
): Promise<void> {
  for (const item of items) {
    const short = item.id.slice(0, 12);
    const argv = ['docker', ...(item.socket ? ['-H', `unix://${item.socket}`] : []), 'rm', '-f', item.id];
    if (item.alias && !sshConfig) {
      context.warn(`${item.host}: could not remove the ${item.what} container ${short}: the ssh files are gone`);
      continue;
    }
    const full = item.alias ? postSshArgv(sshConfig!, item.alias, commandLine(argv)) : argv;
    const removed = await exec(full, { allowFailure: true, timeoutMs: 30_000 });
    // Already gone: the main step removed it after all.
    if (/no such container/i.test(removed.stderr)) continue;
    const what = `the ${item.what} container ${short}`;
    if (removed.code === 0) context.log(`${item.host}: removed ${what} left by an interrupted step`);
    else context.warn(`${item.host}: could not remove ${what}: ${removed.stderr.trim().split('\n').pop()}`);
  }
}
