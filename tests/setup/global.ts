import { ensureDocker, ensurePackages } from '../harness/infra.js';

/** Runs once before the suite: Debian packages and the Docker engine. */
export default async function setup(): Promise<void> {
  const missing = ensurePackages();
  if (missing.length) console.warn(`[infra] not installed (tests needing them will report it): ${missing.join(' ')}`);
  if (!(await ensureDocker())) console.warn('[infra] no Docker engine: Docker tests will fail under CI, skip otherwise');
}
