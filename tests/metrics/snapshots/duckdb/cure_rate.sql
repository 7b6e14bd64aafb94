-- ===== cure_rate defaults grouped by nothing =====
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

-- shared relation _rel_9e770e6a1d1d
SELECT
  "t7"."on",
  "t2"."invoice_id",
  "t2"."customer_id",
  "t2"."issue_date",
  "t2"."due_date",
  "t2"."currency",
  "t2"."open"
FROM "_rel_b5f4c9703b91" AS "t2"
INNER JOIN (
  SELECT DISTINCT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t1"."as_of" AS "on"
      FROM "_points" AS "t1"
    ) AS "t3"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t1"."prior" AS "on"
      FROM "_points" AS "t1"
    ) AS "t4"
  ) AS "t5"
) AS "t7"
  ON "t2"."since" <= "t7"."on" AND "t7"."on" < "t2"."until"

-- roll: cured_amount, prev_amount
SELECT
  "t14"."as_of",
  "t14"."currency",
  COALESCE(SUM("t14"."open_prev") FILTER(WHERE
    "t14"."cured"), 0) AS "cured_amount",
  COALESCE(SUM("t14"."open_prev"), 0) AS "prev_amount"
FROM (
  SELECT
    "t13"."as_of",
    "t13"."invoice_id",
    "t13"."customer_id",
    "t13"."currency",
    "t13"."as_of" AS "at",
    "t13"."open" AS "open_prev",
    COALESCE("t11"."open_now", 0) AS "open_now",
    COALESCE("t11"."bucket_now" = '31-60', FALSE) AS "rolled",
    (
      "t11"."open_now" IS NULL
    ) OR (
      "t11"."bucket_now" = 'current'
    ) AS "cured"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t7"."as_of",
        "t7"."at",
        "t7"."invoice_id",
        "t7"."customer_id",
        "t7"."currency",
        "t7"."open",
        DATE_DIFF('DAY', "t7"."due_date", "t7"."at") AS "dpd",
        CASE
          WHEN DATE_DIFF('DAY', "t7"."due_date", "t7"."at") <= 0
          THEN 'current'
          WHEN DATE_DIFF('DAY', "t7"."due_date", "t7"."at") <= 30
          THEN '1-30'
          WHEN DATE_DIFF('DAY', "t7"."due_date", "t7"."at") <= 60
          THEN '31-60'
          WHEN DATE_DIFF('DAY', "t7"."due_date", "t7"."at") <= 90
          THEN '61-90'
          WHEN DATE_DIFF('DAY', "t7"."due_date", "t7"."at") <= 120
          THEN '91-120'
          ELSE '120+'
        END AS "bucket"
      FROM (
        SELECT
          "t5"."as_of",
          "t5"."at",
          "t2"."invoice_id",
          "t2"."customer_id",
          "t2"."issue_date",
          "t2"."due_date",
          "t2"."currency",
          "t2"."open"
        FROM "_rel_9e770e6a1d1d" AS "t2"
        INNER JOIN (
          SELECT
            "t1"."as_of",
            "t1"."prior" AS "at",
            "t1"."period_from"
          FROM "_points" AS "t1"
        ) AS "t5"
          ON "t2"."on" = "t5"."at"
      ) AS "t7"
    ) AS "t9"
    WHERE
      "t9"."bucket" = '1-30'
  ) AS "t13"
  LEFT OUTER JOIN (
    SELECT
      "t8"."invoice_id" AS "now_invoice",
      "t8"."as_of" AS "now_as_of",
      "t8"."open" AS "open_now",
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
      END AS "bucket_now"
    FROM (
      SELECT
        "t6"."as_of",
        "t6"."at",
        "t2"."invoice_id",
        "t2"."customer_id",
        "t2"."issue_date",
        "t2"."due_date",
        "t2"."currency",
        "t2"."open"
      FROM "_rel_9e770e6a1d1d" AS "t2"
      INNER JOIN (
        SELECT
          "t1"."as_of",
          "t1"."as_of" AS "at",
          "t1"."period_from"
        FROM "_points" AS "t1"
      ) AS "t6"
        ON "t2"."on" = "t6"."at"
    ) AS "t8"
  ) AS "t11"
    ON "t13"."invoice_id" = "t11"."now_invoice" AND "t13"."as_of" = "t11"."now_as_of"
) AS "t14"
GROUP BY
  1,
  2

-- ===== cure_rate defaults grouped by team =====
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

-- shared relation _rel_9e770e6a1d1d
SELECT
  "t7"."on",
  "t2"."invoice_id",
  "t2"."customer_id",
  "t2"."issue_date",
  "t2"."due_date",
  "t2"."currency",
  "t2"."open"
FROM "_rel_b5f4c9703b91" AS "t2"
INNER JOIN (
  SELECT DISTINCT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t1"."as_of" AS "on"
      FROM "_points" AS "t1"
    ) AS "t3"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t1"."prior" AS "on"
      FROM "_points" AS "t1"
    ) AS "t4"
  ) AS "t5"
) AS "t7"
  ON "t2"."since" <= "t7"."on" AND "t7"."on" < "t2"."until"

