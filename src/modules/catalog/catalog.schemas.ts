import { Type, type Static } from '@sinclair/typebox';
import { Amount, Currency, DeletedOf, IdParam, Metadata, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

const Id = (description?: string) => Type.String({ minLength: 1, maxLength: 64, ...(description ? { description } : {}) });

export const Price = Type.Object({
  currency: Currency,
  amount: Amount,
});

const priceList = Type.Array(Price, { minItems: 1, maxItems: 20, description: 'One price per currency.' });
const Attributes = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), Type.String({ maxLength: 200 }), {
  description: 'Attributes as key → value, for example {"color": "red"}. Keys: lower case, digits, underscores.',
  maxProperties: 50,
});
/** What a write may set; `rejected` is set only by moderation (POST /v1/products/:id/moderate). */
const Status = StringEnum(['draft', 'published', 'archived']);
export const PRODUCT_STATUSES = ['draft', 'published', 'archived', 'rejected'] as const;
const Handle = Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 120, description: 'URL-safe, lower case, words joined by "-".' });

export const Variant = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('variant'),
    sku: Type.String(),
    title: Type.String(),
    options: Type.Record(Type.String(), Type.String()),
    weight_grams: Nullable(Type.Integer()),
    prices: Type.Array(Price),
  },
  { $id: 'Variant' },
);
export type Variant = Static<typeof Variant>;

export const Product = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('product'),
    title: Type.String(),
    handle: Type.String(),
    description: Type.String(),
    status: StringEnum(PRODUCT_STATUSES, { description: '`rejected`: an operator turned the listing down (see `moderation_reason`).' }),
    brand: Nullable(Type.String()),
    category_ids: Type.Array(Type.String()),
    attributes: Type.Record(Type.String(), Type.String()),
    images: Type.Array(Type.String()),
    seller_id: Nullable(Type.String()),
    moderation_reason: Type.Optional(
      Nullable(Type.String(), { description: 'The reason an operator gave with its last moderation decision. Absent for publishable keys (storefronts).' }),
    ),
    moderated_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }), { description: 'When an operator last moderated the listing. Absent for publishable keys.' })),
    seller_suspended: Type.Optional(
      Type.Boolean({
        description:
          'The seller is suspended: the product is hidden from storefronts and cannot be bought, whatever its `status`, until the seller is reinstated. Absent for publishable keys (which never see such products).',
      }),
    ),
    metadata: Type.Record(Type.String(), Type.String()),
    variants: Type.Array(Type.Ref(Variant)),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Product' },
);
export type Product = Omit<Static<typeof Product>, 'variants'> & { variants: Variant[] };

export const VariantInput = Type.Object(
  {
    sku: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    options: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 100 }), { maxProperties: 10 })),
    weight_grams: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }))),
    prices: priceList,
  },
  { additionalProperties: false },
);
export type VariantInput = Static<typeof VariantInput>;

export const VariantPatch = Type.Partial(VariantInput, { additionalProperties: false, minProperties: 1 });
export type VariantPatch = Static<typeof VariantPatch>;

const productFields = {
  title: Type.String({ minLength: 1, maxLength: 300 }),
  handle: Handle,
  description: Type.String({ maxLength: 20_000 }),
  status: Status,
  brand: Nullable(Type.String({ minLength: 1, maxLength: 100 })),
  category_ids: Type.Array(Id(), { maxItems: 20, uniqueItems: true }),
  attributes: Attributes,
  images: Type.Array(Type.String({ format: 'uri', maxLength: 2000 }), { maxItems: 50 }),
  seller_id: Nullable(Id()),
  metadata: Metadata,
};

export const ProductCreate = Type.Object(
  {
    title: productFields.title,
    handle: Type.Optional(productFields.handle),
    description: Type.Optional(productFields.description),
    status: Type.Optional(productFields.status),
    brand: Type.Optional(productFields.brand),
    category_ids: Type.Optional(productFields.category_ids),
    attributes: Type.Optional(productFields.attributes),
    images: Type.Optional(productFields.images),
    seller_id: Type.Optional(productFields.seller_id),
    metadata: Type.Optional(productFields.metadata),
    variants: Type.Array(VariantInput, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
export type ProductCreate = Static<typeof ProductCreate>;

export const ProductPatch = Type.Partial(Type.Object(productFields), { additionalProperties: false, minProperties: 1 });
export type ProductPatch = Static<typeof ProductPatch>;

export const ProductModerate = Type.Object(
  {
    decision: StringEnum(['published', 'rejected']),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Required to reject; shown to the seller.' })),
  },
  { additionalProperties: false },
);
export type ProductModerate = Static<typeof ProductModerate>;

export const Category = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('category'),
    name: Type.String(),
    handle: Type.String(),
    parent_id: Nullable(Type.String()),
    path: Type.Array(Type.String(), { description: 'Ids from the root down to this category.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Category' },
);
export type Category = Static<typeof Category>;

export const CategoryCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), handle: Type.Optional(Handle), parent_id: Type.Optional(Nullable(Id())) },
  { additionalProperties: false },
);
export type CategoryCreate = Static<typeof CategoryCreate>;
export const CategoryPatch = Type.Partial(Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), handle: Handle, parent_id: Nullable(Id()) }), {
  additionalProperties: false,
  minProperties: 1,
});
export type CategoryPatch = Static<typeof CategoryPatch>;

export const Deleted = DeletedOf;

export const IdParams = IdParam;
export const FieldsQuery = { fields: Type.Optional(Type.String({ maxLength: 500, description: 'Comma-separated fields to return; dotted paths reach nested fields, e.g. `id,title,variants.sku`.' })) };
