-- Every cart change rewrites expires_at and updated_at. With those columns indexed, no update
-- could be HOT (heap-only): each one also wrote a new entry into every index of the table. The
-- two background scans that used these indexes (purge of expired carts, hourly; abandonment,
-- every 5 minutes) read the table sequentially instead, and free space is left in each page so
-- an update can stay on its page.
DROP INDEX IF EXISTS carts_open_expiry;
DROP INDEX IF EXISTS carts_abandonment_scan;
ALTER TABLE carts SET (fillfactor = 80);
ALTER TABLE cart_items SET (fillfactor = 80);
