"""The data bench_reports.py measures on: generated in PostgreSQL with INSERT … SELECT over
generate_series (its scale from BENCH_SCALE), indexes of the big tables built once after the
rows, the firms' attribute history started from it. See bench_reports.py's docstring."""

from __future__ import annotations

import os
import time

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.history.backfill import backfill
from finplatform.loans.schedules import build_schedule
from finplatform.models import RepaymentKind
from finplatform.workcalendar import current_calendar
from seeds.reference_loader import load_reference

INSTITUTIONS, PRODUCTS, SPECIALISTS, MOVED_EVERY = 200, 1_000, 100, 50
DEFAULT_EVERY, COVERED_EVERY = 50, 40
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
FIRMS, REQUESTS = int(50_000 * SCALE), int(1_000_000 * SCALE)
APPLICATIONS, CONTACTS = int(3_000_000 * SCALE), int(200_000 * SCALE)
# When request r was filed (its applications recompute it rather than join the request).
REQUESTED = """(timestamptz '2013-01-01 00:00+08' + ((r * 37) % 730 || ' days')::interval
        + ((r * 13) % 86400 || ' seconds')::interval)"""

GENERATE = [
    # Institutions of every kind, approved in 2013–2014.
    f"""INSERT INTO institutions (id, name, kind_code, district_code, status, approved_at,
        created_at)
    SELECT i, 'bench institution ' || i,
        (ARRAY['tech_branch','bank','credit_community','guarantee','fund','service'])[1 + i % 6],
        (SELECT code FROM districts ORDER BY code OFFSET (i % 16) LIMIT 1), 'approved',
        timestamptz '2013-01-01' + (i * 3 || ' days')::interval, now()
    FROM generate_series(1, {INSTITUTIONS}) AS i""",
    f"""INSERT INTO users (id, email, name, password_hash, role, active, created_at)
    SELECT i, 'bench-specialist-' || i || '@example.cn', '专员' || i, 'x', 'specialist', true,
        timestamptz '2013-01-01'
    FROM generate_series(1, {SPECIALISTS}) AS i""",
    f"""INSERT INTO enterprises (id, credit_code, name, district_code, industry_code, patents,
        is_little_giant, is_high_tech, specialist_id, created_at)
    SELECT i, lpad(i::text, 18, '0'), 'bench firm ' || i, d.code, ind.code, 0, false, false,
        1 + i % {SPECIALISTS}, now()
    FROM generate_series(1, {FIRMS}) AS i
    JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM districts) d
        ON d.n = i % 16
    JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM industries
          WHERE level = 'division' AND code IN ('27','35','38','39','40','63','64','65','73','75'))
        ind ON ind.n = i % 10""",
    """INSERT INTO community_memberships (community_id, enterprise_id, joined_at)
    SELECT 2 + 6 * (e.id % 30), e.id, timestamptz '2013-01-01'
    FROM enterprises e WHERE e.id % 20 = 0""",
    f"""INSERT INTO products (id, institution_id, kind_code, name, description, amount_min_yuan,
        amount_max_yuan, term_min_months, term_max_months, rate_min, rate_max, fee_rate,
        collateral_required, guarantee_required, min_years, min_revenue_yuan, little_giant_only,
        members_only, pool_covered, status, created_at)
    SELECT i, 1 + i % {INSTITUTIONS},
        (ARRAY['credit_loan','ip_pledge','guarantee_loan','pledge_loan','equity_investment',
               'insurance','leasing','credit_loan'])[1 + i % 8],
        'bench product ' || i, '', 100000, 50000000, 6, 36, 4, 8, 0, false, false, 0, 0, false,
        false, i % 3 = 0, 'active', now()
    FROM generate_series(1, {PRODUCTS}) AS i""",
    f"""INSERT INTO financing_requests (id, enterprise_id, amount_yuan, term_months, purpose,
        collateral_offered, status, created_at)
    SELECT r, 1 + r % {FIRMS}, 100000 * (1 + r % 50), 12, '', '', 'open',
        {REQUESTED}
    FROM generate_series(1, {REQUESTS}) AS r
    ORDER BY 8""",
    # Each request is matched at once to three products by the rule score, the first the one
    # its applications go to.
    f"""INSERT INTO matches (id, request_id, product_id, score, rank, source, reasons,
        created_at)
    SELECT 3 * (r - 1) + k + 1, r, 1 + (r::bigint * 7919 + k * 331) % {PRODUCTS}, 0.9 - k / 10.0,
        k + 1, 'rule', '[]', {REQUESTED} + interval '1 minute'
    FROM generate_series(1, {REQUESTS}) AS r
    CROSS JOIN generate_series(0, 2) AS k
    ORDER BY 8, 1""",
    # The request's columns are recomputed from its id (as generated above) rather than joined,
    # and the rows go in in submission order, as live rows arrive.
    f"""INSERT INTO applications (id, request_id, product_id, enterprise_id, institution_id,
        product_kind_code, amount_yuan, status, from_offer, specialist_id, submitted_at,
        respond_by, first_response_at, decided_at, approved_amount_yuan, reject_note, version,
        created_at)
    SELECT a, r, p.id, 1 + r % {FIRMS}, p.institution_id, p.kind_code, 100000 * (1 + r % 50),
        CASE a % 3 WHEN 0 THEN 'disbursed' WHEN 1 THEN 'rejected' ELSE 'in_review' END,
        false, CASE WHEN a % 4 = 0 THEN 1 + a % {SPECIALISTS} END,
        requested + interval '1 day',
        requested + interval '4 days',
        requested + interval '1 day' + ((a % 120) || ' hours')::interval,
        CASE WHEN a % 3 < 2 THEN requested + interval '1 day'
            + ((a % 300) || ' hours')::interval END,
        CASE WHEN a % 3 = 0 THEN 100000 * (1 + r % 50) END,
        '', 1, requested + interval '1 day'
    FROM generate_series(1, {APPLICATIONS}) AS a
    CROSS JOIN LATERAL (SELECT 1 + (a - 1) % {REQUESTS} AS r) AS request
    CROSS JOIN LATERAL (SELECT {REQUESTED} AS requested) AS at
    JOIN products p ON p.id = 1 + (a::bigint * 7919) % {PRODUCTS}
    ORDER BY requested, a""",
    # One firm in 50 moved into its district at the start of 2014: its earlier disbursements
    # carry the district it was in then (the attribute history is read back from them).
    f"""INSERT INTO disbursements (application_id, amount_yuan, rate, term_months, disbursed_on,
        note, enterprise_id, institution_id, institution_kind_code, product_kind_code,
        pool_covered, district_code, industry_code, created_at)
    SELECT a.id, a.approved_amount_yuan, 5.5, 12, (a.decided_at + interval '5 days')::date, '',
        a.enterprise_id, a.institution_id, i.kind_code, a.product_kind_code, p.pool_covered,
        CASE WHEN e.id % {MOVED_EVERY} = 0
            AND (a.decided_at + interval '5 days')::date < date '2014-01-01'
            THEN before.code ELSE e.district_code END,
        e.industry_code, a.decided_at + interval '5 days'
    FROM applications a
    JOIN products p ON p.id = a.product_id
    JOIN institutions i ON i.id = a.institution_id
    JOIN enterprises e ON e.id = a.enterprise_id
    JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM districts) before
        ON before.n = (e.id + 1) % 16
    WHERE a.status = 'disbursed'
    ORDER BY a.decided_at, a.id""",
    """INSERT INTO disbursements (application_id, amount_yuan, rate, term_months, disbursed_on,
        note, reverses_id, enterprise_id, institution_id, institution_kind_code,
        product_kind_code, pool_covered, district_code, industry_code, created_at)
    SELECT application_id, -amount_yuan, rate, term_months, disbursed_on + 3, 'reversal', id,
        enterprise_id, institution_id, institution_kind_code, product_kind_code, pool_covered,
        district_code, industry_code, created_at + interval '3 days'
    FROM disbursements WHERE id % 1000 = 0""",
    # Every disbursement opens its loan (repaid in one bullet, to keep one instalment a loan);
    # a reversal voids it on the reversal's day.
    """INSERT INTO loans (id, disbursement_id, enterprise_id, institution_id, product_kind_code,
        principal_yuan, rate, penalty_rate, term_months, repayment_kind, disbursed_on, voided_on,
        created_at)
    SELECT d.id, d.id, d.enterprise_id, d.institution_id, d.product_kind_code, d.amount_yuan,
        d.rate, round(d.rate * (100 + p.penalty_markup) / 100, 4), d.term_months, 'bullet',
        d.disbursed_on, v.disbursed_on, d.created_at
    FROM disbursements d
    JOIN applications a ON a.id = d.application_id
    JOIN products p ON p.id = a.product_id
    LEFT JOIN disbursements v ON v.reverses_id = d.id
    WHERE d.reverses_id IS NULL
    ORDER BY d.id""",
    # The schedules come from the domain's own build_schedule (see `schedules`).
    """INSERT INTO instalments (id, loan_id, number, due_on, principal_yuan, interest_yuan)
    SELECT l.id, l.id, 1, s.due_on, l.principal_yuan, s.interest_yuan
    FROM loans l
    JOIN bench_schedules s ON s.principal_yuan = l.principal_yuan AND s.rate = l.rate
        AND s.term_months = l.term_months AND s.disbursed_on = l.disbursed_on
    ORDER BY l.id""",
    # Loans are repaid on their due day, but one in 50 (and the voided ones) never.
    f"""INSERT INTO repayments (id, loan_id, paid_on, amount_yuan, note, created_at)
    SELECT l.id, l.id, i.due_on, i.principal_yuan + i.interest_yuan, '', i.due_on
    FROM loans l JOIN instalments i ON i.loan_id = l.id
    WHERE l.voided_on IS NULL AND l.id % {DEFAULT_EVERY} <> 7
    ORDER BY i.due_on, l.id""",
    """INSERT INTO repayment_allocations (repayment_id, instalment_id, interest_yuan,
        principal_yuan)
    SELECT r.id, i.id, i.interest_yuan, i.principal_yuan
    FROM repayments r JOIN instalments i ON i.loan_id = r.loan_id
    ORDER BY r.id""",
    # A risk guarantee pool a year, funded by the city and the districts, lending banks and
    # technology branches admitted; the pool-covered loans of one firm in 40 registered ten days
    # after disbursement (withdrawn when voided); their defaults claimed, paid, half recovered.
    """INSERT INTO guarantee_pools (id, year, name, leverage_limit, registration_days,
        claim_after_days, max_term_months, created_at)
    SELECT y - 2012, y, y || '年科技型中小企业信用贷款风险保证金', 10, 30, 90, 36,
        make_date(y, 1, 1)
    FROM generate_series(2013, 2014) AS y""",
    """INSERT INTO pool_contributions (pool_id, funder, amount_yuan, contributed_on, created_at)
    SELECT g.id, f.funder, f.amount, make_date(g.year, f.month, 1), make_date(g.year, f.month, 1)
    FROM guarantee_pools g
    CROSS JOIN (VALUES ('市财政', 500000000, 1), ('区财政', 500000000, 7))
        AS f(funder, amount, month)""",
    """INSERT INTO pool_members (pool_id, institution_id, cover_ratio, per_loan_cap_yuan,
        quota_yuan, admitted_on, created_at)
    SELECT g.id, i.id, 0.5, 5000000, 1000000000, make_date(g.year, 1, 1), make_date(g.year, 1, 1)
    FROM guarantee_pools g
    CROSS JOIN institutions i WHERE i.kind_code IN ('bank', 'tech_branch')""",
    f"""INSERT INTO cover_registrations (loan_id, pool_id, member_id, covered_principal_yuan,
        registered_on, withdrawn_on, created_at)
    SELECT l.id, m.pool_id, m.id, least(l.principal_yuan, m.per_loan_cap_yuan),
        l.disbursed_on + 10, l.voided_on, l.disbursed_on + 10
    FROM loans l
    JOIN disbursements d ON d.id = l.disbursement_id AND d.pool_covered
    JOIN guarantee_pools g ON g.year = extract(year FROM l.disbursed_on)
    JOIN pool_members m ON m.pool_id = g.id AND m.institution_id = l.institution_id
    WHERE l.enterprise_id % {COVERED_EVERY} = 0
    ORDER BY l.disbursed_on, l.id""",
    f"""INSERT INTO claims (registration_id, pool_id, filed_on, days_past_due,
        outstanding_principal_yuan, claimed_yuan, evidence, status, approved_yuan,
        decision_reason, decided_at, paid_on, created_at)
    SELECT c.id, c.pool_id, i.due_on + 95, 95, l.principal_yuan,
        round(c.covered_principal_yuan * m.cover_ratio, 2), '', 'paid',
        round(c.covered_principal_yuan * m.cover_ratio, 2), '', i.due_on + 105, i.due_on + 115,
        i.due_on + 95
    FROM cover_registrations c
    JOIN pool_members m ON m.id = c.member_id
    JOIN loans l ON l.id = c.loan_id
    JOIN instalments i ON i.loan_id = l.id
    WHERE c.withdrawn_on IS NULL AND l.id % {DEFAULT_EVERY} = 7
    ORDER BY c.id""",
    """INSERT INTO recoveries (claim_id, pool_id, recovered_on, recovered_yuan, pool_share_yuan,
        created_at)
    SELECT c.id, c.pool_id, c.paid_on + 60, round(c.outstanding_principal_yuan / 5, 2),
        round(c.outstanding_principal_yuan / 10, 2), c.paid_on + 60
    FROM claims c WHERE c.id % 2 = 0""",
    f"""INSERT INTO contact_logs (specialist_id, enterprise_id, channel, happened_at, note,
        created_at)
    SELECT 1 + c % {SPECIALISTS}, 1 + (c * 31) % {FIRMS}, 'visit',
        timestamptz '2013-01-01' + ((c * 17) % 730 || ' days')::interval, '', now()
    FROM generate_series(1, {CONTACTS}) AS c""",
]


