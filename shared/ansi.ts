/**
 * Terminal escape sequences (ESC [ … letter: colours, cursor moves) that tools
 * print even into a pipe; removed before their output is parsed or quoted.
 */
// eslint-disable-next-line no-control-regex -- matching ESC is the point: it starts every sequence
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export const stripAnsi = (text: string): string => text.replace(ANSI, '');
