// Preloaded into a bundle (NODE_OPTIONS=--import) to see which inputs its code
// reads: every INPUT_* variable looked up is written to $RECORD_INPUTS at exit.
import { writeFileSync } from 'node:fs';

const env = process.env;
const reads = new Set();
const note = (key) => typeof key === 'string' && key.startsWith('INPUT_') && reads.add(key);
process.env = new Proxy(env, {
  get: (target, key) => (note(key), Reflect.get(target, key)),
  has: (target, key) => (note(key), Reflect.has(target, key)),
});
process.on('exit', () => writeFileSync(env.RECORD_INPUTS, [...reads].sort().join('\n')));
