/**
 * A ustar archive of text files, for `docker cp -` (which reads a tar stream
 * on stdin): the proxy configuration reaches the container without a shell
 * or a file on the host. Text-only, so it travels as a string. A name ending
 * in `/` is a folder; `modes` gives a file another mode than 0644 (a key: 0600).
 */
export function tarOf(files: Record<string, string>, modes: Record<string, number> = {}): string {
  const blocks: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/')) {
      blocks.push(header(name, 0, 0o755, '5'));
      continue;
    }
    const size = Buffer.byteLength(content);
    if (size !== content.length) throw new Error('tarOf: ASCII content only');
    blocks.push(header(name, size, modes[name] ?? 0o644, '0'), content, '\0'.repeat((512 - (size % 512)) % 512));
  }
  blocks.push('\0'.repeat(1024));
  return blocks.join('');
}

function header(name: string, size: number, mode: number, type: '0' | '5'): string {
  const field = (value: string, length: number) => value.slice(0, length).padEnd(length, '\0');
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, '0')}\0`;
  const parts = [
    field(name, 100),
    octal(mode, 8),
    octal(0, 8),
    octal(0, 8),
    octal(size, 12),
    octal(Math.floor(Date.now() / 1000), 12),
    ' '.repeat(8), // checksum placeholder: spaces while summing
    type,
    field('', 100),
    field('ustar', 6),
    '00',
    field('', 32),
    field('', 32),
    field('', 8),
    field('', 8),
    field('', 155),
  ];
  let block = parts.join('').padEnd(512, '\0');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block.charCodeAt(i);
  block = block.slice(0, 148) + `${sum.toString(8).padStart(6, '0')}\0 ` + block.slice(156);
  return block;
}
