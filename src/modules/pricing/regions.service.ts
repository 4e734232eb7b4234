import type { Environment, Queryable } from '../../platform/db/database.js';
import { emit, previousAttributes } from '../../platform/events/outbox.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import type { ServiceContext } from '../../platform/http/context.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { CategoriesService } from '../catalog/index.js';
import { PricingErrors } from './pricing.errors.js';
import {
  percentToPpm,
  ppmToPercent,
  type Region,
  type RegionCreate,
  type RegionPatch,
  type ShippingOption,
  type ShippingOptionCreate,
  type ShippingOptionPatch,
  type ShippingPrice,
} from './pricing.schemas.js';
import type { TaxPolicy } from './pricing.types.js';
import * as repo from './regions.repo.js';

export function presentRegion(r: repo.RegionRow): Region {
  return {
    id: r.id,
    object: 'region',
    name: r.name,
    currency: r.currency,
    countries: r.countries,
    tax_rate: ppmToPercent(r.tax_rate_ppm),
    tax_inclusive: r.tax_inclusive,
    tax_overrides: r.tax_overrides.map((o) => ({ category_id: o.category_id, tax_rate: ppmToPercent(o.rate_ppm) })),
    capture_method: r.capture_method,
    metadata: r.metadata,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

export function presentShippingOption(o: repo.ShippingOptionRow): ShippingOption {
  return {
    id: o.id,
    object: 'shipping_option',
    region_id: o.region_id,
    name: o.name,
    price: o.price,
    free_over_amount: o.free_over_amount,
    active: o.active,
    metadata: o.metadata,
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}

/** What carts and checkout need of a region to price a cart: read on every cart request, so cached. */
export interface RegionPricing {
  region: repo.RegionRow;
  tax: TaxPolicy;
  shippingOptions: ReadonlyMap<string, repo.ShippingOptionRow>;
}

function checkBands(price: ShippingPrice | undefined): void {
  if (price?.type !== 'weight') return;
  const errors: FieldError[] = [];
  price.bands.forEach((band, i) => {
    const prev = price.bands[i - 1];
    if (band.max_grams === null && i !== price.bands.length - 1) errors.push({ detail: 'Only the last band may have no upper bound.', pointer: `/price/bands/${i}/max_grams` });
    if (prev && (prev.max_grams === null || (band.max_grams !== null && band.max_grams <= prev.max_grams))) {
      errors.push({ detail: 'Bands must be in ascending order of max_grams.', pointer: `/price/bands/${i}/max_grams` });
    }
  });
  if (errors.length) throw new AppError(PricingErrors.invalidShippingOption, 'The weight bands are not in ascending order.', errors);
}

function countryConflict(err: unknown): never {
  if ((err as { code?: string }).code === '23505') throw new AppError(PricingErrors.countryInUse, 'A country of this region already belongs to another region.', [{ detail: 'Already in another region.', pointer: '/countries' }]);
  throw err;
}

/** Regions (currency, countries, tax) and their shipping options. */
export class RegionsService {
  private readonly pricing = new Map<string, Promise<RegionPricing | undefined>>();

  constructor(
    private readonly deps: Pick<ModuleDeps, 'db' | 'bus'>,
    private readonly categories: CategoriesService,
  ) {
    const drop = (env: Environment, key: string) => this.pricing.delete(`${env}|${key}`);
    deps.bus.on('region', drop, () => this.pricing.clear());
    // a moved category changes which override is deepest
    deps.bus.on('category', (env) => this.dropEnv(env), () => this.pricing.clear());
  }

  private dropEnv(env: Environment): void {
    for (const key of this.pricing.keys()) if (key.startsWith(`${env}|`)) this.pricing.delete(key);
  }

  /** The region with its tax policy and shipping options, cached in process until a write anywhere. */
  regionPricing(env: Environment, regionId: string): Promise<RegionPricing | undefined> {
    const key = `${env}|${regionId}`;
    let entry = this.pricing.get(key);
    if (!entry) {
      entry = this.loadPricing(env, regionId);
      // an unknown id is not kept: anyone can send one, and the map would grow without bound
      entry.then((found) => found ?? this.pricing.delete(key), () => this.pricing.delete(key));
      this.pricing.set(key, entry);
    }
    return entry;
  }

  private async loadPricing(env: Environment, regionId: string): Promise<RegionPricing | undefined> {
    const db = this.deps.db.forEnv(env);
    const [region] = await repo.findRegions(db, [regionId]);
    if (!region) return undefined;
    const [options, tree] = await Promise.all([repo.shippingOptionsOf(db, [regionId]), this.categories.snapshot(env)]);
    const category_rates = region.tax_overrides.map((o) => ({ ...o, depth: tree.get(o.category_id)?.path.length ?? 0 }));
    return { region, tax: { rate_ppm: region.tax_rate_ppm, inclusive: region.tax_inclusive, category_rates }, shippingOptions: new Map(options.map((o) => [o.id, o])) };
  }

  private async write(ctx: ServiceContext, regionId: string, fn: (tx: Queryable) => Promise<void>): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      await fn(tx);
      await InvalidationBus.publish(tx, ctx.env, 'region', regionId);
    });
    this.deps.bus.deliver(ctx.env, 'region', regionId);
  }

  private async checkOverrides(ctx: ServiceContext, overrides: RegionCreate['tax_overrides']): Promise<repo.RegionRow['tax_overrides'] | undefined> {
    if (!overrides) return undefined;
    const tree = await this.categories.snapshot(ctx.env);
    const errors: FieldError[] = [];
    overrides.forEach((o, i) => {
      if (!tree.has(o.category_id)) errors.push({ detail: `No category ${o.category_id}.`, pointer: `/tax_overrides/${i}/category_id` });
      if (overrides.findIndex((x) => x.category_id === o.category_id) !== i) errors.push({ detail: 'Listed twice.', pointer: `/tax_overrides/${i}/category_id` });
    });
    if (errors.length) throw new AppError(PricingErrors.invalidRegion, 'A tax override names an unknown or repeated category.', errors);
    return overrides.map((o) => ({ category_id: o.category_id, rate_ppm: percentToPpm(o.tax_rate) }));
  }

  /** The region as the API shows it, read in the write's own transaction (for its event). */
  private async inTx(tx: Queryable, id: string): Promise<Region> {
    const [row] = await repo.findRegions(tx, [id]);
    if (!row) throw new AppError(PricingErrors.regionNotFound, `No region ${id}.`);
    return presentRegion(row);
  }

  async get(ctx: ServiceContext, id: string): Promise<Region> {
    const [row] = await repo.findRegions(ctx.db, [id]);
    if (!row) throw new AppError(PricingErrors.regionNotFound, `No region ${id}.`);
    return presentRegion(row);
  }

  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string }): Promise<List<Region>> {
    const rows = await repo.pageRegions(ctx.db, q.starting_after, q.limit + 1);
    return toList(rows.map(presentRegion), q.limit, (r) => r.id);
  }

  async create(ctx: ServiceContext, input: RegionCreate): Promise<Region> {
    const id = ctx.ids('reg');
    const overrides = (await this.checkOverrides(ctx, input.tax_overrides)) ?? [];
    await this.write(ctx, id, async (tx) => {
      const row = {
        id,
        name: input.name,
        currency: input.currency,
        tax_rate_ppm: percentToPpm(input.tax_rate),
        tax_inclusive: input.tax_inclusive ?? false,
        tax_overrides: overrides,
        capture_method: input.capture_method ?? 'automatic',
        metadata: input.metadata ?? {},
      };
      await repo.insertRegion(tx, row, ctx.now());
      await repo.replaceCountries(tx, id, input.countries).catch(countryConflict);
      await emit(tx, ctx, { type: 'region.created', object: await this.inTx(tx, id) });
    });
    return this.get(ctx, id);
  }

  async update(ctx: ServiceContext, id: string, patch: RegionPatch): Promise<Region> {
    const overrides = await this.checkOverrides(ctx, patch.tax_overrides);
    await this.write(ctx, id, async (tx) => {
      const before = (await repo.findRegions(tx, [id]))[0];
      const found = await repo.updateRegion(
        tx,
        id,
        {
          name: patch.name,
          tax_rate_ppm: patch.tax_rate === undefined ? undefined : percentToPpm(patch.tax_rate),
          tax_inclusive: patch.tax_inclusive,
          tax_overrides: overrides,
          capture_method: patch.capture_method,
          metadata: patch.metadata,
        },
        ctx.now(),
      );
      if (!found || !before) throw new AppError(PricingErrors.regionNotFound, `No region ${id}.`);
      if (patch.countries) await repo.replaceCountries(tx, id, patch.countries).catch(countryConflict);
      const after = await this.inTx(tx, id);
      const previous = previousAttributes(presentRegion(before), after);
      if (Object.keys(previous).length) await emit(tx, ctx, { type: 'region.updated', object: after, previous });
    });
    return this.get(ctx, id);
  }

  async remove(ctx: ServiceContext, id: string): Promise<void> {
    await this.write(ctx, id, async (tx) => {
      if (!(await repo.deleteRegion(tx, id))) throw new AppError(PricingErrors.regionNotFound, `No region ${id}.`);
      await emit(tx, ctx, { type: 'region.deleted', object: { id, object: 'region', deleted: true } });
    });
  }

  async listShippingOptions(ctx: ServiceContext, regionId: string): Promise<ShippingOption[]> {
    await this.get(ctx, regionId);
    return (await repo.shippingOptionsOf(ctx.db, [regionId])).map(presentShippingOption);
  }

  async getShippingOption(ctx: ServiceContext, id: string): Promise<ShippingOption> {
    const row = await repo.findShippingOption(ctx.db, id);
    if (!row) throw new AppError(PricingErrors.shippingOptionNotFound, `No shipping option ${id}.`);
    return presentShippingOption(row);
  }

  async createShippingOption(ctx: ServiceContext, regionId: string, input: ShippingOptionCreate): Promise<ShippingOption> {
    checkBands(input.price);
    await this.get(ctx, regionId);
    const id = ctx.ids('shipopt');
    await this.write(ctx, regionId, async (tx) => {
      await repo.insertShippingOption(
        tx,
        { id, region_id: regionId, name: input.name, price: input.price, free_over_amount: input.free_over_amount ?? null, active: input.active ?? true, metadata: input.metadata ?? {} },
        ctx.now(),
      );
      const created = await repo.findShippingOption(tx, id);
      if (created) await emit(tx, ctx, { type: 'shipping_option.created', object: presentShippingOption(created) });
    });
    return this.getShippingOption(ctx, id);
  }

  async updateShippingOption(ctx: ServiceContext, id: string, patch: ShippingOptionPatch): Promise<ShippingOption> {
    checkBands(patch.price);
    const current = await this.getShippingOption(ctx, id);
    await this.write(ctx, current.region_id, async (tx) => {
      await repo.updateShippingOption(tx, id, patch, ctx.now());
      const updated = await repo.findShippingOption(tx, id);
      if (!updated) return;
      const after = presentShippingOption(updated);
      const previous = previousAttributes(current, after);
      if (Object.keys(previous).length) await emit(tx, ctx, { type: 'shipping_option.updated', object: after, previous });
    });
    return this.getShippingOption(ctx, id);
  }

  async removeShippingOption(ctx: ServiceContext, id: string): Promise<void> {
    const current = await this.getShippingOption(ctx, id);
    await this.write(ctx, current.region_id, async (tx) => {
      await repo.deleteShippingOption(tx, id);
      await emit(tx, ctx, { type: 'shipping_option.deleted', object: { id, object: 'shipping_option', deleted: true } });
    });
  }
}
