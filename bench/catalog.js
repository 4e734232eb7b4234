/* global AbortSignal, fetch */ // Node globals (the lint config declares none for plain JS)
// Catalog preparation for the benchmark: a small API client, the product ids and search words to
// rotate through, and a fallback filler for when the first-start seed inserted nothing.

/** A JSON client for one Tessera instance, authenticated with the admin key. */
export function apiClient(baseUrl, key) {
  return async function api(method, path, body) {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, json, text };
  };
}

/** Counts products by paging the list (limit 100), stopping after `cap`; keeps their titles and brands. */
export async function countProducts(api, cap) {
  let count = 0;
  let cursor = null;
  const products = [];
  for (;;) {
    const res = await api('GET', `/v1/products?limit=100&fields=id,title,brand${cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET /v1/products answered ${res.status}: ${res.text.slice(0, 300)}`);
    count += res.json.data.length;
    for (const p of res.json.data) products.push({ title: p.title, brand: p.brand });
    if (!res.json.has_more || count >= cap) return { count, capped: res.json.has_more, products };
    cursor = res.json.next_cursor;
  }
}

const BRANDS = ['Acme', 'Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Wonka', 'Stark'];
const ADJECTIVES = ['Trail', 'Classic', 'Urban', 'Alpine', 'Ultra', 'Compact', 'Vintage', 'Pro', 'Everyday', 'Coastal'];
const KINDS = [
  { category: 'Footwear', nouns: ['Running Shoe', 'Hiking Boot', 'Sneaker'] },
  { category: 'Outerwear', nouns: ['Rain Jacket', 'Down Parka', 'Fleece Hoodie'] },
  { category: 'Camping', nouns: ['Backpack', 'Tent', 'Sleeping Bag'] },
  { category: 'Kitchen', nouns: ['Coffee Mug', 'Water Bottle', 'Chef Knife'] },
  { category: 'Audio', nouns: ['Wireless Headphones', 'Bluetooth Speaker', 'Earbuds'] },
];
const COLORS = ['red', 'blue', 'black', 'green', 'grey', 'orange'];
const MATERIALS = ['cotton', 'nylon', 'leather', 'steel', 'wool', 'recycled polyester'];

async function pool(n, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, worker));
}

/**
 * Fallback for when the seed inserted (almost) nothing: creates `n` deterministic products in five
 * categories through the public API, so the routes have something realistic to read.
 */
export async function fillProducts(api, n) {
  const categoryIds = {};
  for (const kind of KINDS) {
    const res = await api('POST', '/v1/categories', { name: kind.category });
    if (res.status !== 201) throw new Error(`POST /v1/categories answered ${res.status}: ${res.text.slice(0, 300)}`);
    categoryIds[kind.category] = res.json.id;
  }
  await pool(n, 8, async (i) => {
    const kind = KINDS[i % KINDS.length];
    const noun = kind.nouns[Math.floor(i / KINDS.length) % kind.nouns.length];
    const title = `${ADJECTIVES[Math.floor(i / 15) % ADJECTIVES.length]} ${noun}`;
    const variants = Array.from({ length: 1 + (i % 3) }, (_, v) => {
      const usd = 999 + ((i * 7919 + v * 104729) % 30000);
      return {
        sku: `BENCH-${i}-${v}`,
        title: ['S', 'M', 'L'][v],
        options: { size: ['S', 'M', 'L'][v] },
        prices: [
          { currency: 'EUR', amount: Math.round(usd * 0.92) },
          { currency: 'USD', amount: usd },
        ],
      };
    });
    const body = {
      title,
      status: i % 10 === 9 ? 'draft' : 'published',
      description: `${title} by ${BRANDS[i % BRANDS.length]}, in ${COLORS[i % COLORS.length]} ${MATERIALS[i % MATERIALS.length]}.`,
      brand: BRANDS[i % BRANDS.length],
      category_ids: [categoryIds[kind.category]],
      attributes: { color: COLORS[i % COLORS.length], material: MATERIALS[i % MATERIALS.length] },
      variants,
    };
    const res = await api('POST', '/v1/products', body);
    if (res.status !== 201) throw new Error(`POST /v1/products answered ${res.status}: ${res.text.slice(0, 300)}`);
  });
  return { categories: KINDS.length, products: n };
}

const STOPWORDS = new Set(['and', 'the', 'for', 'with', 'from', 'that', 'this', 'your', 'our', 'into', 'by', 'of', 'in', 'on', 'to']);

/** What shoppers type: product kinds, plus one common adjective. Used when present in the catalog. */
const SHOPPER_WORDS = ['headphones', 'jacket', 'backpack', 'coffee', 'tent', 'serum', 'laptop', 'dress', 'skillet', 'wireless'];

/**
 * Query words that occur in the catalog: the shopper words found in the given products' titles,
 * topped up with the titles' most frequent words (4 letters or more, by the number of products
 * containing them), then with brand words if still too few.
 */
export function searchWords(products, n = 10) {
  const freq = new Map();
  const add = (text) => {
    for (const word of new Set((text ?? '').toLowerCase().match(/[a-z]{4,}/g) ?? [])) {
      if (!STOPWORDS.has(word)) freq.set(word, (freq.get(word) ?? 0) + 1);
    }
  };
  for (const p of products) add(p.title);
  const ranked = [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([w]) => w);
  let words = [...new Set([...SHOPPER_WORDS.filter((w) => freq.has(w)), ...ranked])];
  if (words.length < n) {
    freq.clear();
    for (const p of products) add(p.brand);
    words = [...new Set([...words, ...[...freq.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w)])];
  }
  return words.slice(0, n);
}

/** The number of hits in a search answer (its total when given, else the page's), whatever its exact shape. */
export function hitCount(json) {
  if (!json || typeof json !== 'object') return null;
  for (const key of ['total_count', 'total', 'estimated_total']) if (typeof json[key] === 'number') return json[key];
  for (const key of ['data', 'hits', 'results', 'items']) if (Array.isArray(json[key])) return json[key].length;
  return null;
}
