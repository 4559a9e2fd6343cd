import { UserError } from '../errors.js';

/**
 * Split a command line into argv the way a shell would split words (single and
 * double quotes, backslash escapes) without a shell: no variables, globs,
 * pipes or `&&`, so nothing in it is ever interpreted.
 */
export function splitCommand(line: string): string[] {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UserError(`Unclosed ${quote} in command: ${line}`);
  if (inWord) argv.push(word);
  return argv;
}
