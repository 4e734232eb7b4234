import { isEnvironment, type Queryable } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { slugify } from './catalog.rules.js';
import type { Variant } from './catalog.schemas.js';
import type { ProductWrite } from './products.repo.js';

export interface SeedResult {
  categories: number;
  products: number;
  variants: number;
}

/** A category of the demo tree: `nouns` name what its products are; `attrs` adds to its department's. */
interface Node {
  name: string;
  nouns?: string;
  attrs?: Record<string, string>;
  children?: Node[];
}

/** A root category with what its products share: brands, adjectives, attributes, variant option, price and weight ranges. */
interface Department extends Node {
  brands: string;
  adjectives: string;
  attrs: Record<string, string>;
  option: [name: string, values: string];
  /** USD minor units, and grams; products draw log-uniformly between the bounds. */
  price: [number, number];
  weight: [number, number];
}

// Comma-separated lists keep the demo data dense; every value list is split once at load.
const DEPARTMENTS: Department[] = [
  { name: 'Electronics', brands: 'Voltix,Auralis,Kinetiq,Nordlume,Pixelon', adjectives: 'Wireless,Smart,Portable,Compact,Pro,Ultra,Digital',
    attrs: { color: 'Black,White,Silver,Graphite,Blue', connectivity: 'Bluetooth,Wi-Fi,USB-C,Wired' }, option: ['color', 'Black,White,Silver,Graphite,Blue'], price: [1500, 150000], weight: [80, 4000],
    children: [
      { name: 'Audio', children: [{ name: 'Headphones', nouns: 'Headphones,Earbuds' }, { name: 'Speakers', nouns: 'Speaker,Soundbar' }] },
      { name: 'Phones & Tablets', nouns: 'Smartphone,Tablet,E-Reader' }, { name: 'Phone Accessories', nouns: 'Phone Case,Charger,Power Bank,Cable' },
      { name: 'Computers', children: [{ name: 'Laptops', nouns: 'Laptop,Notebook' }, { name: 'Monitors', nouns: 'Monitor,Display' }, { name: 'Keyboards & Mice', nouns: 'Keyboard,Mouse' }] },
      { name: 'Cameras', nouns: 'Camera,Action Camera,Lens' }, { name: 'Wearables', nouns: 'Smartwatch,Fitness Tracker' },
    ] },
  { name: 'Apparel', brands: 'Northbound,Loomwell,Cordova,Fenwick & Co,Halden', adjectives: 'Classic,Slim-Fit,Relaxed,Lightweight,Organic,Vintage,Essential',
    attrs: { color: 'Black,Navy,Olive,Grey,White,Red', material: 'Cotton,Wool,Linen,Polyester,Denim' }, option: ['size', 'XS,S,M,L,XL'], price: [1000, 25000], weight: [100, 1500],
    children: [
      { name: 'Men', children: [{ name: "Men's Shirts", nouns: 'Shirt,Polo,T-Shirt' }, { name: "Men's Outerwear", nouns: 'Jacket,Parka,Vest' }] },
      { name: 'Women', children: [{ name: "Women's Tops", nouns: 'Blouse,Top,Tee' }, { name: 'Dresses', nouns: 'Dress,Sundress' }] },
      { name: 'Kids', nouns: 'Hoodie,Pajamas,Leggings' }, { name: 'Accessories', nouns: 'Scarf,Beanie,Belt' },
    ] },
  { name: 'Home & Kitchen', brands: 'Hearthly,Copperleaf,Oakhaven,Brightnest,Kettleby', adjectives: 'Stainless,Modern,Rustic,Handcrafted,Everyday,Premium',
    attrs: { color: 'White,Black,Sage,Cream,Copper', material: 'Stainless Steel,Cast Iron,Ceramic,Oak,Glass' }, option: ['color', 'White,Black,Sage,Cream,Copper'], price: [800, 80000], weight: [200, 20000],
    children: [
      { name: 'Cookware', nouns: 'Skillet,Saucepan,Dutch Oven,Stock Pot', attrs: { capacity: '1 L,2 L,4 L,6 L' } },
      { name: 'Small Appliances', children: [
        { name: 'Coffee Makers', nouns: 'Coffee Maker,Espresso Machine,Grinder', attrs: { capacity: '0.5 L,1 L,1.5 L' } },
        { name: 'Blenders', nouns: 'Blender,Food Processor', attrs: { capacity: '1 L,1.5 L,2 L' } },
      ] },
      { name: 'Furniture', nouns: 'Side Table,Bookshelf,Armchair' }, { name: 'Bedding', nouns: 'Duvet Cover,Sheet Set,Pillow' },
      { name: 'Storage', nouns: 'Storage Bin,Shelf Organizer,Basket' },
    ] },
  { name: 'Sports & Outdoors', brands: 'Trailcraft,Summitline,Ridgeway,Aquanova,Stridewell', adjectives: 'Lightweight,Waterproof,Ultralight,Durable,All-Season,Performance',
    attrs: { color: 'Black,Orange,Forest Green,Blue,Red', material: 'Nylon,Polyester,Aluminum,Carbon Fiber' }, option: ['size', 'S,M,L,XL'], price: [1000, 60000], weight: [100, 8000],
    children: [
      { name: 'Camping', children: [{ name: 'Tents', nouns: 'Tent,Shelter', attrs: { capacity: '1-Person,2-Person,4-Person' } }, { name: 'Sleeping Bags', nouns: 'Sleeping Bag,Sleeping Pad' }] },
      { name: 'Hiking', nouns: 'Backpack,Trekking Poles,Daypack', attrs: { capacity: '20 L,30 L,45 L' } }, { name: 'Fitness', nouns: 'Yoga Mat,Dumbbell Set,Resistance Bands' },
      { name: 'Cycling', nouns: 'Bike Helmet,Bike Light,Cycling Jersey' }, { name: 'Water Sports', nouns: 'Paddle Board,Dry Bag,Swim Goggles' },
    ] },
  { name: 'Beauty', brands: 'Lumiere,Verdance,Petalry,Skinlab,Aurea', adjectives: 'Hydrating,Nourishing,Gentle,Radiant,Organic,Fragrance-Free',
    attrs: { skin_type: 'Dry,Oily,Combination,Sensitive,All', scent: 'Unscented,Lavender,Citrus,Rose,Vanilla' }, option: ['size', '30 ml,50 ml,100 ml,200 ml'], price: [500, 12000], weight: [30, 600],
    children: [
      { name: 'Skincare', nouns: 'Moisturizer,Serum,Cleanser,Face Mask' }, { name: 'Makeup', nouns: 'Lipstick,Mascara,Foundation' },
      { name: 'Hair Care', nouns: 'Shampoo,Conditioner,Hair Oil' }, { name: 'Fragrance', nouns: 'Eau de Parfum,Body Mist' },
    ] },
  { name: 'Toys & Games', brands: 'Brickly,Wonderloop,Tinkertot,Playforge,Moonbeam', adjectives: 'Creative,Classic,Deluxe,Educational,Mini,Giant',
    attrs: { age_range: '3+,6+,8+,12+', material: 'Wood,Plastic,Plush,Cardboard' }, option: ['color', 'Red,Blue,Green,Yellow'], price: [500, 20000], weight: [50, 3000],
    children: [
      { name: 'Building Sets', nouns: 'Building Set,Construction Kit' }, { name: 'Puzzles', nouns: 'Jigsaw Puzzle,Brain Teaser' },
      { name: 'Board Games', nouns: 'Board Game,Card Game,Strategy Game' }, { name: 'Plush', nouns: 'Plush Bear,Plush Bunny' },
      { name: 'Outdoor Play', nouns: 'Kite,Water Blaster,Playhouse' },
    ] },
  { name: 'Books', brands: 'Penrose Books,Harbor House,Quill & Lantern,Bluefern Press,Atlas Editions', adjectives: 'Illustrated,Complete,Essential,Collected,Pocket,Annotated',
    attrs: { language: 'English,Spanish,French,German' }, option: ['format', 'Paperback,Hardcover,E-book'], price: [699, 6000], weight: [150, 1500],
    children: [
      { name: 'Fiction', children: [{ name: 'Mystery & Thriller', nouns: 'Mystery Novel,Thriller' }, { name: 'Science Fiction', nouns: 'Space Opera,Sci-Fi Novel' }] },
      { name: 'Non-Fiction', nouns: 'Biography,History,Memoir' }, { name: 'Cookbooks', nouns: 'Cookbook,Baking Book' },
      { name: "Children's Books", nouns: 'Picture Book,Bedtime Stories' },
    ] },
  { name: 'Grocery', brands: 'Gladstone Farms,Sunmeadow,Roastery 41,Pantry & Pine,Nibbl', adjectives: 'Organic,Artisan,Roasted,Wholesome,Classic,Gluten-Free',
    attrs: { flavor: 'Original,Dark Roast,Honey,Sea Salt,Vanilla', diet: 'Vegan,Organic,Gluten-Free,Keto' }, option: ['size', '250 g,500 g,1 kg'], price: [299, 4000], weight: [100, 1200],
    children: [
      { name: 'Coffee & Tea', nouns: 'Coffee Beans,Ground Coffee,Green Tea,Herbal Tea' }, { name: 'Snacks', nouns: 'Granola,Trail Mix,Crackers' },
      { name: 'Pantry', nouns: 'Olive Oil,Pasta,Honey' }, { name: 'Beverages', nouns: 'Sparkling Water,Cold Brew' },
    ] },
];

