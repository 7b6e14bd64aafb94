-- ===== bpdso defaults grouped by nothing =====
-- shared relation _rel_626074c0bfc1
SELECT
  "t8"."id" AS "invoice_id",
  "t8"."customer_id",
  "t8"."issue_date",
  "t8"."due_date",
  "t8"."amount_minor" AS "amount",
  "t8"."currency",
  CASE
    WHEN COALESCE("t14"."settled", 0) >= "t8"."amount_minor"
    THEN COALESCE("t14"."last_event", "t8"."issue_date")
    ELSE MAKE_DATE(9999, 12, 31)
  END AS "open_until"
FROM (
  SELECT
    *
  FROM "ledger_invoice" AS "t0"
) AS "t8"
LEFT OUTER JOIN (
  SELECT
    "t12"."invoice_id" AS "ev_invoice",
    SUM("t12"."amount") AS "settled",
    MAX("t12"."on") AS "last_event"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t9"."invoice_id",
        "t10"."received_on" AS "on",
        "t9"."amount_minor" AS "amount"
      FROM (
        SELECT
          *
        FROM "ledger_allocation" AS "t2"
      ) AS "t9"
      INNER JOIN (
        SELECT
          *
        FROM "ledger_payment" AS "t3"
      ) AS "t10"
        ON "t9"."payment_id" = "t10"."id"
    ) AS "t11"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t1"."invoice_id",
        "t1"."effective_on" AS "on",
        "t1"."amount_minor" AS "amount"
      FROM "ledger_adjustment" AS "t1"
    ) AS "t5"
  ) AS "t12"
  GROUP BY
    1
) AS "t14"
  ON "t8"."id" = "t14"."ev_invoice"

-- shared relation _rel_b5f4c9703b91
WITH "t15" AS (
  SELECT
    "t14"."invoice_id",
    "t14"."on",
    SUM("t14"."amount") AS "day_amount"
  FROM (
    SELECT
      "t13"."invoice_id",
      "t13"."on",
      "t13"."amount"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t9"."invoice_id",
          "t10"."received_on" AS "on",
          "t9"."amount_minor" AS "amount"
        FROM (
          SELECT
            *
          FROM "ledger_allocation" AS "t2"
        ) AS "t9"
        INNER JOIN (
          SELECT
            *
          FROM "ledger_payment" AS "t3"
        ) AS "t10"
          ON "t9"."payment_id" = "t10"."id"
      ) AS "t11"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          "t1"."invoice_id",
          "t1"."effective_on" AS "on",
          "t1"."amount_minor" AS "amount"
        FROM "ledger_adjustment" AS "t1"
      ) AS "t6"
    ) AS "t13"
    INNER JOIN "_rel_626074c0bfc1" AS "t5"
      ON "t13"."invoice_id" = "t5"."invoice_id" AND "t13"."on" < "t5"."open_until"
  ) AS "t14"
  GROUP BY
    1,
    2
)
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."invoice_id",
      "t4"."customer_id",
      "t4"."issue_date",
      "t4"."due_date",
      "t4"."currency",
      "t4"."amount" AS "open",
      "t4"."issue_date" AS "since",
      COALESCE("t18"."first_on", "t4"."open_until") AS "until"
    FROM "_rel_626074c0bfc1" AS "t4"
    LEFT OUTER JOIN (
      SELECT
        "t16"."invoice_id" AS "first_invoice",
        MIN("t16"."on") AS "first_on"
      FROM "t15" AS "t16"
      GROUP BY
        1
    ) AS "t18"
      ON "t4"."invoice_id" = "t18"."first_invoice"
  ) AS "t21"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t20"."invoice_id",
      "t5"."customer_id",
      "t5"."issue_date",
      "t5"."due_date",
      "t5"."currency",
      "t5"."amount" - "t20"."reduced" AS "open",
      GREATEST("t20"."on", "t5"."issue_date") AS "since",
      COALESCE("t20"."next_on", "t5"."open_until") AS "until"
    FROM (
      SELECT
        "t16"."invoice_id",
        "t16"."on",
        "t16"."day_amount",
        SUM("t16"."day_amount") OVER (
          PARTITION BY "t16"."invoice_id"
          ORDER BY "t16"."on" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS "reduced",
        LEAD("t16"."on") OVER (
          PARTITION BY "t16"."invoice_id"
          ORDER BY "t16"."on" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS "next_on"
      FROM "t15" AS "t16"
    ) AS "t20"
    INNER JOIN "_rel_626074c0bfc1" AS "t5"
      ON "t20"."invoice_id" = "t5"."invoice_id"
  ) AS "t22"
) AS "t23"
WHERE
  "t23"."open" > 0 AND "t23"."since" < "t23"."until"

