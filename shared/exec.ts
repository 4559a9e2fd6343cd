/**
 * Child processes, kept rather than @actions/exec: that one has no timeout,
 * no process groups and no AbortSignal, all of which a deploy needs. A user's
 * script runs in its own group so a timeout or a cancelled run stops its
 * grandchildren too (a `sleep` under bash, a `kubectl` the script started),
 * and output is kept as a bounded tail, never whole in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { formatDuration } from './duration.js';
import { UserError } from './errors.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed (passwords go here, never in argv). */
  input?: string;
  timeoutMs?: number;
  /** Called with each chunk of output as it arrives (to stream logs). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Resolve with a non-zero exit instead of throwing. */
  allowFailure?: boolean;
  /**
   * Run the child in its own process group and signal the whole group on
   * timeout, so the grandchildren of a script (a `sleep` under bash) die too
   * instead of holding its output open.
   */
  killGroup?: boolean;
  /** Stop the child (SIGTERM, SIGKILL 5 s later) when aborted: a sibling stage failed fast, the run was cancelled. */
  signal?: AbortSignal;
  /**
   * Characters kept of each stream, its end: stdout whole up to STDOUT_LIMIT
   * by default (callers parse it: docker inspect, kubectl -o json), stderr
   * its last MESSAGE_TAIL (kept only for messages). Output kept only for
   * messages (a user's script, an install streamed to the log) should ask
   * for `{ stdout: MESSAGE_TAIL }`.
   */
  keep?: { stdout?: number; stderr?: number };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  /** A stream printed more than `keep` allows: only its end was kept. */
  truncated: { stdout: boolean; stderr: boolean };
}

/** Output kept for error messages: its last 64 Ki characters, whatever a command prints. */
export const MESSAGE_TAIL = 64 * 1024;
/** stdout kept whole for parsing, up to 64 Mi characters. */
export const STDOUT_LIMIT = 64 * 1024 * 1024;

/** The end of a stream, at most `limit` characters of it, starting on a whole line once cut. */
export class Tail {
  private readonly chunks: string[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: string): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Whole chunks out while the rest still fills the limit: memory stays near `limit`.
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.limit) {
      this.size -= this.chunks.shift()!.length;
      this.truncated = true;
    }
  }

  text(): string {
    const all = this.chunks.join('');
    if (all.length <= this.limit && !this.truncated) return all;
    this.truncated = true;
    const end = all.slice(-this.limit);
    const line = end.indexOf('\n');
    return line >= 0 && line < end.length - 1 ? end.slice(line + 1) : end;
  }
}

/** Process groups still running: killed if this process exits first (a cancelled step's hard stop). */
const groups = new Set<ChildProcess>();
let exitHook = false;

function trackGroup(child: ChildProcess): void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of groups)
        try {
          process.kill(-c.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
    });
  }
  groups.add(child);
  child.on('close', () => groups.delete(child));
}

/** The last `n` non-empty lines of a command's output, for error messages. */
export function tail(text: string, n = 15): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .slice(-n)
    .join('\n');
}

/**
 * Run a program with an argv array: no shell, so nothing in an argument is
 * ever interpreted. A missing program is a UserError naming it.
 */
export function exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('exec: empty argv');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.killGroup,
    });
    if (options.killGroup && child.pid) trackGroup(child);
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (options.killGroup && child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    };
    const stdout = new Tail(options.keep?.stdout ?? STDOUT_LIMIT);
    const stderr = new Tail(options.keep?.stderr ?? MESSAGE_TAIL);
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            kill('SIGTERM');
            setTimeout(() => kill('SIGKILL'), 5000).unref();
          }, options.timeoutMs);
    const abort = () => {
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 5000).unref();
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    if (options.signal?.aborted) abort();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.push(chunk);
      options.onOutput?.(chunk, 'stdout');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr.push(chunk);
      options.onOutput?.(chunk, 'stderr');
    });
    child.stdin.on('error', () => undefined); // a child that exits without reading stdin is not our error
    child.stdin.end(options.input ?? '');
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new UserError(`${file} is not installed or not on PATH`) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      const result = {
        code: code ?? (signal ? 128 : 1),
        stdout: stdout.text(),
        stderr: stderr.text(),
        ms: performance.now() - started,
        timedOut,
        truncated: { stdout: stdout.truncated, stderr: stderr.truncated },
      };
      if (timedOut)
        return reject(
          new UserError(
            `${file} timed out after ${formatDuration(options.timeoutMs!)}\n${tail(result.stdout + result.stderr)}`,
          ),
        );
      if (result.code !== 0 && !options.allowFailure)
        return reject(
          new UserError(
            `${file} ${args[0] ?? ''} exited with code ${result.code}\n${tail(result.stderr || result.stdout)}`.trim(),
          ),
        );
      resolve(result);
    });
  });
}