CLUSTER_ORDER = (
    ("financing_requests", "ix_financing_requests_status_created"),
    ("applications", "ix_applications_submitted_at"),
    ("disbursements", "ix_disbursements_disbursed_on"),
)


# A database generated before applications carried the requested amount (revision 346cd9464fd3)
# is brought up to the models instead of being generated again.
SCHEMA_CATCH_UP = (
    "ALTER TABLE applications ADD COLUMN IF NOT EXISTS amount_yuan numeric(18, 2)",
    """UPDATE applications a SET amount_yuan = r.amount_yuan FROM financing_requests r
    WHERE r.id = a.request_id AND a.amount_yuan IS NULL""",
    "ALTER TABLE applications ALTER COLUMN amount_yuan SET NOT NULL",
)
# Columns added later (revision of the monthly rollups), nullable: added as they are.
COLUMNS_CATCH_UP = {"enterprises": {"updated_at": "timestamp with time zone"}}


def catch_up_schema() -> None:
    """Add what the models gained since the data was generated: columns, tables, indexes."""
    if "amount_yuan" not in {c["name"] for c in sa.inspect(db.engine).get_columns("applications")}:
        for statement in SCHEMA_CATCH_UP:
            db.session.execute(sa.text(statement))
        db.session.commit()
    for table, columns in COLUMNS_CATCH_UP.items():
        for name, kind in columns.items():
            db.session.execute(
                sa.text(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {kind}")
            )
    db.session.commit()
    db.create_all()
    for table in db.metadata.sorted_tables:
        for index in table.indexes:
            index.create(db.engine, checkfirst=True)


# The tables the generator fills with many rows: their indexes are built once, after the rows.
BULK_TABLES = (
    "enterprises",
    "financing_requests",
    "matches",
    "applications",
    "disbursements",
    "loans",
    "instalments",
    "repayments",
    "repayment_allocations",
    "contact_logs",
)
# Settings of the generating connection only (reset before anything is measured): foreign keys
# are not checked row by row (the statements reference only ids they generated), commits do not
# wait for the disk, sorts and index builds get the memory to stay off it.
BULK_SETTINGS = (
    "SET session_replication_role = replica",
    "SET synchronous_commit = off",
    "SET maintenance_work_mem = '1GB'",
    "SET work_mem = '256MB'",
)


def phase(name: str, started: float) -> None:
    """Print how long a phase of the preparation took."""
    print(f"  {name:<28} {time.perf_counter() - started:6.1f} s{load()}", flush=True)


def target(statement: str) -> tuple[str, str]:
    """The table a generating statement fills, and the condition of its rows there."""
    table = statement.split()[2]
    reversals = table == "disbursements" and "reverses_id" in statement.split("SELECT")[0]
    return table, " WHERE reverses_id IS NOT NULL" if reversals else ""


def generated(connection: sa.Connection, statement: str) -> int:
    """How many rows of what the statement generates are already there (an interrupted build
    resumes where it stopped)."""
    table, condition = target(statement)
    return connection.scalar(sa.text(f"SELECT count(*) FROM {table}{condition}"))


def schedules(connection: sa.Connection) -> None:
    """The loans' schedules, one per distinct principal, rate, term and day, as the domain
    builds them (due days rolled to working days), in the temporary table bench_schedules."""
    roll = current_calendar().next_working_day
    connection.execute(
        sa.text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS bench_schedules (principal_yuan numeric,"
            " rate numeric, term_months int, disbursed_on date, due_on date,"
            " interest_yuan numeric)"
        )
    )
    terms = connection.execute(
        sa.text("SELECT DISTINCT principal_yuan, rate, term_months, disbursed_on FROM loans")
    ).all()
    rows = []
    for principal, rate, term, day in terms:
        (line,) = build_schedule(RepaymentKind.BULLET, principal, rate, term, day, roll)
        rows.append(
            {"p": principal, "r": rate, "t": term, "d": day, "due": line.due_on, "i": line.interest}
        )
    connection.execute(
        sa.text("INSERT INTO bench_schedules VALUES (:p, :r, :t, :d, :due, :i)"), rows
    )


def generate() -> None:
    """Insert the bulk history, with the indexes of the bulk tables dropped while it goes in."""
    with db.engine.connect() as connection:
        for setting in BULK_SETTINGS:
            connection.execute(sa.text(setting))
        pending = [statement for statement in GENERATE if not generated(connection, statement)]
        indexes = [
            index
            for table in db.metadata.sorted_tables
            if table.name in BULK_TABLES
            for index in table.indexes
        ]
        if pending:
            for index in indexes:
                connection.execute(sa.text(f"DROP INDEX IF EXISTS {index.name}"))
            connection.commit()
        for statement in pending:
            started = time.perf_counter()
            table, condition = target(statement)
            if table == "instalments":
                schedules(connection)
            connection.execute(sa.text(statement))
            connection.commit()
            phase(table + (" reversals" if condition else ""), started)
        started = time.perf_counter()
        for index in indexes:
            index.create(connection, checkfirst=True)
        if pending:
            # The rows went in in time order: what CLUSTER would do is done.
            for table, index in CLUSTER_ORDER:
                connection.execute(sa.text(f"ALTER TABLE {table} CLUSTER ON {index}"))
        for table in dict.fromkeys(target(statement)[0] for statement in GENERATE):
            if "id" not in db.metadata.tables[table].c:
                continue
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        connection.commit()
        phase("indexes", started)
        connection.execute(sa.text("RESET ALL"))
        connection.commit()


def build(rebuild: bool) -> None:
    """Create the schema and the bulk history, then the report facts."""
    prepared = time.perf_counter()
    if rebuild or not sa.inspect(db.engine).has_table("disbursements"):
        db.drop_all()
        db.create_all()
        load_reference()
        db.session.commit()
    catch_up_schema()
    generate()
    started = time.perf_counter()
    # The generated firms have no attribute history yet (rows written by SQL): start it.
    backfill(db.session.connection())
    db.session.commit()
    phase("attribute history", started)
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Live rows arrive in time order, so a month sits in neighbouring pages; a database
        # generated before the rows went in in time order is put in that order once.
        for table, index in CLUSTER_ORDER:
            clustered = connection.scalar(
                sa.text(
                    "SELECT indisclustered FROM pg_index WHERE indexrelid = CAST(:i AS regclass)"
                ),
                {"i": index},
            )
            if not clustered:
                connection.execute(sa.text(f"CLUSTER {table} USING {index}"))
        connection.execute(sa.text("VACUUM ANALYZE"))
    phase("vacuum analyze", started)
    phase("data prepared in", prepared)


def load() -> str:
    """The load average, to print beside a figure."""
    one, five, _ = os.getloadavg()
    return f"  [load average {one:.1f} / {five:.1f}]"
