import { z } from 'zod';
import { boolean, oneOf, parseInputs, text } from '../../../shared/inputs.js';

const schema = z.object({
  'working-directory': text(),
  lint: text(),
  'format-check': text(),
  typecheck: text(),
  test: text(),
  'test-report': text(),
  'audit-level': oneOf(['none', 'info', 'low', 'moderate', 'high', 'critical'] as const),
  parallel: boolean(),
  'fail-fast': boolean(),
});

export type Config = z.output<typeof schema>;

export function readConfig(): Config {
  return parseInputs(schema);
}
