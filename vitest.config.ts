import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests of shared/ and of the action.yml files themselves: no bundle, no services, no scripts run; seconds.
 * The rest (bundles, the repository's scripts: docs, release, actionlint, the demo) is the `bundle` project.
 */
const unit = ['tests/shared/**/*.test.ts', 'tests/input-names.test.ts'];

export default defineConfig({
  test: {
    // A deploy over ssh to the real engine can take a minute or two on a loaded 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The bundle tests mostly wait (on child processes, the engine, servers): more files at once than cores.
    maxWorkers: 4,
    minWorkers: 1,
    reporters: ['default'],
    // GitHub's workflow parser imports its JSON schemas without `with { type: 'json' }`, which Node refuses: let Vite
    // load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      {
        extends: true,
        test: {
          name: 'bundle',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...unit],
          globalSetup: ['tests/setup/global.ts'],
        },
      },
    ],
  },
});
