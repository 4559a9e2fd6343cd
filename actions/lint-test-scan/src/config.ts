import { z } from 'zod';
import { runContext } from '../../../shared/context.js';
import { boolean, fail, filePath, oneOf, parseInputs, text, workspaceDirectory } from '../../../shared/inputs.js';
import { splitCommand } from '../../../shared/quality/argv.js';

/**
 * A stage: empty, a skip word, a script name or a command line, split here so a mistake names its input before anything
 * runs.
 */
const stage = () =>
  text().transform((s, ctx) => {
    let argv: string[];
    try {
      argv = splitCommand(s);
    } catch {
      return fail(ctx, 'a script name or a command line whose quotes are closed');
    }
    return argv[0]?.startsWith('-') ? fail(ctx, 'a script name or a command line, not starting with "-"') : s;
  });

const schema = z.object({
  'working-directory': text(),
  lint: stage(),
  'format-check': stage(),
  typecheck: stage(),
  test: stage(),
  'test-report': filePath().transform((s) => s ?? ''),
  'audit-level': oneOf(['none', 'info', 'low', 'moderate', 'high', 'critical'] as const),
  parallel: boolean(),
  'fail-fast': boolean(),
});

export type Config = z.output<typeof schema> & { dir: string };

export function readConfig(): Config {
  const config = parseInputs(schema);
  return {
    ...config,
    dir: workspaceDirectory(runContext().workspace, config['working-directory'], 'working-directory'),
  };
}