-- shared relation _rel_e53b0aa81a2f
SELECT
  "t4"."on",
  "t2"."invoice_id",
  "t2"."customer_id",
  "t2"."issue_date",
  "t2"."due_date",
  "t2"."currency",
  "t2"."open"
FROM "_rel_b5f4c9703b91" AS "t2"
INNER JOIN (
  SELECT DISTINCT
    "t1"."as_of" AS "on"
  FROM "_points" AS "t1"
) AS "t4"
  ON "t2"."since" <= "t4"."on" AND "t4"."on" < "t2"."until"

-- open: cur_0
SELECT
  "t6"."as_of",
  "t6"."currency",
  COALESCE(SUM("t6"."open") FILTER(WHERE
    "t6"."dpd" <= 0), 0) AS "cur_0"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t5"."invoice_id",
    "t5"."customer_id",
    "t5"."currency",
    "t5"."open",
    DATE_DIFF('DAY', "t5"."due_date", "t5"."at") AS "dpd",
    CASE
      WHEN DATE_DIFF('DAY', "t5"."due_date", "t5"."at") <= 0
      THEN 'current'
      WHEN DATE_DIFF('DAY', "t5"."due_date", "t5"."at") <= 30
      THEN '1-30'
      WHEN DATE_DIFF('DAY', "t5"."due_date", "t5"."at") <= 60
      THEN '31-60'
      WHEN DATE_DIFF('DAY', "t5"."due_date", "t5"."at") <= 90
      THEN '61-90'
      WHEN DATE_DIFF('DAY', "t5"."due_date", "t5"."at") <= 120
      THEN '91-120'
      ELSE '120+'
    END AS "bucket"
  FROM (
    SELECT
      "t4"."as_of",
      "t4"."at",
      "t2"."invoice_id",
      "t2"."customer_id",
      "t2"."issue_date",
      "t2"."due_date",
      "t2"."currency",
      "t2"."open"
    FROM "_rel_e53b0aa81a2f" AS "t2"
    INNER JOIN (
      SELECT
        "t1"."as_of",
        "t1"."as_of" AS "at",
        "t1"."period_from"
      FROM "_points" AS "t1"
    ) AS "t4"
      ON "t2"."on" = "t4"."at"
  ) AS "t5"
) AS "t6"
GROUP BY
  1,
  2

-- sales: sales_90
SELECT
  "t6"."as_of",
  "t6"."currency",
  COALESCE(SUM("t6"."amount"), 0) AS "sales_90"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t5"."period_from",
    "t4"."id" AS "invoice_id",
    "t4"."customer_id",
    "t4"."issue_date",
    "t4"."amount_minor" AS "amount",
    "t4"."currency"
  FROM (
    SELECT
      *
    FROM "ledger_invoice" AS "t0"
  ) AS "t4"
  INNER JOIN (
    SELECT
      "t1"."as_of",
      "t1"."period_from",
      "t1"."begin",
      "t1"."prior",
      "t1"."as_of" AS "at"
    FROM "_points" AS "t1"
  ) AS "t5"
    ON "t4"."issue_date" >= (
      "t5"."as_of" - INTERVAL '89' DAY
    )
    AND "t4"."issue_date" <= "t5"."as_of"
) AS "t6"
GROUP BY
  1,
  2

