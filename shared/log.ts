import * as core from '@actions/core';

/*
 * What the runner takes for a workflow command (actions/runner, ActionCommand.cs
 * and ActionCommandManager.cs), read line by line from stdout and stderr, a line
 * ending at \n, \r or \r\n:
 * - `::name …::data` when the line, after TrimStart() (any Unicode white space),
 *   starts with `::`;
 * - the legacy `##[name …]data` when `##[` appears ANYWHERE in the line.
 * Both forms honour every command (add-mask, set-output, stop-commands,
 * warning, error, group…), names case-insensitive.
 *
 * Annotations and groups made by @actions/core (`core.error`, `core.warning`,
 * `core.setFailed`, `core.startGroup`, `core.debug`) escape \r and \n in their
 * message, and a line that is already a `::command::` is never read for `##[`:
 * their text is inert already. `core.info` writes text as it is.
 *
 * `::` at a line's start after white space (JavaScript's \s plus NEL cover
 * .NET's char.IsWhiteSpace), and `##[` anywhere:
 */
const LINE_COMMAND = /(^|[\r\n])((?:[^\S\r\n]|\u0085)*)::/g;
const LEGACY_COMMAND = /##\[/g;

/**
 * Text from outside (a server's answer, a CLI's error, a user's value) made
 * safe to print: a backslash breaks every command prefix, so `::add-mask::x`
 * prints as `\::add-mask::x` and `##[warning]` as `##[\warning]`, still
 * readable, never obeyed.
 */
export function inert(text: string): string {
  return text.replace(LINE_COMMAND, '$1$2\\::').replace(LEGACY_COMMAND, '##[\\');
}

/**
 * Print a log line. Every action prints through here rather than `core.info`,
 * since most lines carry some outside text (URLs, versions, server answers).
 * Output of the user's own commands is streamed as it is, as in a `run:` step.
 */
export function info(text: string): void {
  core.info(inert(text));
}
