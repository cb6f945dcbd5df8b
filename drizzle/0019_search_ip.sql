-- The search box's `ip:` qualifier and plain IP-address searches (worker/services/query/ip-conditions.ts):
-- an actor address in canonical form is stored as its bytes (4 for IPv4, and from this migration 16
-- for IPv6, db/actor-address.ts), so one address is an equality and a CIDR prefix a range of this
-- index, newest first within each address. Partial: events without an address cost nothing here.
CREATE INDEX `audit_events_actor_ip_time` ON `audit_events` (`org_key`,`actor_ip`,`timestamp`) WHERE actor_ip IS NOT NULL;
