import * as core from '@actions/core';

/** What a table cell shows: text, a number or a flag; nothing for null and undefined. */
export type Cell = string | number | boolean | null | undefined;

/** Escape text for a Markdown table cell. */
export function cell(value: Cell): string {
  return String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const line = (cells: readonly Cell[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

/** A fenced block: `code` for logs, `mermaid` for charts. */
export function fence(body: string, lang = ''): string {
  const ticks = body.includes('```') ? '````' : '```';
  return `${ticks}${lang}\n${body}\n${ticks}`;
}

export function details(title: string, body: string): string {
  return `<details><summary>${title}</summary>\n\n${body}\n\n</details>`;
}

/**
 * Append Markdown sections to the job summary. Outside a runner (no
 * GITHUB_STEP_SUMMARY) there is nowhere to write, which is not an error.
 */
export async function writeSummary(...sections: (string | undefined | false)[]): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const text = sections.filter(Boolean).join('\n\n');
  await core.summary.addRaw(`${text}\n`, true).write();
}