-- roll: cured_amount, prev_amount
SELECT
  "t25"."as_of",
  "t25"."team",
  "t25"."currency",
  COALESCE(SUM("t25"."open_prev") FILTER(WHERE
    "t25"."cured"), 0) AS "cured_amount",
  COALESCE(SUM("t25"."open_prev"), 0) AS "prev_amount"
FROM (
  SELECT
    "t24".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t23"."as_of",
      "t23"."invoice_id",
      "t23"."customer_id",
      "t23"."currency",
      "t23"."at",
      "t23"."open_prev",
      "t23"."open_now",
      "t23"."rolled",
      "t23"."cured",
      "t23"."a_collector",
      "t23"."a_team",
      "t23"."tm_id",
      "t23"."tm_name",
      CASE
        WHEN (
          "t23"."tm_name" IS NULL
        ) OR (
          "t23"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t23"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t22"."as_of",
        "t22"."invoice_id",
        "t22"."customer_id",
        "t22"."currency",
        "t22"."at",
        "t22"."open_prev",
        "t22"."open_now",
        "t22"."rolled",
        "t22"."cured",
        "t22"."a_collector",
        "t22"."a_team",
        "t9"."tm_id",
        "t9"."tm_name"
      FROM (
        SELECT
          "t20".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t19"."as_of",
            "t19"."invoice_id",
            "t19"."customer_id",
            "t19"."currency",
            "t19"."as_of" AS "at",
            "t19"."open" AS "open_prev",
            COALESCE("t17"."open_now", 0) AS "open_now",
            COALESCE("t17"."bucket_now" = '31-60', FALSE) AS "rolled",
            (
              "t17"."open_now" IS NULL
            ) OR (
              "t17"."bucket_now" = 'current'
            ) AS "cured",
            "t10"."a_customer",
            "t10"."a_from",
            "t10"."a_to",
            "t10"."a_collector",
            "t10"."a_team"
          FROM (
            SELECT
              *
            FROM (
              SELECT
                "t13"."as_of",
                "t13"."at",
                "t13"."invoice_id",
                "t13"."customer_id",
                "t13"."currency",
                "t13"."open",
                DATE_DIFF('DAY', "t13"."due_date", "t13"."at") AS "dpd",
                CASE
                  WHEN DATE_DIFF('DAY', "t13"."due_date", "t13"."at") <= 0
                  THEN 'current'
                  WHEN DATE_DIFF('DAY', "t13"."due_date", "t13"."at") <= 30
                  THEN '1-30'
                  WHEN DATE_DIFF('DAY', "t13"."due_date", "t13"."at") <= 60
                  THEN '31-60'
                  WHEN DATE_DIFF('DAY', "t13"."due_date", "t13"."at") <= 90
                  THEN '61-90'
                  WHEN DATE_DIFF('DAY', "t13"."due_date", "t13"."at") <= 120
                  THEN '91-120'
                  ELSE '120+'
                END AS "bucket"
              FROM (
                SELECT
                  "t11"."as_of",
                  "t11"."at",
                  "t4"."invoice_id",
                  "t4"."customer_id",
                  "t4"."issue_date",
                  "t4"."due_date",
                  "t4"."currency",
                  "t4"."open"
                FROM "_rel_9e770e6a1d1d" AS "t4"
                INNER JOIN (
                  SELECT
                    "t3"."as_of",
                    "t3"."prior" AS "at",
                    "t3"."period_from"
                  FROM "_points" AS "t3"
                ) AS "t11"
                  ON "t4"."on" = "t11"."at"
              ) AS "t13"
            ) AS "t15"
            WHERE
              "t15"."bucket" = '1-30'
          ) AS "t19"
          LEFT OUTER JOIN (
            SELECT
              "t14"."invoice_id" AS "now_invoice",
              "t14"."as_of" AS "now_as_of",
              "t14"."open" AS "open_now",
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
              END AS "bucket_now"
            FROM (
              SELECT
                "t12"."as_of",
                "t12"."at",
                "t4"."invoice_id",
                "t4"."customer_id",
                "t4"."issue_date",
                "t4"."due_date",
                "t4"."currency",
                "t4"."open"
              FROM "_rel_9e770e6a1d1d" AS "t4"
              INNER JOIN (
                SELECT
                  "t3"."as_of",
                  "t3"."as_of" AS "at",
                  "t3"."period_from"
                FROM "_points" AS "t3"
              ) AS "t12"
                ON "t4"."on" = "t12"."at"
            ) AS "t14"
          ) AS "t17"
            ON "t19"."invoice_id" = "t17"."now_invoice" AND "t19"."as_of" = "t17"."now_as_of"
          LEFT OUTER JOIN (
            SELECT
              "t1"."customer_id" AS "a_customer",
              "t1"."valid_from" AS "a_from",
              "t1"."valid_to" AS "a_to",
              "t1"."collector_id" AS "a_collector",
              "t1"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t1"
          ) AS "t10"
            ON "t19"."customer_id" = "t10"."a_customer"
            AND "t10"."a_from" <= "t19"."as_of"
            AND (
              (
                "t10"."a_to" IS NULL
              ) OR (
                "t10"."a_to" > "t19"."as_of"
              )
            )
        ) AS "t20"
      ) AS "t22"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t9"
        ON "t22"."a_team" = "t9"."tm_id"
    ) AS "t23"
  ) AS "t24"
) AS "t25"
GROUP BY
  1,
  2,
  3

