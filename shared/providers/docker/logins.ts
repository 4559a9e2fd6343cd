import { mkdtempSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../errors.js';
import { exec, tail, type ExecResult } from '../../exec.js';
import type { ProviderContext } from '../types.js';
import type { DockerHost } from './host.js';
import { commandLine } from './quote.js';
import { postSshArgv } from './ssh.js';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * A login not yet undone: where (for messages, and the ssh alias to reach it), which registry, which client config
 * holds it.
 */
export interface LoginRecord {
  host: string;
  /** The host's alias in the run's ssh config; absent for a local socket (the config is on the runner). */
  alias?: string;
  registry: string;
  /** A private docker client config folder (`docker --config`) made for this one login. */
  config: string;
}

const PREFIX = 'deploy-actions-docker.';

/**
 * Registry logins that touch nothing but one pull. Each login goes into a
 * fresh client config folder of its own (`docker --config`), made on the
 * machine where that host's docker CLI runs (under RUNNER_TEMP for a local
 * socket, `mktemp -d` over ssh): the user's own ~/.docker logins are neither
 * used, overwritten nor logged out, and no other pull of the run (the proxy's)
 * can send these credentials. The login is recorded (through `changed`, into
 * the step state) before it is attempted, so a step killed mid-pull is
 * undone by the post step.
 */
export class RegistryLogins {
  private readonly pending: LoginRecord[] = [];

  constructor(
    private readonly context: ProviderContext,
    private readonly changed: () => void,
  ) {}

  /** Logins the post step must still undo. */
  get open(): readonly LoginRecord[] {
    return this.pending;
  }

  /**
   * Log in to `registry` on `host`, run `work` with the `docker --config …` arguments that use the login, then undo it.
   */
  async use<T>(
    host: DockerHost,
    registry: string,
    credentials: Credentials,
    work: (configArgs: string[]) => Promise<T>,
  ): Promise<T> {
    const record: LoginRecord = {
      host: host.name,
      alias: host.sshAlias,
      registry,
      config: await this.privateConfig(host),
    };
    this.pending.push(record);
    this.changed();
    try {
      const login = await host.docker(
        ['--config', record.config, 'login', registry, '--username', credentials.username, '--password-stdin'],
        {
          input: credentials.password,
          timeoutMs: 60_000,
          allowFailure: true,
        },
      );
      if (login.code !== 0)
        throw new UserError(
          `${host.name}: docker login to ${registry} as "${credentials.username}" failed: ${tail(login.stderr || login.stdout, 3)}`,
        );
      return await work(['--config', record.config]);
    } finally {
      try {
        await undoLogin(record, (argv) => host.run(argv, { timeoutMs: 30_000 }));
        this.pending.splice(this.pending.indexOf(record), 1);
        this.changed();
      } catch (error) {
        this.context.warn(
          `${host.name}: could not log out of ${registry} (the post step tries again): ${(error as Error).message}`,
        );
      }
    }
  }

  private async privateConfig(host: DockerHost): Promise<string> {
    if (!host.sshAlias) return mkdtempSync(join(this.context.tempDir, PREFIX));
    const made = await host.run(['mktemp', '-d', '-t', `${PREFIX}XXXXXXXXXX`], { timeoutMs: 30_000 });
    const dir = made.stdout.trim();
    if (made.code !== 0 || !isOurs(dir))
      throw new UserError(
        `${host.name}: could not create a private docker config folder (mktemp -d): ${tail(made.stderr || made.stdout, 3)}`,
      );
    return dir;
  }
}

/** Only a folder this module made is ever removed, whatever the state says. */
const isOurs = (dir: string) =>
  dir.startsWith('/') &&
  !dir.includes('\n') &&
  basename(dir).startsWith(PREFIX) &&
  basename(dir).length > PREFIX.length;

/** `docker logout` (which also clears a credential helper the CLI picked), then remove the config folder. */
async function undoLogin(record: LoginRecord, run: (argv: string[]) => Promise<ExecResult>): Promise<void> {
  if (!isOurs(record.config)) throw new Error(`${record.config} is not a folder this action made`);
  const out = await run(['docker', '--config', record.config, 'logout', record.registry]);
  if (out.code !== 0) throw new Error(`docker logout ${record.registry} failed: ${tail(out.stderr || out.stdout, 2)}`);
  if (!record.alias) return rmSync(record.config, { recursive: true, force: true });
  const removed = await run(['rm', '-rf', '--', record.config]);
  if (removed.code !== 0) throw new Error(`could not remove ${record.config}: ${tail(removed.stderr, 2)}`);
}

/** Post step: undo every login an interrupted main step left (a warning for each that cannot be undone). */
export async function cleanupLogins(
  records: readonly LoginRecord[],
  sshConfig: string | undefined,
  context: ProviderContext,
): Promise<void> {
  for (const record of records) {
    const run = (argv: string[]) => {
      if (!record.alias) return exec(argv, { allowFailure: true, timeoutMs: 30_000 });
      if (!sshConfig) throw new Error('the ssh connection files are gone');
      return exec(postSshArgv(sshConfig, record.alias, commandLine(argv)), { allowFailure: true, timeoutMs: 30_000 });
    };
    try {
      await undoLogin(record, run);
      context.log(`${record.host}: logged out of ${record.registry} (a login left by an interrupted step)`);
    } catch (error) {
      context.warn(`${record.host}: could not log out of ${record.registry}: ${(error as Error).message}`);
    }
  }
}