-- ===== bpdso defaults grouped by team =====
-- shared relation _rel_626074c0bfc1
SELECT
  "t8"."id" AS "invoice_id",
  "t8"."customer_id",
  "t8"."issue_date",
  "t8"."due_date",
  "t8"."amount_minor" AS "amount",
  "t8"."currency",
  CASE
    WHEN COALESCE("t14"."settled", 0) >= "t8"."amount_minor"
    THEN COALESCE("t14"."last_event", "t8"."issue_date")
    ELSE MAKE_DATE(9999, 12, 31)
  END AS "open_until"
FROM (
  SELECT
    *
  FROM "ledger_invoice" AS "t0"
) AS "t8"
LEFT OUTER JOIN (
  SELECT
    "t12"."invoice_id" AS "ev_invoice",
    SUM("t12"."amount") AS "settled",
    MAX("t12"."on") AS "last_event"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t9"."invoice_id",
        "t10"."received_on" AS "on",
        "t9"."amount_minor" AS "amount"
      FROM (
        SELECT
          *
        FROM "ledger_allocation" AS "t2"
      ) AS "t9"
      INNER JOIN (
        SELECT
          *
        FROM "ledger_payment" AS "t3"
      ) AS "t10"
        ON "t9"."payment_id" = "t10"."id"
    ) AS "t11"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t1"."invoice_id",
        "t1"."effective_on" AS "on",
        "t1"."amount_minor" AS "amount"
      FROM "ledger_adjustment" AS "t1"
    ) AS "t5"
  ) AS "t12"
  GROUP BY
    1
) AS "t14"
  ON "t8"."id" = "t14"."ev_invoice"

-- shared relation _rel_b5f4c9703b91
WITH "t15" AS (
  SELECT
    "t14"."invoice_id",
    "t14"."on",
    SUM("t14"."amount") AS "day_amount"
  FROM (
    SELECT
      "t13"."invoice_id",
      "t13"."on",
      "t13"."amount"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t9"."invoice_id",
          "t10"."received_on" AS "on",
          "t9"."amount_minor" AS "amount"
        FROM (
          SELECT
            *
          FROM "ledger_allocation" AS "t2"
        ) AS "t9"
        INNER JOIN (
          SELECT
            *
          FROM "ledger_payment" AS "t3"
        ) AS "t10"
          ON "t9"."payment_id" = "t10"."id"
      ) AS "t11"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          "t1"."invoice_id",
          "t1"."effective_on" AS "on",
          "t1"."amount_minor" AS "amount"
        FROM "ledger_adjustment" AS "t1"
      ) AS "t6"
    ) AS "t13"
    INNER JOIN "_rel_626074c0bfc1" AS "t5"
      ON "t13"."invoice_id" = "t5"."invoice_id" AND "t13"."on" < "t5"."open_until"
  ) AS "t14"
  GROUP BY
    1,
    2
)
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t4"."invoice_id",
      "t4"."customer_id",
      "t4"."issue_date",
      "t4"."due_date",
      "t4"."currency",
      "t4"."amount" AS "open",
      "t4"."issue_date" AS "since",
      COALESCE("t18"."first_on", "t4"."open_until") AS "until"
    FROM "_rel_626074c0bfc1" AS "t4"
    LEFT OUTER JOIN (
      SELECT
        "t16"."invoice_id" AS "first_invoice",
        MIN("t16"."on") AS "first_on"
      FROM "t15" AS "t16"
      GROUP BY
        1
    ) AS "t18"
      ON "t4"."invoice_id" = "t18"."first_invoice"
  ) AS "t21"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t20"."invoice_id",
      "t5"."customer_id",
      "t5"."issue_date",
      "t5"."due_date",
      "t5"."currency",
      "t5"."amount" - "t20"."reduced" AS "open",
      GREATEST("t20"."on", "t5"."issue_date") AS "since",
      COALESCE("t20"."next_on", "t5"."open_until") AS "until"
    FROM (
      SELECT
        "t16"."invoice_id",
        "t16"."on",
        "t16"."day_amount",
        SUM("t16"."day_amount") OVER (
          PARTITION BY "t16"."invoice_id"
          ORDER BY "t16"."on" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS "reduced",
        LEAD("t16"."on") OVER (
          PARTITION BY "t16"."invoice_id"
          ORDER BY "t16"."on" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS "next_on"
      FROM "t15" AS "t16"
    ) AS "t20"
    INNER JOIN "_rel_626074c0bfc1" AS "t5"
      ON "t20"."invoice_id" = "t5"."invoice_id"
  ) AS "t22"
) AS "t23"
WHERE
  "t23"."open" > 0 AND "t23"."since" < "t23"."until"

