import { useState } from 'preact/hooks';
import type { Schema } from '../../../sdk/index.js';
import { data } from '../api.js';
import { useSession } from '../session.js';
import { ErrorBox, Page, Pager, Progress, useAction, useLoad, usePager, when } from '../ui.js';
import { percent } from './experiments.js';

type Model = Schema<'RecommendationModel'>;

/** The model's figure against the popularity baseline's, in words as well as numbers. */
function versus(model: number, baseline: number): string {
  const verdict = model > baseline ? 'better than' : model < baseline ? 'worse than' : 'same as';
  return `${percent(model)} (${verdict} popularity ${percent(baseline)})`;
}

const STATUS: Record<Model['status'], string> = {
  building: 'building',
  ready: 'ready (not active)',
  active: 'active (serving)',
  retired: 'retired (can be reactivated)',
  failed: 'failed',
};

/**
 * Recommendation model versions, newest first, with their offline evaluation (precision@10 and
 * recall@10 on a time-based hold-out, against popularity alone); build a new one (progress shown
 * while it builds), activate a built one, or roll back to the one active before.
 */
export function ModelsPage() {
  const { api } = useSession();
  const pager = usePager();
  const list = useLoad(
    async () => data((await api()).GET('/v1/recommendation_models', { params: { query: { limit: 20, ...(pager.cursor ? { starting_after: pager.cursor } : {}) } } })),
    [pager.cursor],
  );
  const [activateBuilt, setActivateBuilt] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);

  const action = useAction(() => {
    pager.reset();
    list.reload();
  });
  const { busy, error } = action;
  const act = (label: string, fn: () => Promise<string>) => {
    setNotice(null);
    return action.act(async () => setNotice(await fn()), label);
  };

  const build = () =>
    act('Building a model from the latest signals', async () => {
      const made = await data((await api()).POST('/v1/recommendation_models/refresh', { params: { query: { activate: activateBuilt } } }));
      return `Version ${made.version} built: ${STATUS[made.status]}.`;
    });
  const activate = (m: Model) =>
    act(`Activating version ${m.version}`, async () => {
      const done = await data((await api()).POST('/v1/recommendation_models/{id}/activate', { params: { path: { id: m.id } } }));
      return `Version ${done.version} is active.`;
    });
  const rollback = () =>
    act('Rolling back', async () => {
      const back = await data((await api()).POST('/v1/recommendation_models/rollback'));
      return `Rolled back: version ${back.version} is active again.`;
    });

  const models = list.value?.data ?? [];
  const active = models.find((m) => m.status === 'active');
  return (
    <Page title="Recommendation models">
      <ErrorBox error={error ?? list.error} />
      {notice ? <p role="status" class="ok">{notice}</p> : null}
      {busy ? <Progress label={busy} /> : null}
      <p data-active-model>
        {active ? <>Active model: <strong>version {active.version}</strong>, since {when(active.activated_at)}.</> : list.value ? 'No active model on this page: recommendations fall back to popularity when none is active.' : null}
      </p>
      <form
        aria-label="Build a model"
        onSubmit={(e) => {
          e.preventDefault();
          void build();
        }}
      >
        <p>Builds the next version from the signals of the last 90 days and evaluates it offline.</p>
        <label>
          <input type="checkbox" checked={activateBuilt} onChange={(e) => setActivateBuilt(e.currentTarget.checked)} /> Activate it when built
        </label>
        <div>
          <button type="submit" disabled={busy !== null}>Build a new model</button>
          <button type="button" disabled={busy !== null} onClick={() => void rollback()}>Roll back to the previous model</button>
        </div>
      </form>
      {list.value && models.length === 0 ? <p>No models built yet.</p> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th><th scope="col">Status</th><th scope="col">Precision@10</th><th scope="col">Recall@10</th><th scope="col">Hold-out</th>
            <th scope="col">Built from</th><th scope="col">Built</th><th scope="col">Activated</th><th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.id} data-model={m.id} data-version={m.version}>
              <th scope="row">
                {m.version}
                <br />
                <small><code>{m.id}</code></small>
              </th>
              <td>{m.status === 'active' ? <strong>{STATUS[m.status]}</strong> : STATUS[m.status]}{m.error ? `: ${m.error}` : ''}</td>
              <td data-col="precision">{m.metrics ? versus(m.metrics.precision_at_10, m.metrics.popularity_precision_at_10) : '—'}</td>
              <td data-col="recall">{m.metrics ? versus(m.metrics.recall_at_10, m.metrics.popularity_recall_at_10) : '—'}</td>
              <td data-col="holdout">{m.metrics ? `${m.metrics.holdout_purchases} purchases by ${m.metrics.holdout_subjects} shoppers after ${when(m.metrics.cutoff)}` : '—'}</td>
              <td>{m.counts ? `${m.counts.signals} signals, ${m.counts.products} products` : '—'}</td>
              <td>{when(m.built_at)}</td>
              <td>{when(m.activated_at)}</td>
              <td class="actions">
                {m.status === 'ready' || m.status === 'retired' ? (
                  <button type="button" disabled={busy !== null} onClick={() => void activate(m)} aria-label={`Activate version ${m.version}`}>
                    Activate
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={pager.page} nextCursor={list.value?.next_cursor ?? null} onNext={pager.next} onPrevious={pager.previous} />
    </Page>
  );
}
