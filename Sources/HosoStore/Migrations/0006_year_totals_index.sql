-- The whole-year rows (week -1) of every unit, read without walking the weekly ones.
CREATE INDEX compliance_year_idx ON compliance_counts (tenant_id, school_year, unit_id, record_type) WHERE due_week = -1;