const CLAIMS = [
  'Built to last and backed by a two-year warranty.', 'Designed in-house and tested by our team.', 'A customer favourite, restocked every season.',
  'Thoughtfully made with responsibly sourced materials.', 'Ships in recyclable packaging.', 'Easy to care for and made for everyday use.', 'Our best value in its class.',
];
const list = (csv: string) => csv.split(',');

export type SeedCategory = { id: string; parent_id: string | null; name: string; handle: string; path: string[] };

/** A leaf of the tree, where products live, with everything its products draw from. */
interface Leaf {
  category: SeedCategory;
  department: Department;
  nouns: string[];
  attrs: [string, string[]][];
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function buildTree(): { categories: SeedCategory[]; leaves: Leaf[][] } {
  const categories: SeedCategory[] = [];
  const leaves: Leaf[][] = [];
  const visit = (node: Node, dept: Department, parent: SeedCategory | null, attrs: Record<string, string>, out: Leaf[]) => {
    const id = `cat_${pad(categories.length + 1, 26)}`;
    const category = { id, parent_id: parent?.id ?? null, name: node.name, handle: slugify(node.name), path: [...(parent?.path ?? []), id] };
    categories.push(category);
    const merged = { ...attrs, ...node.attrs };
    if (node.nouns) out.push({ category, department: dept, nouns: list(node.nouns), attrs: Object.entries(merged).map(([k, v]) => [k, list(v)]) });
    for (const child of node.children ?? []) visit(child, dept, category, merged, out);
  };
  for (const dept of DEPARTMENTS) {
    const out: Leaf[] = [];
    visit(dept, dept, null, {}, out);
    leaves.push(out);
  }
  return { categories, leaves };
}

/** The demo category tree: ids in creation order, every category before its children. */
export const SEED_TREE = buildTree();

/** mulberry32: a small, fast, seedable PRNG, so product n is the same on every run and machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds a minor-unit amount to a shop-style ending: x.49 or x.99. */
export function charmPrice(minor: number): number {
  const whole = Math.floor(minor / 100);
  return whole * 100 + (minor % 100 < 50 ? 49 : 99);
}

type Prices = { USD: number; EUR: number };
export type SeedVariant = Pick<Variant, 'id' | 'sku' | 'title' | 'options' | 'weight_grams'> & { prices: Prices };
/** A product as written: the columns of a product row, with its variants. */
export type SeedProduct = Omit<ProductWrite, 'brand' | 'seller_id' | 'seller_suspended' | 'metadata'> & { brand: string; min_prices: Prices; created_at: Date; variants: SeedVariant[] };

const EPOCH = Date.UTC(2025, 0, 1);

/** Product number `n` (1-based) of the demo catalog. Depends on `n` alone, so seeding more extends the catalog. */
export function seedProduct(n: number): SeedProduct {
  const rand = mulberry32(Math.imul(n, 0x9e3779b1) ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const logUniform = ([lo, hi]: [number, number]) => Math.round(lo * Math.pow(hi / lo, rand()));
  const leaves = pick(SEED_TREE.leaves);
  const leaf = pick(leaves);
  const dept = leaf.department;
  const brand = pick(list(dept.brands));
  const adjective = pick(list(dept.adjectives));
  const noun = pick(leaf.nouns);
  const title = `${brand} ${adjective} ${noun}`;
  const handle = `${slugify(title)}-${n}`;
  const attributes = Object.fromEntries(leaf.attrs.map(([k, values]) => [k, pick(values)]));

  const [optionName, optionCsv] = dept.option;
  const optionValues = list(optionCsv);
  const roll = rand();
  const count = Math.min(optionValues.length, roll < 0.25 ? 1 : roll < 0.55 ? 2 : roll < 0.8 ? 3 : 4);
  const first = Math.floor(rand() * (optionValues.length - count + 1));
  const base = logUniform(dept.price);
  const step = optionName === 'color' ? (rand() < 0.3 ? 8 : 0) : 15; // larger sizes cost more; colourways mostly not
  const weight = logUniform(dept.weight);
  const skuPrefix = brand.replace(/[^A-Za-z]/g, '').slice(0, 3).toUpperCase();
  const variants = optionValues.slice(first, first + count).map((value, j): SeedVariant => {
    const usd = charmPrice(Math.round((base * (100 + j * step)) / 100));
    return {
      id: `var_${pad(n, 24)}${pad(j, 2)}`,
      sku: `${skuPrefix}-${pad(n, 7)}-${j + 1}`,
      title: value,
      options: { [optionName]: value },
      weight_grams: value === 'E-book' ? null : Math.round((weight * (100 + j * 5)) / 100),
      prices: { USD: usd, EUR: charmPrice(Math.round((usd * 92) / 100)) },
    };
  });
  if (optionName === 'color') attributes.color = variants[0]!.title;

  const categoryIds = [leaf.category.id];
  const second = pick(leaves);
  if (rand() < 0.1 && second !== leaf) categoryIds.push(second.category.id);
  const paths = [...new Set([leaf, second].filter((l) => categoryIds.includes(l.category.id)).flatMap((l) => l.category.path))].sort();
  const r = rand();
  const details = Object.values(attributes).slice(0, 2).join(', ');
  return {
    id: `prod_${pad(n, 26)}`,
    title,
    handle,
    description: `${adjective} ${noun.toLowerCase()} from ${brand}${details ? ` (${details})` : ''}. ${pick(CLAIMS)}`,
    status: r < 0.95 ? 'published' : r < 0.985 ? 'draft' : 'archived',
    brand,
    category_ids: categoryIds,
    category_paths: paths,
    attributes,
    images: Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => `https://picsum.photos/seed/${handle}-${k + 1}/800/800`),
    min_prices: { USD: Math.min(...variants.map((v) => v.prices.USD)), EUR: Math.min(...variants.map((v) => v.prices.EUR)) },
    created_at: new Date(EPOCH + n * 60_000),
    variants,
  };
}

/** A PostgreSQL array literal, so array columns can travel through `unnest` as one text per row. */
function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

const BATCH = 1000;

async function insertCategories(db: Queryable): Promise<number> {
  const cs = SEED_TREE.categories;
  const { rowCount } = await db.query(
    `INSERT INTO categories (id, parent_id, name, handle, path, created_at, updated_at)
     SELECT id, parent_id, name, handle, path::text[], $6::timestamptz, $6::timestamptz
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, parent_id, name, handle, path)
     ON CONFLICT DO NOTHING`,
    [cs.map((c) => c.id), cs.map((c) => c.parent_id), cs.map((c) => c.name), cs.map((c) => c.handle), cs.map((c) => pgArray(c.path)), new Date(EPOCH)],
  );
  // A clash on a handle (someone made an "electronics" category first) would leave products pointing nowhere.
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM categories WHERE id = ANY($1::text[])', [cs.map((c) => c.id)]);
  if (rows[0]?.n !== cs.length) throw new Error('seed: some demo category handles are already taken by other categories; seed an empty environment');
  return rowCount ?? 0;
}

async function insertBatch(db: Queryable, products: readonly SeedProduct[]): Promise<{ products: number; variants: number }> {
  const { rows: inserted } = await db.query<{ id: string }>(
    `INSERT INTO products (id, title, handle, description, status, brand, category_ids, category_paths, attributes, images, min_prices, created_at, updated_at)
     SELECT id, title, handle, description, status, brand, cids::text[], paths::text[], attrs::jsonb, images::text[], mins::jsonb, at, at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])
       AS t(id, title, handle, description, status, brand, cids, paths, attrs, images, mins, at)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      products.map((p) => p.id), products.map((p) => p.title), products.map((p) => p.handle), products.map((p) => p.description),
      products.map((p) => p.status), products.map((p) => p.brand), products.map((p) => pgArray(p.category_ids)), products.map((p) => pgArray(p.category_paths)),
      products.map((p) => JSON.stringify(p.attributes)), products.map((p) => pgArray(p.images)), products.map((p) => JSON.stringify(p.min_prices)), products.map((p) => p.created_at),
    ],
  );
  // Only the products this run created get variants: a re-run leaves existing ones untouched.
  const fresh = new Set(inserted.map((r) => r.id));
  const rows = products.filter((p) => fresh.has(p.id)).flatMap((p) => p.variants.map((v, position) => ({ p, v, position })));
  if (rows.length === 0) return { products: 0, variants: 0 };
  const { rows: variants } = await db.query<{ id: string }>(
    `INSERT INTO product_variants (id, product_id, sku, title, options, weight_grams, position, created_at, updated_at)
     SELECT id, product_id, sku, title, options::jsonb, weight, position, at, at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::timestamptz[])
       AS t(id, product_id, sku, title, options, weight, position, at)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      rows.map((r) => r.v.id), rows.map((r) => r.p.id), rows.map((r) => r.v.sku), rows.map((r) => r.v.title),
      rows.map((r) => JSON.stringify(r.v.options)), rows.map((r) => r.v.weight_grams), rows.map((r) => r.position), rows.map((r) => r.p.created_at),
    ],
  );
  const created = new Set(variants.map((r) => r.id));
  const prices = rows.filter((r) => created.has(r.v.id)).flatMap((r) => (['EUR', 'USD'] as const).map((currency) => ({ id: r.v.id, currency, amount: r.v.prices[currency] })));
  await db.query(
    `INSERT INTO variant_prices (variant_id, currency, amount) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT DO NOTHING`,
    [prices.map((x) => x.id), prices.map((x) => x.currency), prices.map((x) => x.amount)],
  );
  return { products: inserted.length, variants: variants.length };
}

