import { UserError } from '../../errors.js';
import { exec, tail } from '../../exec.js';
import { backoffDelay, sleep } from '../../retry.js';
import type { KubeKinds } from './objects.js';

export interface KubectlOptions {
  /** Kubeconfig file; undefined: kubectl's own default (KUBECONFIG, ~/.kube/config). */
  kubeconfig?: string;
  context?: string;
  namespace: string;
  /** Discovery cache, kept under RUNNER_TEMP so the runner's home stays clean. */
  cacheDir: string;
  log: (line: string) => void;
}

/** API errors worth another attempt: the cluster or the network hiccuped, not our request. */
const TRANSIENT =
  /connection refused|connection reset|i\/o timeout|TLS handshake timeout|unexpected EOF|\(ServiceUnavailable\)|\(InternalError\)|\(TooManyRequests\)|the server is currently unable|context deadline exceeded|Client\.Timeout/i;
/**
 * client-go's log lines (`E1124 10:00:00.123456   12345 memcache.go:265] …`): its retries of discovery, not kubectl's
 * verdict.
 */
const KLOG = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\] /;
const ATTEMPTS = 3;

/**
 * What kubectl itself said went wrong, its last `n` lines without client-go's
 * log lines before them (a refused token prints four of those, then the one
 * that matters: "error: You must be logged in to the server"). Only log
 * lines: their last ones.
 */
export function kubectlError(stderr: string, n = 5): string {
  const own = stderr.split(/\r?\n/).filter((l) => l.trim() && !KLOG.test(l));
  return own.length ? own.slice(-n).join('\n') : tail(stderr, n);
}
const REQUEST_TIMEOUT = '30s';
const EXEC_TIMEOUT_MS = 60_000;

/**
 * kubectl with fixed connection flags. kubectl (not a client library) because
 * it is what the kubeconfigs of EKS, GKE and AKS are written for: exec
 * credential plugins, auth providers, proxies and TLS settings all work as
 * they do on a developer's machine. Arguments are argv, never a shell.
 */
export class Kubectl {
  constructor(readonly options: KubectlOptions) {}

  private flags(): string[] {
    const { kubeconfig, context, namespace, cacheDir } = this.options;
    return [
      ...(kubeconfig ? ['--kubeconfig', kubeconfig] : []),
      ...(context ? ['--context', context] : []),
      '--namespace',
      namespace,
      '--cache-dir',
      cacheDir,
      `--request-timeout=${REQUEST_TIMEOUT}`,
    ];
  }

  /** Run kubectl; transient API errors are retried (every call we make is idempotent). */
  async run(args: string[], what: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    for (let attempt = 1; ; attempt++) {
      const result = await exec(['kubectl', ...this.flags(), ...args], {
        allowFailure: true,
        timeoutMs: EXEC_TIMEOUT_MS,
        input,
      });
      if (result.code === 0 || !TRANSIENT.test(result.stderr) || attempt === ATTEMPTS) return result;
      const delay = backoffDelay(attempt);
      this.options.log(
        `kubectl: ${what}: ${kubectlError(result.stderr, 1)}; retry ${attempt}/${ATTEMPTS - 1} in ${delay}ms`,
      );
      await sleep(delay);
    }
  }

  private fail(what: string, stderr: string): UserError {
    return new UserError(
      `Could not ${what} (namespace ${this.options.namespace}${this.options.context ? `, context ${this.options.context}` : ''}): ${kubectlError(stderr) || 'kubectl gave no reason'}`,
    );
  }

  /** One object, or undefined when it does not exist. */
  async get<K extends keyof KubeKinds>(kind: K, name: string): Promise<KubeKinds[K] | undefined> {
    const what = `read ${kind} ${name}`;
    const result = await this.run(['get', kind, name, '-o', 'json'], what);
    if (result.code === 0) return JSON.parse(result.stdout) as KubeKinds[K];
    if (/\(NotFound\)/.test(result.stderr)) return undefined;
    throw this.fail(what, result.stderr);
  }

  async list<K extends keyof KubeKinds>(kind: K, selector: Record<string, string>): Promise<KubeKinds[K][]> {
    const labels = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const what = `list ${kind} (${labels})`;
    const result = await this.run(['get', kind, '-l', labels, '-o', 'json'], what);
    if (result.code !== 0) throw this.fail(what, result.stderr);
    return (JSON.parse(result.stdout) as { items: KubeKinds[K][] }).items;
  }

  async patch(
    kind: string,
    name: string,
    type: 'strategic' | 'merge' | 'json',
    patch: unknown,
    what: string,
  ): Promise<void> {
    const result = await this.run(['patch', kind, name, '--type', type, '-p', JSON.stringify(patch)], what);
    if (result.code !== 0) throw this.fail(what, result.stderr);
  }

  /**
   * Server-side apply of a List (from stdin): no last-applied annotation, no
   * client-side merge logic, conflicts with earlier `kubectl set`/patch
   * owners resolved in favour of the release. Schema validation is left to
   * the API server (client-side validation needs the cluster's OpenAPI).
   */
  async apply(objects: readonly object[], what: string): Promise<string> {
    const list = { apiVersion: 'v1', kind: 'List', items: objects };
    const result = await this.run(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=deploy-actions', '--validate=false', '-f', '-'],
      what,
      JSON.stringify(list),
    );
    if (result.code !== 0) throw this.fail(what, result.stderr);
    return result.stdout.trim();
  }
}
