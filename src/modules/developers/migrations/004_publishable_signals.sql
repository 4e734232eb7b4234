-- Publishable keys send shopper signals (#7, POST /v1/signals): keys made before get the scope too.
UPDATE api_keys SET scopes = array_append(scopes, 'signals:write') WHERE type = 'publishable' AND NOT ('signals:write' = ANY (scopes));
