import { createServer } from 'node:net';
import { exec, tail, type ExecResult } from '../../exec.js';
import { UserError } from '../../errors.js';
import type { HostSpec } from './hosts.js';
import { commandLine } from './quote.js';
import type { SshSession } from './ssh.js';

export interface DockerCallOptions {
  /** Sent on stdin (env files, passwords, tar streams): never on a command line. */
  input?: string;
  timeoutMs?: number;
  /** Return a failed call instead of throwing. */
  allowFailure?: boolean;
  /** Stop the command when aborted (a cancelled run's pull). */
  signal?: AbortSignal;
}

/** A way to reach a port on the host's network from the runner. */
export interface Reach {
  base: string;
  close(): Promise<void>;
}

/**
 * One Docker host: runs the docker CLI there (through ssh or on a local
 * socket) and reaches addresses inside its network (through an ssh forward).
 */
export class DockerHost {
  /** The shared ssh connection being set up (see connect()). */
  private connected?: Promise<void>;

  constructor(
    readonly spec: HostSpec,
    private readonly ssh: SshSession | undefined,
  ) {}

  /**
   * Open the host's shared ssh connection, once: a provider starts this while
   * the action does other work (the GitHub Deployment), and every call waits
   * for it, so none races to become the connection's master. A failure here
   * is reported by the call that needs the connection.
   */
  connect(): Promise<void> {
    if (this.spec.kind !== 'ssh') return Promise.resolve();
    this.connected ??= exec(this.ssh!.argv(this.spec, 'true'), { allowFailure: true, timeoutMs: 30_000 }).then(
      () => undefined,
      () => undefined,
    );
    return this.connected;
  }

  get name(): string {
    return this.spec.text;
  }

  /** The host's name in the run's ssh config; undefined for a local socket. */
  get sshAlias(): string | undefined {
    return this.spec.kind === 'ssh' ? this.ssh!.alias(this.spec) : undefined;
  }

  async docker(args: readonly string[], options: DockerCallOptions = {}): Promise<ExecResult> {
    const argv =
      this.spec.kind === 'socket' ? ['docker', '-H', `unix://${this.spec.socket}`, ...args] : ['docker', ...args];
    const result = await this.run(argv, options);
    if (result.code !== 0 && !options.allowFailure) {
      const what = (args[0] === '--config' ? args.slice(2) : args).slice(0, 2).join(' ');
      throw new UserError(
        `${this.name}: docker ${what} failed (exit ${result.code}): ${tail(result.stderr || result.stdout, 8)}`,
      );
    }
    return result;
  }

  /**
   * Docker calls one after another, stopping at the first that fails: over
   * ssh in one round trip (the remote shell chains them), on a socket one by
   * one. `input` goes to the first call's stdin. Returns the failed call's
   * index, or -1, and the output.
   */
  async dockerChain(
    calls: readonly (readonly string[])[],
    input?: string,
  ): Promise<{ failed: number; result: ExecResult }> {
    if (this.spec.kind === 'socket') {
      let result: ExecResult | undefined;
      for (const [i, args] of calls.entries()) {
        result = await this.docker(args, { input: i === 0 ? input : undefined, allowFailure: true });
        if (result.code !== 0) return { failed: i, result };
      }
      return { failed: -1, result: result! };
    }
    await this.connect();
    // Exit 200 + i names the call that failed; docker's own exit codes stay below 200.
    const script = calls.map((args, i) => `${commandLine(['docker', ...args])} || exit ${200 + i}`).join('; ');
    const result = await exec(this.ssh!.argv(this.spec, script), {
      input,
      timeoutMs: 120_000,
      allowFailure: true,
    });
    if (result.code === 255) throw this.sshFailure(result.stderr);
    const failed =
      result.code === 0 ? -1 : result.code >= 200 && result.code < 200 + calls.length ? result.code - 200 : 0;
    return { failed, result };
  }

  /** Run a program where this host's docker CLI runs: on the runner for a socket, over ssh otherwise. */
  async run(argv: readonly string[], options: Omit<DockerCallOptions, 'allowFailure'> = {}): Promise<ExecResult> {
    await this.connect();
    const full = this.spec.kind === 'socket' ? argv : this.ssh!.argv(this.spec, commandLine(argv));
    const result = await exec(full, {
      input: options.input,
      timeoutMs: options.timeoutMs ?? 120_000,
      allowFailure: true,
      signal: options.signal,
    });
    if (this.spec.kind === 'ssh' && result.code === 255) throw this.sshFailure(result.stderr);
    return result;
  }

  /** `http://…` base reaching `ip:port` in the host's network. */
  async reach(ip: string, port: number): Promise<Reach> {
    if (this.spec.kind === 'socket') return { base: `http://${ip}:${port}`, close: () => Promise.resolve() };
    await this.connect();
    const local = await freePort();
    const spec = `127.0.0.1:${local}:${ip}:${port}`;
    const opened = await exec(this.ssh!.control(this.spec, 'forward', '-L', spec), {
      allowFailure: true,
      timeoutMs: 20_000,
    });
    if (opened.code !== 0)
      throw new UserError(
        `${this.name}: could not forward a port to ${ip}:${port} through ssh (AllowTcpForwarding must be enabled): ${tail(opened.stderr, 5)}`,
      );
    return {
      base: `http://127.0.0.1:${local}`,
      close: async () => {
        await exec(this.ssh!.control(this.spec as Extract<HostSpec, { kind: 'ssh' }>, 'cancel', '-L', spec), {
          allowFailure: true,
          timeoutMs: 10_000,
        });
      },
    };
  }

  private sshFailure(stderr: string): UserError {
    const text = stderr.trim();
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(text))
      return new UserError(
        `${this.name}: the host key is not in ssh-known-hosts or does not match it; refusing to connect. ${tail(text, 3)}`,
      );
    if (/Permission denied/i.test(text))
      return new UserError(`${this.name}: ssh-key was refused by the host (Permission denied)`);
    return new UserError(`${this.name}: ssh failed: ${tail(text, 5) || 'connection closed'}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
