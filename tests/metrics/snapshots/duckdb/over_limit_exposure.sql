-- ===== over_limit_exposure defaults grouped by nothing =====
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

-- overlimit: exposure
SELECT
  "t13"."as_of",
  "t13"."currency",
  COALESCE(SUM("t13"."exposure"), 0) AS "exposure"
FROM (
  SELECT
    "t12"."as_of",
    "t12"."at",
    "t12"."customer_id",
    "t12"."currency",
    "t12"."credit_limit_minor",
    "t12"."balance",
    GREATEST("t12"."balance" - "t12"."credit_limit_minor", 0) AS "exposure"
  FROM (
    SELECT
      "t11"."as_of",
      "t11"."at",
      "t11"."customer_id",
      "t11"."currency",
      "t11"."credit_limit_minor",
      SUM("t11"."open") AS "balance"
    FROM (
      SELECT
        "t10"."as_of",
        "t10"."at",
        "t10"."customer_id",
        "t10"."currency",
        "t7"."credit_limit_minor",
        "t10"."open"
      FROM (
        SELECT
          "t8"."as_of",
          "t8"."at",
          "t8"."invoice_id",
          "t8"."customer_id",
          "t8"."currency",
          "t8"."open",
          DATE_DIFF('DAY', "t8"."due_date", "t8"."at") AS "dpd",
          CASE
            WHEN DATE_DIFF('DAY', "t8"."due_date", "t8"."at") <= 0
            THEN 'current'
            WHEN DATE_DIFF('DAY', "t8"."due_date", "t8"."at") <= 30
            THEN '1-30'
            WHEN DATE_DIFF('DAY', "t8"."due_date", "t8"."at") <= 60
            THEN '31-60'
            WHEN DATE_DIFF('DAY', "t8"."due_date", "t8"."at") <= 90
            THEN '61-90'
            WHEN DATE_DIFF('DAY', "t8"."due_date", "t8"."at") <= 120
            THEN '91-120'
            ELSE '120+'
          END AS "bucket"
        FROM (
          SELECT
            "t6"."as_of",
            "t6"."at",
            "t3"."invoice_id",
            "t3"."customer_id",
            "t3"."issue_date",
            "t3"."due_date",
            "t3"."currency",
            "t3"."open"
          FROM "_rel_e53b0aa81a2f" AS "t3"
          INNER JOIN (
            SELECT
              "t2"."as_of",
              "t2"."as_of" AS "at",
              "t2"."period_from"
            FROM "_points" AS "t2"
          ) AS "t6"
            ON "t3"."on" = "t6"."at"
        ) AS "t8"
      ) AS "t10"
      INNER JOIN (
        SELECT
          *
        FROM "ledger_customer" AS "t0"
        WHERE
          "t0"."credit_limit_minor" IS NOT NULL
      ) AS "t7"
        ON "t10"."customer_id" = "t7"."id"
        AND "t10"."currency" = "t7"."credit_limit_currency"
    ) AS "t11"
    GROUP BY
      1,
      2,
      3,
      4,
      5
  ) AS "t12"
) AS "t13"
GROUP BY
  1,
  2

-- ===== over_limit_exposure defaults grouped by team =====
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

-- overlimit: exposure
SELECT
  "t26"."as_of",
  "t26"."team",
  "t26"."currency",
  COALESCE(SUM("t26"."exposure"), 0) AS "exposure"
