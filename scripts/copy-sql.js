// Copies the SQL migrations and the docs' Markdown (src/docs/*.md, read at run time) next to the
// compiled modules (tsc copies only TypeScript output).
import fs from 'node:fs';
import path from 'node:path';

function copy(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name);
    if (entry.isDirectory()) copy(from);
    else if (entry.name.endsWith('.sql') || (dir === path.join('src', 'docs') && entry.name.endsWith('.md'))) {
      const to = path.join('dist', path.relative('src', from));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}
copy('src');
