import type { Environment } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { MODEL_ACTIVATED_TOPIC } from './models.service.js';
import { RecsCache } from './recommendations.cache.js';
import { RecommendationErrors } from './recommendations.errors.js';
import type { ExperimentAssignment, RecommendationsPorts, StrategyChoice } from './recommendations.ports.js';
import * as repo from './recommendations.repo.js';
import { concat, confidence, fromAffinity, fromNeighbors, fromPopularity, type Candidate, type Rationale } from './recommendations.rules.js';

export const SLOTS = ['product_page', 'cart', 'checkout', 'home'] as const;
export type Slot = (typeof SLOTS)[number];
export type ServedStrategy = 'cooccurrence' | 'affinity' | 'popularity' | 'popularity_fallback';

export interface RecommendInput {
  slot: Slot;
  product_id?: string;
  cart_id?: string;
  customer_id?: string;
  anonymous_id?: string;
  limit: number;
  exclude?: readonly string[];
}

export interface Recommendation {
  product_id: string;
  sku: string;
  score: number;
  confidence: number;
  rationale: Rationale[];
}

export interface RecommendationsAnswer {
  data: Recommendation[];
  model_version: number | null;
  strategy: ServedStrategy;
}

/** An answer as the route sends it. Without an experiment it is the cached object itself, so its serialized body is reused. */
export type ServedAnswer = RecommendationsAnswer & { experiment: ExperimentAssignment['experiment'] | null };

/** How long an answer, and a SKU's stock, may be served from memory: stock changes show within this. */
export const ANSWER_TTL_MS = 10_000;
/** A safety net only: activations clear the cached active model at once, here and over the bus. */
const MODEL_TTL_MS = 30_000;
/** Candidates read per source from a snapshot (immutable, so cached until the next activation). */
const CANDIDATES = 100;
/** The subject's strongest categories the home slot draws from. */
const AFFINITY_CATEGORIES = 3;
/** Before any model exists, popularity counts the signals of this many days. */
const COLD_DAYS = 30;

/**
 * `GET /v1/recommendations`: ranked, filtered recommendations from the active model snapshot.
 * Three caches, all per environment: the active model (cleared on activation), candidates per
 * model and input (snapshots are immutable), and whole answers for ANSWER_TTL_MS keyed by model
 * version and inputs (cleared on activation and on any catalog write). `recommend` is what an
 * experiment calls with the strategy its variant maps to.
 */
export class RecommendationsService {
  private readonly models: RecsCache<{ model: repo.ActiveModel | null }>;
  private readonly candidates: RecsCache<{ list: Candidate[] }>;
  private readonly answers: RecsCache<RecommendationsAnswer & { experiment: null }>;
  private readonly stock: RecsCache<{ inStock: boolean }>;

  constructor(
    deps: Pick<ModuleDeps, 'bus' | 'metrics'>,
    private readonly ports: RecommendationsPorts,
  ) {
    this.models = new RecsCache('recommendation_model', { max: 4, ttlMs: MODEL_TTL_MS }, deps.metrics);
    this.candidates = new RecsCache('recommendation_candidates', { max: 20_000, ttlMs: 10 * 60_000 }, deps.metrics);
    this.answers = new RecsCache('recommendations', { max: 10_000, ttlMs: ANSWER_TTL_MS }, deps.metrics);
    this.stock = new RecsCache('recommendation_stock', { max: 50_000, ttlMs: ANSWER_TTL_MS }, deps.metrics);
    deps.bus.on(MODEL_ACTIVATED_TOPIC, (env) => this.modelChanged(env), () => this.modelChanged());
    // a product published, unpublished or deleted shows at once; stock only within the TTL
    deps.bus.on('product', (env) => this.answers.clear(env), () => this.answers.clear());
  }

  /** Drops everything cached for `env` (all environments when none): the next request reads the newly active model. */
  modelChanged(env?: Environment): void {
    this.models.clear(env);
    this.candidates.clear(env);
    this.answers.clear(env);
  }

