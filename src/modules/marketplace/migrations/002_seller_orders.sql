-- One seller order per seller of an order (lines without a seller are the platform's own and get
-- none). Created from `order.created` by the marketplace's outbox subscriber. Order, line and
-- seller ids are plain ids: other modules own those rows.
CREATE TABLE seller_orders (
  id text PRIMARY KEY,
  order_id text NOT NULL,
  seller_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'partially_fulfilled', 'fulfilled', 'completed', 'canceled', 'refunded')),
  currency char(3) NOT NULL,
  -- Σ the lines' totals net of discounts and without tax: what commission is computed on
  goods_amount bigint NOT NULL CHECK (goods_amount >= 0),
  tax_amount bigint NOT NULL CHECK (tax_amount >= 0),
  -- the seller's share of the order's shipping, and who keeps it ('seller' or 'platform')
  shipping_amount bigint NOT NULL CHECK (shipping_amount >= 0),
  shipping_payee text NOT NULL CHECK (shipping_payee IN ('seller', 'platform')),
  commission_amount bigint NOT NULL CHECK (commission_amount >= 0),
  -- the commission breakdown (commission.ts Commission), kept for statements
  commission jsonb NOT NULL,
  amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
  -- when the last of its units was delivered: the hold period of settlements counts from here
  delivered_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (order_id, seller_id)
);
CREATE INDEX seller_orders_seller ON seller_orders (seller_id, created_at, id);
CREATE INDEX seller_orders_order ON seller_orders (order_id);
CREATE INDEX seller_orders_status ON seller_orders (status, id);
CREATE INDEX seller_orders_delivered ON seller_orders (delivered_at, id) WHERE delivered_at IS NOT NULL;

CREATE TABLE seller_order_lines (
  seller_order_id text NOT NULL REFERENCES seller_orders (id) ON DELETE CASCADE,
  order_line_id text NOT NULL,
  product_id text NOT NULL,
  sku text NOT NULL,
  title text NOT NULL,
  quantity int NOT NULL CHECK (quantity > 0),
  -- the line's total net of discounts, without tax
  amount bigint NOT NULL CHECK (amount >= 0),
  tax bigint NOT NULL CHECK (tax >= 0),
  commission bigint NOT NULL CHECK (commission >= 0),
  -- the product's category paths at the sale (root → category, one per category): what the
  -- commission rate was looked up by, kept so a later move of the tree changes no past sale
  category_paths jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (seller_order_id, order_line_id)
);
