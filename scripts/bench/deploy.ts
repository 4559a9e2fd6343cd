/**
 * `npm run bench`'s deploy section: deploy-to-env's blue-green deploy of a
 * pre-pulled, digest-pinned image to one Docker host over ssh (real sshd, the
 * local engine, images FROM scratch, the GitHub REST double), while a client
 * hits the published port in a loop: wall time, each phase, failed requests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubDouble } from '../../tests/fakes/github.js';
import { removeService } from '../../tests/harness/docker-env.js';
import { appImage, proxyImage } from '../../tests/harness/images.js';
import { hitInLoop } from '../../tests/harness/load.js';
import { startSshd } from '../../tests/harness/sshd.js';
import { dockerAvailable, ensureDocker } from '../../tests/harness/infra.js';
import { startRegistry, type TestRegistry } from '../../tests/harness/registry.js';
import { runAction } from '../../tests/harness/runner.js';

type Table = (header: string[], rows: (string | number)[][]) => void;

const TOKEN = 'ghs_bench_token';
const SERVICE = `bench${process.pid}`;
const ROUNDS = Number(process.env.BENCH_DEPLOYS ?? 4);
const port = () => 20_000 + Math.floor(Math.random() * 20_000);

/** Push `image` to the registry and pull it back by digest, as a host that already has the release would. */
async function prePulled(registry: TestRegistry, image: string, tag: string): Promise<string> {
  registry.push(image, `bench/app:${tag}`);
  const ref = `${registry.host}/bench/app@${await registry.digest('bench/app', tag)}`;
  const config = mkdtempSync(join(tmpdir(), 'bench-docker-'));
  try {
    const docker = (args: string[], input?: string) =>
      execFileSync('docker', ['--config', config, ...args], { input, stdio: ['pipe', 'ignore', 'pipe'] });
    docker(['login', registry.host, '--username', registry.username, '--password-stdin'], registry.password);
    docker(['pull', '--quiet', ref]);
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
  return ref;
}

/** "pull 12ms, lock 80ms, start 1.2s": phase → ms. */
function phasesOf(stdout: string): Record<string, number> {
  const line = /Phase times: (.*)/.exec(stdout)?.[1] ?? '';
  const phases: Record<string, number> = {};
  for (const [, name, value, unit] of line.matchAll(/(\w+) ([\d.]+)(ms|s)/g))
    phases[name] = Number(value) * (unit === 's' ? 1000 : 1);
  return phases;
}

export async function benchDeploy({ table }: { table: Table }): Promise<void> {
  await ensureDocker();
  if (!dockerAvailable()) return console.log('deploy: skipped (no Docker engine)\n');
  const registry = await startRegistry({ port: port() });
  const sshd = await startSshd(port());
  const github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
  const publish = port();
  try {
    const releases = [await prePulled(registry, appImage('v1'), 'v1'), await prePulled(registry, appImage('v2'), 'v2')];
    const deploy = (image: string) =>
      runAction('deploy-to-env', {
        token: TOKEN,
        timeoutMs: 120_000,
        env: { GITHUB_API_URL: github.url },
        inputs: {
          environment: 'bench',
          service: SERVICE,
          image,
          hosts: `ssh://root@127.0.0.1:${sshd.port}`,
          'ssh-key': sshd.key,
          'ssh-known-hosts': sshd.knownHosts,
          publish: String(publish),
          'proxy-image': proxyImage(),
          'readiness-timeout': '15s',
          'environment-url': `http://127.0.0.1:${publish}`,
        },
      });
    // The first deploy creates the network and the proxy: not what a team's everyday deploy does.
    const first = await deploy(releases[0]);
    if (first.code !== 0)
      throw new Error(
        `the first deploy failed (exit ${first.code}, ${first.durationMs} ms, timed out: ${first.timedOut}):\n${first.stdout}\n${first.stderr}`,
      );
    const rows: (string | number)[][] = [];
    const names = ['pull', 'lock', 'start', 'ready', 'switch', 'drain', 'prune'];
    for (let i = 1; i <= ROUNDS; i++) {
      const load = hitInLoop(`http://127.0.0.1:${publish}/`);
      const run = await deploy(releases[i % 2]);
      const hits = await load.stop();
      const phases = phasesOf(run.stdout);
      rows.push([
        i,
        run.code === 0 ? 'ok' : `exit ${run.code}`,
        (run.durationMs / 1000).toFixed(2),
        ...names.map((n) => phases[n]?.toFixed(0) ?? '-'),
        `${hits.failed}/${hits.ok + hits.failed}`,
      ]);
    }
    console.log(`deploy-to-env blue-green over ssh, pre-pulled image (target: ≤ 3 s, no failed request)\n`);
    table(['deploy', 'result', 'wall s', ...names.map((n) => `${n} ms`), 'failed requests'], rows);
  } finally {
    removeService(SERVICE);
    await sshd.stop();
    await github.close();
    await registry.stop();
  }
}
