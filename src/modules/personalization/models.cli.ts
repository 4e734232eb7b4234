import type { ServiceContext } from '../../platform/http/context.js';
import type { RecommendationModel } from './models.schemas.js';
import type { ModelsService } from './models.service.js';

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

/** The lines `tessera recommendations evaluate` prints for a model. */
export function metricsReport(model: RecommendationModel): string[] {
  const m = model.metrics;
  const head = `model ${model.id}  version ${model.version}  ${model.status}  built ${model.built_at ?? '-'}`;
  if (!m || m.cutoff === null) return [head, 'no evaluation: the signals hold no purchases spread over time to hold out'];
  const lift = m.popularity_precision_at_10 > 0 ? `${(m.precision_at_10 / m.popularity_precision_at_10).toFixed(2)}x` : m.precision_at_10 > 0 ? 'inf' : '-';
  return [
    head,
    `hold-out: purchases from ${m.cutoff}; ${m.holdout_subjects} shoppers, ${m.holdout_purchases} purchases`,
    `                 precision@${m.k}   recall@${m.k}`,
    `model            ${pct(m.precision_at_10).padStart(12)}   ${pct(m.recall_at_10).padStart(9)}`,
    `popularity       ${pct(m.popularity_precision_at_10).padStart(12)}   ${pct(m.popularity_recall_at_10).padStart(9)}`,
    `lift (precision) ${lift.padStart(12)}`,
  ];
}

/**
 * `tessera recommendations evaluate`: prints the offline metrics of the newest built model, or
 * builds one (not activated) when there is none, or when `build` asks for a fresh one.
 */
export async function evaluateCommand(ctx: ServiceContext, models: ModelsService, opts: { build?: boolean }, print: (line: string) => void): Promise<RecommendationModel> {
  const latest = opts.build ? undefined : await models.latest(ctx);
  const model = latest ?? (await models.refresh(ctx, { activate: false }));
  for (const line of metricsReport(model)) print(line);
  return model;
}