-- shared relation _rel_e53b0aa81a2f
SELECT
  "t4"."on",
  "t2"."invoice_id",
  "t2"."customer_id",
  "t2"."issue_date",
  "t2"."due_date",
  "t2"."currency",
  "t2"."open"
FROM "_rel_b5f4c9703b91" AS "t2"
INNER JOIN (
  SELECT DISTINCT
    "t1"."as_of" AS "on"
  FROM "_points" AS "t1"
) AS "t4"
  ON "t2"."since" <= "t4"."on" AND "t4"."on" < "t2"."until"

-- open: cur_0
SELECT
  "t19"."as_of",
  "t19"."team",
  "t19"."currency",
  COALESCE(SUM("t19"."open") FILTER(WHERE
    "t19"."dpd" <= 0), 0) AS "cur_0"
FROM (
  SELECT
    "t18".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t17"."as_of",
      "t17"."at",
      "t17"."invoice_id",
      "t17"."customer_id",
      "t17"."currency",
      "t17"."open",
      "t17"."dpd",
      "t17"."bucket",
      "t17"."a_collector",
      "t17"."a_team",
      "t17"."tm_id",
      "t17"."tm_name",
      CASE
        WHEN (
          "t17"."tm_name" IS NULL
        ) OR (
          "t17"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t17"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t16"."as_of",
        "t16"."at",
        "t16"."invoice_id",
        "t16"."customer_id",
        "t16"."currency",
        "t16"."open",
        "t16"."dpd",
        "t16"."bucket",
        "t16"."a_collector",
        "t16"."a_team",
        "t8"."tm_id",
        "t8"."tm_name"
      FROM (
        SELECT
          "t14".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t13"."as_of",
            "t13"."at",
            "t13"."invoice_id",
            "t13"."customer_id",
            "t13"."currency",
            "t13"."open",
            "t13"."dpd",
            "t13"."bucket",
            "t9"."a_customer",
            "t9"."a_from",
            "t9"."a_to",
            "t9"."a_collector",
            "t9"."a_team"
          FROM (
            SELECT
              "t11"."as_of",
              "t11"."at",
              "t11"."invoice_id",
              "t11"."customer_id",
              "t11"."currency",
              "t11"."open",
              DATE_DIFF('DAY', "t11"."due_date", "t11"."at") AS "dpd",
              CASE
                WHEN DATE_DIFF('DAY', "t11"."due_date", "t11"."at") <= 0
                THEN 'current'
                WHEN DATE_DIFF('DAY', "t11"."due_date", "t11"."at") <= 30
                THEN '1-30'
                WHEN DATE_DIFF('DAY', "t11"."due_date", "t11"."at") <= 60
                THEN '31-60'
                WHEN DATE_DIFF('DAY', "t11"."due_date", "t11"."at") <= 90
                THEN '61-90'
                WHEN DATE_DIFF('DAY', "t11"."due_date", "t11"."at") <= 120
                THEN '91-120'
                ELSE '120+'
              END AS "bucket"
            FROM (
              SELECT
                "t10"."as_of",
                "t10"."at",
                "t4"."invoice_id",
                "t4"."customer_id",
                "t4"."issue_date",
                "t4"."due_date",
                "t4"."currency",
                "t4"."open"
              FROM "_rel_e53b0aa81a2f" AS "t4"
              INNER JOIN (
                SELECT
                  "t3"."as_of",
                  "t3"."as_of" AS "at",
                  "t3"."period_from"
                FROM "_points" AS "t3"
              ) AS "t10"
                ON "t4"."on" = "t10"."at"
            ) AS "t11"
          ) AS "t13"
          LEFT OUTER JOIN (
            SELECT
              "t1"."customer_id" AS "a_customer",
              "t1"."valid_from" AS "a_from",
              "t1"."valid_to" AS "a_to",
              "t1"."collector_id" AS "a_collector",
              "t1"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t1"
          ) AS "t9"
            ON "t13"."customer_id" = "t9"."a_customer"
            AND "t9"."a_from" <= "t13"."at"
            AND (
              (
                "t9"."a_to" IS NULL
              ) OR (
                "t9"."a_to" > "t13"."at"
              )
            )
        ) AS "t14"
      ) AS "t16"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t8"
        ON "t16"."a_team" = "t8"."tm_id"
    ) AS "t17"
  ) AS "t18"
) AS "t19"
GROUP BY
  1,
  2,
  3

