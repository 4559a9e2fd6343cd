import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staleBundles } from '../../scripts/sources.mjs';
import { ensureDocker, ensureKubectl, ensurePackages, skipping } from '../harness/infra.js';

/**
 * Runs once before the bundle tests: Debian packages, kubectl and the Docker
 * engine. Test files record why they skip (tests/harness/infra.ts `skipping`);
 * the teardown prints each reason once, after the run.
 */
export default async function setup(): Promise<() => void> {
  const stale = staleBundles();
  // Old bundles fail on old behaviour, slowly and misleadingly: stop before the first test.
  if (stale.length)
    throw new Error(
      `dist/ is stale (bundled from other sources) for: ${stale.join(', ')}. Run \`npm run bundle\` first.`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'deploy-tests-'));
  process.env.DEPLOY_TESTS_SKIPS = join(dir, 'skips');
  const missing = ensurePackages();
  if (missing.length) skipping(`Debian packages not installed: ${missing.join(' ')} (tests needing them fail or skip)`);
  if (!ensureKubectl()) skipping('kubectl could not be installed (not root, or no apt-get)');
  if (!(await ensureDocker()))
    skipping('no Docker engine could be started: Docker tests fail under CI and skip otherwise');
  return () => {
    const reasons = (() => {
      try {
        return [...new Set(readFileSync(process.env.DEPLOY_TESTS_SKIPS!, 'utf8').split('\n').filter(Boolean))];
      } catch {
        return [];
      }
    })();
    if (reasons.length) console.warn(`\nSkipped, and why:\n${reasons.map((r) => `  - ${r}`).join('\n')}\n`);
    rmSync(dir, { recursive: true, force: true });
  };
}
