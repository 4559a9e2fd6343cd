import { z } from 'zod';
import { runContext } from '../../../shared/context.js';
import {
  boolean,
  fail,
  oneOf,
  optionalText,
  parseInputs,
  singleLine,
  text,
  workspaceDirectory,
} from '../../../shared/inputs.js';
import { isNodeVersionSpec, NODE_VERSION_EXPECTED, requestedNodeVersion } from '../../../shared/setup/node-version.js';

const schema = z.object({
  'node-version': optionalText().transform((s, ctx) =>
    s === undefined || isNodeVersionSpec(s) ? s : fail(ctx, `${NODE_VERSION_EXPECTED}, or nothing`),
  ),
  'node-version-file': optionalText(),
  'package-manager': oneOf(['auto', 'npm', 'pnpm', 'yarn'] as const),
  'working-directory': text(),
  install: boolean(),
  cache: boolean(),
  // A key may not contain commas (the cache service splits on them) and must stay short.
  'cache-key-suffix': singleLine().transform((s, ctx) => {
    const v = s.trim();
    return v.includes(',') || v.length > 100
      ? fail(ctx, 'a short text without commas (at most 100 characters)')
      : v || undefined;
  }),
});

export type Config = z.output<typeof schema> & { dir: string; request: ReturnType<typeof requestedNodeVersion> };

/** The inputs, the project folder and the Node version it asks for, all checked before anything is installed. */
export function readConfig(): Config {
  const config = parseInputs(schema);
  const dir = workspaceDirectory(runContext().workspace, config['working-directory'], 'working-directory');
  return { ...config, dir, request: requestedNodeVersion(dir, config['node-version'], config['node-version-file']) };
}
