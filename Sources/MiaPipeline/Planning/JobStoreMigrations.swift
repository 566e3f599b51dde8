/// One schema change of the job store.
struct JobStoreMigration: Sendable {
    /// Recorded in the store once applied; never rename one that has shipped.
    let name: String
    /// Statements in SQL that SQLite and PostgreSQL both run as written: types are spelled the
    /// PostgreSQL way (BIGINT, DOUBLE PRECISION, TIMESTAMPTZ), which SQLite maps to the same
    /// storage as before (INTEGER, REAL, and dates as GRDB's text).
    let statements: [String]
}

extension JobStoreMigration {
    /// Every schema change, in order, for both backends. Adding a migration means appending here.
    static let all: [JobStoreMigration] = [
        JobStoreMigration(name: "v1: plans and scene jobs", statements: [
            """
            CREATE TABLE plans (
              id TEXT NOT NULL PRIMARY KEY,
              script_hash TEXT NOT NULL,
              script TEXT NOT NULL,
              plan_path TEXT NOT NULL,
              scene_count BIGINT NOT NULL,
              total_seconds DOUBLE PRECISION NOT NULL,
              estimated_cost DOUBLE PRECISION NOT NULL,
              width BIGINT NOT NULL,
              height BIGINT NOT NULL,
              fps BIGINT NOT NULL,
              plan_json TEXT NOT NULL,
              created_at TIMESTAMPTZ NOT NULL,
              updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE scene_jobs (
              plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
              scene_number BIGINT NOT NULL,
              title TEXT NOT NULL,
              provider TEXT NOT NULL,
              model TEXT NOT NULL,
              status TEXT NOT NULL,
              provider_job_id TEXT,
              attempts BIGINT NOT NULL DEFAULT 0,
              seconds DOUBLE PRECISION NOT NULL,
              estimated_cost DOUBLE PRECISION NOT NULL,
              cost DOUBLE PRECISION,
              output_path TEXT NOT NULL,
              error TEXT,
              created_at TIMESTAMPTZ NOT NULL,
              updated_at TIMESTAMPTZ NOT NULL,
              PRIMARY KEY (plan_id, scene_number)
            )
            """,
            "CREATE INDEX scene_jobs_by_status ON scene_jobs(status)",
        ]),
        JobStoreMigration(name: "v2: batch jobs", statements: [
            // One row per manifest job (keyed by the manifest and the job's output), so a rerun knows what
            // it finished and how many times each job was rendered.
            """
            CREATE TABLE batch_jobs (
              manifest TEXT NOT NULL,
              output TEXT NOT NULL,
              job_number BIGINT NOT NULL,
              script TEXT NOT NULL,
              plan_id TEXT,
              status TEXT NOT NULL,
              renders BIGINT NOT NULL DEFAULT 0,
              cost DOUBLE PRECISION,
              elapsed DOUBLE PRECISION,
              error TEXT,
              created_at TIMESTAMPTZ NOT NULL,
              updated_at TIMESTAMPTZ NOT NULL,
              PRIMARY KEY (manifest, output)
            )
            """,
        ]),
        JobStoreMigration(name: "workers: queue, leases, workers", statements: [
            // A scene job's lease: who renders it and until when; another worker may take it after that.
            "ALTER TABLE scene_jobs ADD COLUMN lease_owner TEXT",
            "ALTER TABLE scene_jobs ADD COLUMN lease_expires_at TIMESTAMPTZ",
            // Plans submitted to workers: where the video goes, how to render, and the stitch's own lease.
            """
            CREATE TABLE plan_queue (
              plan_id TEXT NOT NULL PRIMARY KEY REFERENCES plans(id) ON DELETE CASCADE,
              status TEXT NOT NULL,
              output_path TEXT NOT NULL,
              theme TEXT NOT NULL,
              fallback BIGINT NOT NULL,
              overwrite BIGINT NOT NULL,
              queued_at TIMESTAMPTZ NOT NULL,
              stitch_owner TEXT,
              stitch_lease_expires_at TIMESTAMPTZ,
              stitch_attempts BIGINT NOT NULL DEFAULT 0,
              stitched_at TIMESTAMPTZ,
              error TEXT
            )
            """,
            "CREATE INDEX plan_queue_by_status ON plan_queue(status)",
            """
            CREATE TABLE workers (
              id TEXT NOT NULL PRIMARY KEY,
              host TEXT NOT NULL,
              pid BIGINT NOT NULL,
              state TEXT NOT NULL,
              current_work TEXT,
              scenes_rendered BIGINT NOT NULL DEFAULT 0,
              plans_stitched BIGINT NOT NULL DEFAULT 0,
              started_at TIMESTAMPTZ NOT NULL,
              heartbeat_at TIMESTAMPTZ NOT NULL
            )
            """,
        ]),
        JobStoreMigration(name: "speech: synthesized narration", statements: [
            // One row per synthesis (keyed by the text and every voice setting), so a rerun speaks nothing
            // again and paid speech is bought once. `status` is `claimed` while one process synthesizes
            // (others wait for it, as for provider jobs), then `complete`.
            """
            CREATE TABLE speech (
              key TEXT NOT NULL PRIMARY KEY,
              status TEXT NOT NULL,
              engine TEXT NOT NULL,
              voice TEXT NOT NULL,
              language TEXT NOT NULL,
              characters BIGINT NOT NULL,
              seconds DOUBLE PRECISION,
              cost DOUBLE PRECISION,
              file TEXT,
              words_json TEXT,
              approximate BIGINT NOT NULL DEFAULT 0,
              claim_owner TEXT,
              claim_expires_at TIMESTAMPTZ,
              created_at TIMESTAMPTZ NOT NULL,
              updated_at TIMESTAMPTZ NOT NULL
            )
            """,
        ]),
        JobStoreMigration(name: "webhooks: queued URL and deliveries", statements: [
            // Where a submitted plan's webhook goes: the worker that stitches (or fails) it sends it.
            "ALTER TABLE plan_queue ADD COLUMN webhook_url TEXT",
            // Every delivery, its URL without user part or query (either may hold a token).
            """
            CREATE TABLE webhook_deliveries (
              plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
              event TEXT NOT NULL,
              url TEXT NOT NULL,
              attempts BIGINT NOT NULL,
              status BIGINT,
              error TEXT,
              elapsed DOUBLE PRECISION NOT NULL,
              delivered_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX webhook_deliveries_by_plan ON webhook_deliveries(plan_id)",
        ]),
    ]
}
