// Medians and the plain-text table the benchmark prints.

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function fmtInt(n) {
  return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US');
}

export function fmtNum(n, digits = 1) {
  return n === null || n === undefined ? '–' : n.toFixed(digits);
}

export function fmtRatio(n) {
  return n === null || n === undefined ? '–' : `${n.toFixed(n < 0.1 ? 3 : 2)}×`;
}

/** Renders rows (arrays of strings) under headers, columns padded; numbers right-aligned. */
export function table(headers, rows, rightAligned = []) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) =>
    cells
      .map((c, i) => {
        const s = String(c ?? '');
        return rightAligned.includes(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
