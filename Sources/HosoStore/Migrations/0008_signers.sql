-- Every signer the documents name (issue 14, part 2).
--   - The uploader's own signature (seed 004: "Các loại hồ sơ phải được ký số sau khi đã đưa lên
--     hệ thống"): a signature of kind `submission`, made before the first approval.
--   - The subject teachers of a class (seed 001 Điều 8.5: "lấy chữ ký xác nhận của từng giáo viên
--     bộ môn"; seed 000: "giáo viên bộ môn, giáo viên chủ nhiệm và hiệu trưởng thực hiện ký duyệt
--     học bạ"): who teaches which subject in which class, with the dates that holds, from the
--     people import's `teaches` column.

ALTER TABLE record_signatures DROP CONSTRAINT record_signatures_kind_check;
ALTER TABLE record_signatures ADD CONSTRAINT record_signatures_kind_check
    CHECK (kind IN ('approval', 'seal', 'submission'));

CREATE TABLE teaching_assignments (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    id         bigserial PRIMARY KEY,
    class_id   bigint NOT NULL REFERENCES school_classes (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 32),
    valid_from date NOT NULL,
    valid_to   date,
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    UNIQUE (class_id, user_id, subject, valid_from)
);
CREATE INDEX teaching_assignments_class_idx ON teaching_assignments (tenant_id, class_id);
CREATE INDEX teaching_assignments_user_idx ON teaching_assignments (tenant_id, user_id);

ALTER TABLE teaching_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teaching_assignments USING (tenant_id = hoso_current_tenant())
    WITH CHECK (tenant_id = hoso_current_tenant());

-- A re-import ends or extends an assignment (valid_to); it never deletes one.
GRANT SELECT, INSERT ON teaching_assignments TO hoso_app;
GRANT UPDATE (valid_to) ON teaching_assignments TO hoso_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hoso_app;
