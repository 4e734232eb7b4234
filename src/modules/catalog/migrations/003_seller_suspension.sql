-- Suspended sellers (#5): while a product's seller is suspended the product leaves the storefront
-- (reads with publishable keys, search and facets, carts and checkout) but keeps its own status,
-- so reinstating the seller brings its published listings back as they were. The marketplace sets
-- the flag for all of a seller's products in the transaction that changes the seller's status.
-- Sellers suspended before this migration ran are not flagged: suspend them again after reinstating.
ALTER TABLE products ADD COLUMN seller_suspended boolean NOT NULL DEFAULT false;
