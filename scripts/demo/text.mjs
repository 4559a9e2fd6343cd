// A job summary (GitHub-flavoured Markdown) as readable terminal text:
// tables as aligned columns, the Mermaid flow as one line of stages.
// Terminal columns: pictographs (✅ ❌ ⏭️) take two, variation selectors none.
const width = (s) =>
  [...s].reduce((n, ch) => n + (ch === '\uFE0F' ? 0 : /\p{Extended_Pictographic}/u.test(ch) ? 2 : 1), 0);
const pad = (s, n) => s + ' '.repeat(Math.max(0, n - width(s)));

function cells(row) {
  return row
    .replace(/^\s*\||\|\s*$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) =>
      link(
        c
          .trim()
          .replace(/\\\|/g, '|')
          .replace(/<br\s*\/?>/g, ' / ')
          .replace(/`/g, ''),
      ),
    );
}

/** `[label](url)` as `label (url)`. */
const link = (text) => text.replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)');

/** Aligned columns; the Markdown separator row becomes a rule under the header. */
export function textTable(rows, indent = '  ') {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  const line = (r) =>
    indent +
    r
      .map((c, i) => pad(c ?? '', widths[i]))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), indent + widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The stages of a `flowchart` as `A ✅ 1s → B ❌ 2s ⇢ Rollback ✅ 1s → …`, following its edges. */
function flowLine(lines) {
  const nodes = new Map();
  for (const l of lines) {
    const m = /^\s*(\w+)\["([^"]*)"\]/.exec(l);
    if (m) nodes.set(m[1], m[2].replace(/<br\/?>/g, ' '));
  }
  const label = (id) => nodes.get(id) ?? id;
  return lines
    .filter((l) => /-->|-\.\s/.test(l))
    .map((l) =>
      l
        .trim()
        .replace(/\s*-\.\s*[^.]*\.->\s*/g, ' ⇢ ')
        .split(/\s*-->\s*/)
        .map((part) => part.split(' ⇢ ').map(label).join('  ⇢  '))
        .join('  →  '),
    )
    .map((l) => `  ${l}`)
    .join('\n');
}

export function markdownToText(markdown) {
  const out = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^```mermaid/.test(line)) {
      const body = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) body.push(lines[i]);
      out.push(flowLine(body));
    } else if (/^\s*\|/.test(line)) {
      const rows = [];
      for (; i < lines.length && /^\s*\|/.test(lines[i]); i++)
        if (!/^\s*\|(\s*:?-+:?\s*\|)+\s*$/.test(lines[i])) rows.push(cells(lines[i]));
      i--;
      out.push(
        rows.every((r) => r.every((c) => !c))
          ? ''
          : rows[0].every((c) => !c)
            ? textTable(rows.slice(1))
                .split('\n')
                .filter((_, n) => n !== 1)
                .join('\n')
            : textTable(rows),
      );
    } else if (/^#{1,6} /.test(line)) {
      const title = line.replace(/^#+ /, '');
      out.push(
        line.startsWith('## ')
          ? `${title}\n${'═'.repeat(Math.min(width(title), 70))}`
          : `${title}\n${'─'.repeat(Math.min(width(title), 70))}`,
      );
    } else {
      out.push(
        link(line)
          .replace(/<\/?details>/g, '')
          .replace(/<summary>(.*?)<\/summary>/g, '$1:')
          .replace(/\*\*(.+?)\*\*/g, '$1')
          .replace(/`([^`]+)`/g, '$1'),
      );
    }
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
