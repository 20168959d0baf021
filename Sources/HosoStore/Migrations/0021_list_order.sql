-- A list of items in deadline order (`ItemListing`: a unit's items, a page of 100) walks this
-- index and stops at the page's end instead of sorting the subtree's items: on the large
-- province's five million items a page of its overdue items took 4.7 s (a hash join and a sort of
-- every row) and takes 5 ms this way. Whether a page walks it is decided per request from the
-- kept counts (`ListCount.walksDeadlineIndex`): a rare status would make the walk pass most rows.
CREATE INDEX obligations_year_due_idx ON obligations (tenant_id, school_year, due_at, id) WHERE NOT withdrawn;
