import { runContext } from '../../../shared/context.js';
import { providerPost, withProvider } from '../../../shared/providers/config.js';
import { run } from '../../../shared/run.js';
import { tearDown } from '../../../shared/teardown/teardown.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const { config, settings, module } = readConfig();
  const ctx = runContext();
  const options = {
    environment: config.environment,
    service: config.service || ctx.repo,
    removeVolumes: config['remove-volumes'],
    token: config['github-token'],
  };
  await withProvider(module, settings, ctx.runnerTemp, (provider) => tearDown(options, provider, ctx));
}

await run(main, providerPost);
