-- Inventory: stock locations, stock per SKU per location, reservations held during checkout, and
-- a ledger of every change to on-hand stock. SKUs are the catalog's variant SKUs, by value only:
-- modules share no foreign keys.

CREATE TABLE stock_locations (
  id text PRIMARY KEY,
  name text NOT NULL,
  -- optional short operator code ("WH-EAST"), unique when set
  code text UNIQUE,
  address jsonb,
  -- inactive locations keep their stock but are not allocated to new reservations
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Per-SKU settings. A SKU without a row is tracked: it sells only what stock_levels hold.
CREATE TABLE inventory_items (
  sku text PRIMARY KEY,
  -- false: never out of stock (digital goods, made to order); reservations move no units
  tracked boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stock_levels (
  sku text NOT NULL,
  location_id text NOT NULL REFERENCES stock_locations (id) ON DELETE RESTRICT,
  on_hand int NOT NULL CHECK (on_hand >= 0),
  -- units held by active reservations; the database itself refuses to oversell
  reserved int NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sku, location_id),
  CONSTRAINT stock_levels_reserved_within_on_hand CHECK (reserved <= on_hand)
);
CREATE INDEX stock_levels_location ON stock_levels (location_id, sku);

CREATE TABLE reservations (
  id text PRIMARY KEY,
  -- what the hold is for, e.g. the cart id
  reference text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'committed', 'released', 'expired')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- the expiry job's scan: only active holds, oldest deadline first
CREATE INDEX reservations_expiring ON reservations (expires_at) WHERE status = 'active';
CREATE INDEX reservations_reference ON reservations (reference, id);

CREATE TABLE reservation_lines (
  reservation_id text NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
  position int NOT NULL,
  sku text NOT NULL,
  -- null for an untracked SKU: the line is recorded but holds no units
  location_id text REFERENCES stock_locations (id) ON DELETE RESTRICT,
  quantity int NOT NULL CHECK (quantity > 0),
  -- units put back on hand after commit (order canceled); never more than quantity
  restocked int NOT NULL DEFAULT 0 CHECK (restocked >= 0 AND restocked <= quantity),
  PRIMARY KEY (reservation_id, position)
);

-- Every change to on_hand, with who and why: operator sets and adjustments, commits into orders,
-- restocks of canceled orders.
CREATE TABLE stock_adjustments (
  id text PRIMARY KEY,
  sku text NOT NULL,
  location_id text NOT NULL REFERENCES stock_locations (id) ON DELETE RESTRICT,
  kind text NOT NULL CHECK (kind IN ('set', 'adjustment', 'commit', 'restock')),
  delta int NOT NULL,
  on_hand_after int NOT NULL,
  reason text,
  -- the reservation a commit or restock belongs to
  reservation_id text,
  actor text,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_adjustments_sku ON stock_adjustments (sku, id);
CREATE INDEX stock_adjustments_location ON stock_adjustments (location_id, id);