-- sales: sales_90
SELECT
  "t17"."as_of",
  "t17"."team",
  "t17"."currency",
  COALESCE(SUM("t17"."amount"), 0) AS "sales_90"
FROM (
  SELECT
    "t16".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t15"."as_of",
      "t15"."at",
      "t15"."period_from",
      "t15"."invoice_id",
      "t15"."customer_id",
      "t15"."issue_date",
      "t15"."amount",
      "t15"."currency",
      "t15"."a_collector",
      "t15"."a_team",
      "t15"."tm_id",
      "t15"."tm_name",
      CASE
        WHEN (
          "t15"."tm_name" IS NULL
        ) OR (
          "t15"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t15"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t14"."as_of",
        "t14"."at",
        "t14"."period_from",
        "t14"."invoice_id",
        "t14"."customer_id",
        "t14"."issue_date",
        "t14"."amount",
        "t14"."currency",
        "t14"."a_collector",
        "t14"."a_team",
        "t8"."tm_id",
        "t8"."tm_name"
      FROM (
        SELECT
          "t12".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t10"."as_of",
            "t10"."at",
            "t10"."period_from",
            "t9"."id" AS "invoice_id",
            "t9"."customer_id",
            "t9"."issue_date",
            "t9"."amount_minor" AS "amount",
            "t9"."currency",
            "t11"."a_customer",
            "t11"."a_from",
            "t11"."a_to",
            "t11"."a_collector",
            "t11"."a_team"
          FROM (
            SELECT
              *
            FROM "ledger_invoice" AS "t1"
          ) AS "t9"
          INNER JOIN (
            SELECT
              "t2"."as_of",
              "t2"."period_from",
              "t2"."begin",
              "t2"."prior",
              "t2"."as_of" AS "at"
            FROM "_points" AS "t2"
          ) AS "t10"
            ON "t9"."issue_date" >= (
              "t10"."as_of" - INTERVAL '89' DAY
            )
            AND "t9"."issue_date" <= "t10"."as_of"
          LEFT OUTER JOIN (
            SELECT
              "t3"."customer_id" AS "a_customer",
              "t3"."valid_from" AS "a_from",
              "t3"."valid_to" AS "a_to",
              "t3"."collector_id" AS "a_collector",
              "t3"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t3"
          ) AS "t11"
            ON "t9"."customer_id" = "t11"."a_customer"
            AND "t11"."a_from" <= "t10"."at"
            AND (
              (
                "t11"."a_to" IS NULL
              ) OR (
                "t11"."a_to" > "t10"."at"
              )
            )
        ) AS "t12"
      ) AS "t14"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t8"
        ON "t14"."a_team" = "t8"."tm_id"
    ) AS "t15"
  ) AS "t16"
) AS "t17"
GROUP BY
  1,
  2,
  3

