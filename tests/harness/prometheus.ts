/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on a free 127.0.0.1 port,
 * with a temporary config and storage, scraping the given targets every
 * `scrapeInterval`. Tests that need it fail, never skip, when it is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = '/usr/bin/prometheus';

export interface RunningPrometheus {
  url: string;
  port: number;
  /** Instant query, as the tests' own check on what Prometheus holds. */
  query(promql: string): Promise<{ status: string; data?: { resultType: string; result: unknown } }>;
  stop(): Promise<void>;
}

/** A port nothing listens on right now (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export async function startPrometheus(options: {
  targets: string[];
  scrapeInterval?: string;
}): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS))
    throw new Error(`${PROMETHEUS} is not installed (Debian package "prometheus", listed in .ci/apt-packages)`);
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const interval = options.scrapeInterval ?? '1s';
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  evaluation_interval: ${interval}`,
      'scrape_configs:',
      '  - job_name: app',
      '    static_configs:',
      `      - targets: [${options.targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 150) {
      await stop();
      throw new Error(`prometheus not ready on ${url} after 15s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    query: async (promql) =>
      (await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`)).json() as never,
    stop,
  };
}
