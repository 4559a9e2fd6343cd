import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../exec.js';
import type { ProviderContext } from '../types.js';
import type { HostSpec } from './hosts.js';

type SshHost = Extract<HostSpec, { kind: 'ssh' }>;

/** What the post step needs to find and remove: the folder with the key, config and control sockets. */
export interface SshState {
  dir: string;
  aliases: string[];
}

/**
 * One ssh client setup for a run: a private folder under RUNNER_TEMP with the
 * key (0600), known_hosts and a config that always verifies host keys and
 * shares one connection per host (ControlMaster) across the many docker calls.
 */
export class SshSession {
  readonly dir: string;
  readonly config: string;
  private readonly aliases = new Map<SshHost, string>();

  constructor(hosts: SshHost[], key: string, knownHosts: string, tempDir: string) {
    this.dir = mkdtempSync(join(tempDir, 'deploy-ssh-'));
    chmodSync(this.dir, 0o700);
    const keyFile = join(this.dir, 'id');
    writeFileSync(keyFile, key, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    const knownHostsFile = join(this.dir, 'known_hosts');
    writeFileSync(knownHostsFile, `${knownHosts.trim()}\n`, { mode: 0o600 });
    const blocks = hosts.map((host, i) => {
      const alias = `deploy-host-${i}`;
      this.aliases.set(host, alias);
      return [
        `Host ${alias}`,
        `  HostName ${host.host}`,
        `  Port ${host.port}`,
        `  User ${host.user}`,
        `  IdentityFile ${keyFile}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHostsFile}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  PasswordAuthentication no',
        '  ConnectTimeout 15',
        '  ServerAliveInterval 15',
        '  ServerAliveCountMax 3',
        '  ControlMaster auto',
        // %n (the alias) keeps the socket path short: unix sockets are limited to 108 bytes.
        `  ControlPath ${join(this.dir, 'cm-%n')}`,
        '  ControlPersist 120',
        '  LogLevel ERROR',
      ].join('\n');
    });
    this.config = join(this.dir, 'config');
    writeFileSync(this.config, `${blocks.join('\n\n')}\n`, { mode: 0o600 });
  }

  alias(host: SshHost): string {
    return this.aliases.get(host)!;
  }

  /** ssh argv that runs `remote` (an already quoted command line) on `host`. */
  argv(host: SshHost, remote: string): string[] {
    return sshArgv(this.config, this.alias(host), remote);
  }

  /** ssh argv of a control command (`forward`, `cancel`, `exit`) on the shared connection. */
  control(host: SshHost, command: string, ...options: string[]): string[] {
    return ['ssh', '-F', this.config, '-O', command, ...options, this.alias(host)];
  }

  state(): SshState {
    return { dir: this.dir, aliases: [...this.aliases.values()] };
  }

  async close(): Promise<void> {
    await closeMasters(this.config, [...this.aliases.values()]);
  }
}

/** ssh argv that runs `remote` (an already quoted command line) on the host `alias` of `config`. */
function sshArgv(config: string, alias: string, remote: string): string[] {
  return ['ssh', '-F', config, alias, '--', remote];
}

/**
 * The same for the post step: it uses a connection still open but leaves none
 * behind (no background master), so nothing writes into the folder it removes.
 */
export function postSshArgv(config: string, alias: string, remote: string): string[] {
  return ['ssh', '-F', config, '-o', 'ControlPersist=no', alias, '--', remote];
}

/** The ssh config of a session the post step resumes, when its folder is still there. */
export function sshConfigOf(state: SshState | undefined): string | undefined {
  const config = state?.dir && join(state.dir, 'config');
  return config && existsSync(config) ? config : undefined;
}

async function closeMasters(config: string, aliases: string[]): Promise<void> {
  await Promise.all(
    aliases.map((alias) => exec(['ssh', '-F', config, '-O', 'exit', alias], { allowFailure: true, timeoutMs: 10_000 })),
  );
}

/** Post step: close any connection still open and remove the key, config and sockets. */
export async function cleanupSsh(state: SshState | undefined, context: ProviderContext): Promise<void> {
  if (!state?.dir || !existsSync(state.dir)) return;
  const { dir, aliases } = state;
  const config = join(dir, 'config');
  if (existsSync(config)) await closeMasters(config, aliases);
  // A master told to exit may still be removing its socket: retry rather than leave the key behind.
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  context.log(`Removed the ssh key and connection files (${aliases.length} host${aliases.length === 1 ? '' : 's'})`);
}
