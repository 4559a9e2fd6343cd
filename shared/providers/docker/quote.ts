/**
 * POSIX shell quoting of one argument: ssh hands the remote shell a single
 * string, so every argument is wrapped in single quotes (a quote inside
 * becomes '\''), and nothing in it is ever interpreted.
 */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The remote command line for an argv: each argument quoted, joined by spaces. */
export const commandLine = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');