FROM (
  SELECT
    "t25".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t24"."as_of",
      "t24"."at",
      "t24"."customer_id",
      "t24"."currency",
      "t24"."credit_limit_minor",
      "t24"."balance",
      "t24"."exposure",
      "t24"."a_collector",
      "t24"."a_team",
      "t24"."tm_id",
      "t24"."tm_name",
      CASE
        WHEN (
          "t24"."tm_name" IS NULL
        ) OR (
          "t24"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t24"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t23"."as_of",
        "t23"."at",
        "t23"."customer_id",
        "t23"."currency",
        "t23"."credit_limit_minor",
        "t23"."balance",
        "t23"."exposure",
        "t23"."a_collector",
        "t23"."a_team",
        "t9"."tm_id",
        "t9"."tm_name"
      FROM (
        SELECT
          "t21".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t20"."as_of",
            "t20"."at",
            "t20"."customer_id",
            "t20"."currency",
            "t20"."credit_limit_minor",
            "t20"."balance",
            "t20"."exposure",
            "t10"."a_customer",
            "t10"."a_from",
            "t10"."a_to",
            "t10"."a_collector",
            "t10"."a_team"
          FROM (
            SELECT
              "t18"."as_of",
              "t18"."at",
              "t18"."customer_id",
              "t18"."currency",
              "t18"."credit_limit_minor",
              "t18"."balance",
              GREATEST("t18"."balance" - "t18"."credit_limit_minor", 0) AS "exposure"
            FROM (
              SELECT
                "t17"."as_of",
                "t17"."at",
                "t17"."customer_id",
                "t17"."currency",
                "t17"."credit_limit_minor",
                SUM("t17"."open") AS "balance"
              FROM (
                SELECT
                  "t16"."as_of",
                  "t16"."at",
                  "t16"."customer_id",
                  "t16"."currency",
                  "t13"."credit_limit_minor",
                  "t16"."open"
                FROM (
                  SELECT
                    "t14"."as_of",
                    "t14"."at",
                    "t14"."invoice_id",
                    "t14"."customer_id",
                    "t14"."currency",
                    "t14"."open",
                    DATE_DIFF('DAY', "t14"."due_date", "t14"."at") AS "dpd",
                    CASE
                      WHEN DATE_DIFF('DAY', "t14"."due_date", "t14"."at") <= 0
                      THEN 'current'
                      WHEN DATE_DIFF('DAY', "t14"."due_date", "t14"."at") <= 30
                      THEN '1-30'
                      WHEN DATE_DIFF('DAY', "t14"."due_date", "t14"."at") <= 60
                      THEN '31-60'
                      WHEN DATE_DIFF('DAY', "t14"."due_date", "t14"."at") <= 90
                      THEN '61-90'
                      WHEN DATE_DIFF('DAY', "t14"."due_date", "t14"."at") <= 120
                      THEN '91-120'
                      ELSE '120+'
                    END AS "bucket"
                  FROM (
                    SELECT
                      "t12"."as_of",
                      "t12"."at",
                      "t5"."invoice_id",
                      "t5"."customer_id",
                      "t5"."issue_date",
                      "t5"."due_date",
                      "t5"."currency",
                      "t5"."open"
                    FROM "_rel_e53b0aa81a2f" AS "t5"
                    INNER JOIN (
                      SELECT
                        "t4"."as_of",
                        "t4"."as_of" AS "at",
                        "t4"."period_from"
                      FROM "_points" AS "t4"
                    ) AS "t12"
                      ON "t5"."on" = "t12"."at"
                  ) AS "t14"
                ) AS "t16"
                INNER JOIN (
                  SELECT
                    *
                  FROM "ledger_customer" AS "t2"
                  WHERE
                    "t2"."credit_limit_minor" IS NOT NULL
                ) AS "t13"
                  ON "t16"."customer_id" = "t13"."id"
                  AND "t16"."currency" = "t13"."credit_limit_currency"
              ) AS "t17"
              GROUP BY
                1,
                2,
                3,
                4,
                5
            ) AS "t18"
          ) AS "t20"
          LEFT OUTER JOIN (
            SELECT
              "t1"."customer_id" AS "a_customer",
              "t1"."valid_from" AS "a_from",
              "t1"."valid_to" AS "a_to",
              "t1"."collector_id" AS "a_collector",
              "t1"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t1"
          ) AS "t10"
            ON "t20"."customer_id" = "t10"."a_customer"
            AND "t10"."a_from" <= "t20"."at"
            AND (
              (
                "t10"."a_to" IS NULL
              ) OR (
                "t10"."a_to" > "t20"."at"
              )
            )
        ) AS "t21"
      ) AS "t23"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t9"
        ON "t23"."a_team" = "t9"."tm_id"
    ) AS "t24"
  ) AS "t25"
) AS "t26"
GROUP BY
  1,
  2,
  3