  /** The route's entry: asks the experiments port (if any) for a strategy, answers, and logs the exposure. */
  async serve(ctx: ServiceContext, input: RecommendInput): Promise<ServedAnswer> {
    if (input.customer_id !== undefined && ctx.actor?.type === 'publishable') {
      throw new AppError(RecommendationErrors.customerNeedsSecretKey, 'Ask for a customer\'s recommendations from your server with a secret key; a publishable key is public (use anonymous_id in the browser).', [
        { detail: 'Not with a publishable key.', pointer: '/customer_id' },
      ]);
    }
    const who = { slot: input.slot, ...(input.customer_id ? { customer_id: input.customer_id } : {}), ...(input.anonymous_id ? { anonymous_id: input.anonymous_id } : {}) };
    const assignment = this.ports.experiments ? await this.ports.experiments.assign(ctx, who) : null;
    const answer = await this.recommend(ctx, input, assignment?.strategy ?? 'auto');
    if (assignment && this.ports.experiments) {
      await this.ports.experiments.served(ctx, assignment, { ...who, product_ids: answer.data.map((r) => r.product_id), strategy: answer.strategy, model_version: answer.model_version });
    }
    return assignment ? { ...answer, experiment: assignment.experiment } : answer;
  }

  /**
   * Recommendations for one request with a strategy: `auto` picks by slot (product page and cart:
   * co-occurrence; home: affinity; else popularity); an experiment may force one. Published,
   * in-stock products only, never the product itself, the cart's items or `exclude`.
   */
  async recommend(ctx: ServiceContext, input: RecommendInput, choice: StrategyChoice = 'auto'): Promise<RecommendationsAnswer & { experiment: null }> {
    const [model, inCart] = await Promise.all([this.activeModel(ctx), input.cart_id ? this.ports.carts.productIds(ctx, input.cart_id) : Promise.resolve([])]);
    const cart = [...new Set(inCart)].sort();
    const exclude = [...new Set(input.exclude ?? [])].sort();
    const key = [model?.version ?? 0, choice, input.slot, input.product_id ?? '', cart.join(','), subjects(input).join(','), input.limit, exclude.join(',')].join('|');
    return this.answers.get(ctx.env, key, () => this.compute(ctx, model, input, cart, exclude, choice));
  }

  private async compute(ctx: ServiceContext, model: repo.ActiveModel | null, input: RecommendInput, cart: string[], exclude: string[], choice: StrategyChoice): Promise<RecommendationsAnswer & { experiment: null }> {
    const strategy = pickStrategy(choice, input, cart);
    const sources = input.slot === 'product_page' || cart.length === 0 ? (input.product_id ? [input.product_id] : []) : cart;
    let primary: Candidate[] = [];
    if (model && strategy === 'cooccurrence') primary = await this.neighbors(ctx, model, sources);
    if (model && strategy === 'affinity') primary = await this.affinity(ctx, model, subjects(input));
    const categories = input.product_id ? ((await this.ports.catalog.products(ctx, [input.product_id])).get(input.product_id)?.category_ids ?? []) : [];
    const fill = await this.popular(ctx, model, strategy === 'popularity' || primary.length === 0 ? categories : []);
    const skip = new Set([...exclude, ...cart, ...(input.product_id ? [input.product_id] : [])]);
    const data = await this.eligible(ctx, concat(primary, fill), skip, input.limit);
    const fromPrimary = new Set(primary.map((c) => c.product_id));
    const served: ServedStrategy = strategy === 'popularity' ? 'popularity' : data.some((r) => fromPrimary.has(r.product_id)) ? strategy : 'popularity_fallback';
    return { data, model_version: model?.version ?? null, strategy: served, experiment: null };
  }

  private async activeModel(ctx: ServiceContext): Promise<repo.ActiveModel | null> {
    return (await this.models.get(ctx.env, 'active', async () => ({ model: (await repo.activeModel(ctx.db)) ?? null }))).model;
  }

  private async neighbors(ctx: ServiceContext, model: repo.ActiveModel, sources: readonly string[]): Promise<Candidate[]> {
    if (sources.length === 0) return [];
    const key = `${model.id}|n|${sources.join(',')}`;
    return (await this.candidates.get(ctx.env, key, async () => ({ list: fromNeighbors(await repo.neighbors(ctx.db, model.id, sources, CANDIDATES)) }))).list;
  }

