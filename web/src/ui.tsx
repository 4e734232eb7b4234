import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** A problem as the user needs it: what went wrong, and the request id to quote to support. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <div class="error" role="alert">
      <strong>{api?.problem.title ?? api?.problem.error ?? 'Something went wrong'}</strong>
      <p>{error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unexpected error.'}</p>
      {api?.problem.code ? <p>Code: <code>{api.problem.code}</code></p> : null}
      {api?.requestId ? <p>Request id: <code class="request-id">{api.requestId}</code></p> : null}
    </div>
  );
}

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Tessera`;
  }, [title]);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {children}
    </section>
  );
}

/** A labelled form control: the label names it for screen readers and clicks. */
export function Field({ label, id, children, hint }: { label: string; id: string; children: ComponentChildren; hint?: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? <small id={`${id}-hint`}>{hint}</small> : null}
    </div>
  );
}

/** Progress of a long operation (a replay, a settlement run, a model refresh). */
export function Progress({ label, value, max }: { label: string; value?: number; max?: number }) {
  return (
    <div class="progress">
      <progress aria-label={label} value={value} max={max} />
      <span>{label}{max !== undefined && value !== undefined ? ` (${value} of ${max})` : '…'}</span>
    </div>
  );
}

/** Cursor pagination over a list endpoint: Next follows `next_cursor`, Previous goes back through the cursors seen. */
export function usePager() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const next = useCallback((c: string | null) => c && setCursors((cs) => [...cs, c]), []);
  const previous = useCallback(() => setCursors((cs) => (cs.length > 1 ? cs.slice(0, -1) : cs)), []);
  const reset = useCallback(() => setCursors([undefined]), []);
  return { cursor, page: cursors.length, next, previous, reset };
}

export function Pager({ page, nextCursor, onNext, onPrevious }: { page: number; nextCursor: string | null; onNext: (c: string | null) => void; onPrevious: () => void }) {
  return (
    <nav class="pager" aria-label="Pagination">
      <button type="button" onClick={onPrevious} disabled={page <= 1}>Previous</button>
      <span>Page {page}</span>
      <button type="button" onClick={() => onNext(nextCursor)} disabled={!nextCursor}>Next</button>
    </nav>
  );
}

/** Loads `load` when `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/**
 * A user's action on the page: `act(fn, label)` runs `fn`, shows its label while it runs (`busy`,
 * for a Progress), keeps the error for the ErrorBox, and calls `after` (a reload) when it succeeds.
 */
export function useAction(after?: () => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<void>, label = 'Working') => {
    setError(null);
    setBusy(label);
    try {
      await fn();
      after?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  return { act, busy, error };
}

/**
 * Minor units as money in their currency, with the currency's own decimals (12345 USD → $123.45,
 * 1200 JPY → ¥1,200); `maxDecimals` allows more for sub-unit prices ("0.0005"). `—` for null; the
 * bare number without a currency.
 */
export function money(minor: number | string | null, currency: string | null, maxDecimals?: number): string {
  if (minor === null) return '—';
  if (!currency) return String(minor);
  try {
    const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: Math.max(digits, maxDecimals ?? digits) });
    return format.format(Number(minor) / 10 ** digits);
  } catch {
    return `${minor} ${currency} (minor units)`;
  }
}

/** A one-time secret: shown once, with a copy button. */
export function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div class="secret" role="status">
      <p><strong>{label}</strong> (shown once: store it now)</p>
      <code data-secret>{value}</code>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(value)}>Copy</button>
    </div>
  );
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