/**
 * Deterministic demo catalog: about 60 categories in 8 departments, 40 brands, and `products`
 * products with 1–4 variants priced in USD and EUR. Product n depends on n alone and rows are
 * inserted with ON CONFLICT DO NOTHING, so re-running is a no-op and a larger count adds the
 * missing products. Returns what this call inserted. Used by the first start, `tessera seed` and
 * the benchmarks; run it inside a transaction. No events: demo data is no change made through the
 * API, and 10,000 `product.created` would flood a new installation's outbox and webhooks.
 * @example await db.forEnv('test').transaction((tx) => seedCatalog(tx, { products: 10_000 }))
 */
export async function seedCatalog(db: Queryable, options: { products: number }): Promise<SeedResult> {
  const result: SeedResult = { categories: await insertCategories(db), products: 0, variants: 0 };
  for (let start = 1; start <= options.products; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, options.products - start + 1) }, (_, k) => seedProduct(start + k));
    const done = await insertBatch(db, batch);
    result.products += done.products;
    result.variants += done.variants;
  }
  if (result.products > 0 || result.categories > 0) {
    // Fresh statistics let the planner pick the search indexes at once, not after autovacuum runs.
    await db.query('ANALYZE categories, products, product_variants, variant_prices');
    // Bulk inserts wait in the GIN indexes' pending lists, which every search scans linearly until
    // autovacuum merges them: 10k pending rows make a text search some 5× slower.
    await db.query(`SELECT gin_clean_pending_list(i::regclass) FROM unnest(ARRAY['products_search', 'products_title_trgm', 'products_category_paths', 'products_attributes']) AS i`);
    // Running servers drop their cached reads when this transaction commits.
    const { rows } = await db.query<{ env: string }>('SELECT current_schema() AS env');
    const env = rows[0]?.env;
    if (env !== undefined && isEnvironment(env)) {
      await InvalidationBus.publish(db, env, 'category', '*');
      await InvalidationBus.publish(db, env, 'product', '*');
    }
  }
  return result;
}