  private async affinity(ctx: ServiceContext, model: repo.ActiveModel, subjects: readonly string[]): Promise<Candidate[]> {
    for (const subject of subjects) {
      const key = `${model.id}|a|${subject}`;
      const { list } = await this.candidates.get(ctx.env, key, async () => {
        const affinities = await repo.affinity(ctx.db, model.id, subject, AFFINITY_CATEGORIES);
        if (affinities.length === 0) return { list: [] };
        return { list: fromAffinity(affinities, await repo.popularity(ctx.db, model.id, affinities.map((a) => a.category_id), CANDIDATES)) };
      });
      if (list.length) return list;
    }
    return [];
  }

  /** Popular products: trending in `categories` first, then overall; before any model, by recent signals. */
  private async popular(ctx: ServiceContext, model: repo.ActiveModel | null, categories: readonly string[]): Promise<Candidate[]> {
    const key = `${model?.id ?? '-'}|p|${categories.join(',')}`;
    const load = async (): Promise<{ list: Candidate[] }> => {
      if (!model) return { list: fromPopularity(await repo.signalPopularity(ctx.db, new Date(ctx.now().getTime() - COLD_DAYS * 86_400_000), CANDIDATES)) };
      const rows = await repo.popularity(ctx.db, model.id, [...categories, ''], CANDIDATES);
      return { list: concat(fromPopularity(rows.filter((r) => r.category_id !== '')), fromPopularity(rows.filter((r) => r.category_id === ''))) };
    };
    return (await this.candidates.get(ctx.env, key, load)).list;
  }

  /** The first `limit` candidates a storefront may sell: on the storefront, one SKU in stock, not skipped. */
  private async eligible(ctx: ServiceContext, candidates: readonly Candidate[], skip: ReadonlySet<string>, limit: number): Promise<Recommendation[]> {
    const out: Recommendation[] = [];
    const pool = candidates.filter((c) => !skip.has(c.product_id));
    const chunk = Math.max(20, limit * 2);
    for (let i = 0; i < pool.length && out.length < limit; i += chunk) {
      const slice = pool.slice(i, i + chunk);
      const products = await this.ports.catalog.products(ctx, slice.map((c) => c.product_id));
      const listed = slice.flatMap((c) => {
        const p = products.get(c.product_id);
        return p?.onStorefront && p.skus.length ? [{ c, skus: p.skus }] : [];
      });
      const stock = await this.inStock(ctx, listed.flatMap((l) => l.skus));
      for (const { c, skus } of listed) {
        const sku = skus.find((s) => stock.get(s)?.inStock);
        if (sku && out.length < limit) out.push({ product_id: c.product_id, sku, score: c.score, confidence: confidence(c.support), rationale: c.rationale });
      }
    }
    return out;
  }

  private async inStock(ctx: ServiceContext, skus: readonly string[]): Promise<Map<string, { inStock: boolean }>> {
    if (skus.length === 0) return new Map();
    return this.stock.getMany(ctx.env, skus, async (missing) => {
      const ok = await this.ports.stock.inStock(ctx, missing);
      return new Map(missing.map((s) => [s, { inStock: ok.has(s) }]));
    });
  }
}

/** 'c:<customer_id>' then 'a:<anonymous_id>': the affinity subjects of a request, customer first. */
function subjects(input: Pick<RecommendInput, 'customer_id' | 'anonymous_id'>): string[] {
  return [...(input.customer_id ? [`c:${input.customer_id}`] : []), ...(input.anonymous_id ? [`a:${input.anonymous_id}`] : [])];
}

function pickStrategy(choice: StrategyChoice, input: RecommendInput, cart: readonly string[]): 'cooccurrence' | 'affinity' | 'popularity' {
  if (choice !== 'auto') return choice;
  if (input.slot === 'product_page') return input.product_id ? 'cooccurrence' : 'popularity';
  if (input.slot === 'cart' || input.slot === 'checkout') return cart.length ? 'cooccurrence' : 'popularity';
  return subjects(input).length ? 'affinity' : 'popularity';
}
