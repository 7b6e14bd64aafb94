-- ===== dso_countback {'months': '30day'} grouped by nothing =====
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
    ELSE MAKE_DATE(CAST(9999 AS INT), CAST(12 AS INT), CAST(31 AS INT))
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

-- open: ar
SELECT
  "t6"."as_of",
  "t6"."currency",
  COALESCE(SUM("t6"."open"), 0) AS "ar"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t5"."invoice_id",
    "t5"."customer_id",
    "t5"."currency",
    "t5"."open",
    CAST(EXTRACT(epoch FROM CAST("t5"."at" AS TIMESTAMP) - CAST("t5"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) AS "dpd",
    CASE
      WHEN CAST(EXTRACT(epoch FROM CAST("t5"."at" AS TIMESTAMP) - CAST("t5"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 0
      THEN 'current'
      WHEN CAST(EXTRACT(epoch FROM CAST("t5"."at" AS TIMESTAMP) - CAST("t5"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 30
      THEN '1-30'
      WHEN CAST(EXTRACT(epoch FROM CAST("t5"."at" AS TIMESTAMP) - CAST("t5"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 60
      THEN '31-60'
      WHEN CAST(EXTRACT(epoch FROM CAST("t5"."at" AS TIMESTAMP) - CAST("t5"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 90
      THEN '61-90'
      WHEN CAST(EXTRACT(epoch FROM CAST("t5"."at" AS TIMESTAMP) - CAST("t5"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 120
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

-- sales: cb24_1, cb24_2, cb24_3, cb24_4, cb24_5, cb24_6, cb24_7, cb24_8, cb24_9, cb24_10, cb24_11, cb24_12, cb24_13, cb24_14, cb24_15, cb24_16, cb24_17, cb24_18, cb24_19, cb24_20, cb24_21, cb24_22, cb24_23, cb24_24
SELECT
  "t6"."as_of",
  "t6"."currency",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m1"
      ) AND (
        "t6"."issue_date" <= "t6"."as_of"
      )),
    0
  ) AS "cb24_1",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m2"
      ) AND (
        "t6"."issue_date" <= "t6"."m1"
      )),
    0
  ) AS "cb24_2",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m3"
      ) AND (
        "t6"."issue_date" <= "t6"."m2"
      )),
    0
  ) AS "cb24_3",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m4"
      ) AND (
        "t6"."issue_date" <= "t6"."m3"
      )),
    0
  ) AS "cb24_4",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m5"
      ) AND (
        "t6"."issue_date" <= "t6"."m4"
      )),
    0
  ) AS "cb24_5",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m6"
      ) AND (
        "t6"."issue_date" <= "t6"."m5"
      )),
    0
  ) AS "cb24_6",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m7"
      ) AND (
        "t6"."issue_date" <= "t6"."m6"
      )),
    0
  ) AS "cb24_7",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m8"
      ) AND (
        "t6"."issue_date" <= "t6"."m7"
      )),
    0
  ) AS "cb24_8",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m9"
      ) AND (
        "t6"."issue_date" <= "t6"."m8"
      )),
    0
  ) AS "cb24_9",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m10"
      ) AND (
        "t6"."issue_date" <= "t6"."m9"
      )),
    0
  ) AS "cb24_10",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m11"
      ) AND (
        "t6"."issue_date" <= "t6"."m10"
      )),
    0
  ) AS "cb24_11",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m12"
      ) AND (
        "t6"."issue_date" <= "t6"."m11"
      )),
    0
  ) AS "cb24_12",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m13"
      ) AND (
        "t6"."issue_date" <= "t6"."m12"
      )),
    0
  ) AS "cb24_13",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m14"
      ) AND (
        "t6"."issue_date" <= "t6"."m13"
      )),
    0
  ) AS "cb24_14",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m15"
      ) AND (
        "t6"."issue_date" <= "t6"."m14"
      )),
    0
  ) AS "cb24_15",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m16"
      ) AND (
        "t6"."issue_date" <= "t6"."m15"
      )),
    0
  ) AS "cb24_16",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m17"
      ) AND (
        "t6"."issue_date" <= "t6"."m16"
      )),
    0
  ) AS "cb24_17",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m18"
      ) AND (
        "t6"."issue_date" <= "t6"."m17"
      )),
    0
  ) AS "cb24_18",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m19"
      ) AND (
        "t6"."issue_date" <= "t6"."m18"
      )),
    0
  ) AS "cb24_19",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m20"
      ) AND (
        "t6"."issue_date" <= "t6"."m19"
      )),
    0
  ) AS "cb24_20",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m21"
      ) AND (
        "t6"."issue_date" <= "t6"."m20"
      )),
    0
  ) AS "cb24_21",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m22"
      ) AND (
        "t6"."issue_date" <= "t6"."m21"
      )),
    0
  ) AS "cb24_22",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m23"
      ) AND (
        "t6"."issue_date" <= "t6"."m22"
      )),
    0
  ) AS "cb24_23",
  COALESCE(
    SUM("t6"."amount") FILTER(WHERE
      (
        "t6"."issue_date" > "t6"."m24"
      ) AND (
        "t6"."issue_date" <= "t6"."m23"
      )),
    0
  ) AS "cb24_24"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t5"."period_from",
    "t5"."m1",
    "t5"."m2",
    "t5"."m3",
    "t5"."m4",
    "t5"."m5",
    "t5"."m6",
    "t5"."m7",
    "t5"."m8",
    "t5"."m9",
    "t5"."m10",
    "t5"."m11",
    "t5"."m12",
    "t5"."m13",
    "t5"."m14",
    "t5"."m15",
    "t5"."m16",
    "t5"."m17",
    "t5"."m18",
    "t5"."m19",
    "t5"."m20",
    "t5"."m21",
    "t5"."m22",
    "t5"."m23",
    "t5"."m24",
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
      "t1"."m1",
      "t1"."m2",
      "t1"."m3",
      "t1"."m4",
      "t1"."m5",
      "t1"."m6",
      "t1"."m7",
      "t1"."m8",
      "t1"."m9",
      "t1"."m10",
      "t1"."m11",
      "t1"."m12",
      "t1"."m13",
      "t1"."m14",
      "t1"."m15",
      "t1"."m16",
      "t1"."m17",
      "t1"."m18",
      "t1"."m19",
      "t1"."m20",
      "t1"."m21",
      "t1"."m22",
      "t1"."m23",
      "t1"."m24",
      "t1"."as_of" AS "at"
    FROM "_points" AS "t1"
  ) AS "t5"
    ON "t4"."issue_date" > "t5"."m24" AND "t4"."issue_date" <= "t5"."as_of"
) AS "t6"
GROUP BY
  1,
  2

-- ===== dso_countback {'months': '30day'} grouped by team =====
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
    ELSE MAKE_DATE(CAST(9999 AS INT), CAST(12 AS INT), CAST(31 AS INT))
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

-- open: ar
SELECT
  "t19"."as_of",
  "t19"."team",
  "t19"."currency",
  COALESCE(SUM("t19"."open"), 0) AS "ar"
FROM (
  SELECT
    "t18"."as_of",
    "t18"."at",
    "t18"."invoice_id",
    "t18"."customer_id",
    "t18"."currency",
    "t18"."open",
    "t18"."dpd",
    "t18"."bucket",
    "t18"."a_collector",
    "t18"."a_team",
    "t18"."team"
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
          "t14"."as_of",
          "t14"."at",
          "t14"."invoice_id",
          "t14"."customer_id",
          "t14"."currency",
          "t14"."open",
          "t14"."dpd",
          "t14"."bucket",
          "t14"."a_collector",
          "t14"."a_team"
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
              CAST(EXTRACT(epoch FROM CAST("t11"."at" AS TIMESTAMP) - CAST("t11"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) AS "dpd",
              CASE
                WHEN CAST(EXTRACT(epoch FROM CAST("t11"."at" AS TIMESTAMP) - CAST("t11"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 0
                THEN 'current'
                WHEN CAST(EXTRACT(epoch FROM CAST("t11"."at" AS TIMESTAMP) - CAST("t11"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 30
                THEN '1-30'
                WHEN CAST(EXTRACT(epoch FROM CAST("t11"."at" AS TIMESTAMP) - CAST("t11"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 60
                THEN '31-60'
                WHEN CAST(EXTRACT(epoch FROM CAST("t11"."at" AS TIMESTAMP) - CAST("t11"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 90
                THEN '61-90'
                WHEN CAST(EXTRACT(epoch FROM CAST("t11"."at" AS TIMESTAMP) - CAST("t11"."due_date" AS TIMESTAMP)) / 86400 AS BIGINT) <= 120
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

-- sales: cb24_1, cb24_2, cb24_3, cb24_4, cb24_5, cb24_6, cb24_7, cb24_8, cb24_9, cb24_10, cb24_11, cb24_12, cb24_13, cb24_14, cb24_15, cb24_16, cb24_17, cb24_18, cb24_19, cb24_20, cb24_21, cb24_22, cb24_23, cb24_24
SELECT
  "t17"."as_of",
  "t17"."team",
  "t17"."currency",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m1"
      )
      AND (
        "t17"."issue_date" <= "t17"."as_of"
      )),
    0
  ) AS "cb24_1",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m2"
      ) AND (
        "t17"."issue_date" <= "t17"."m1"
      )),
    0
  ) AS "cb24_2",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m3"
      ) AND (
        "t17"."issue_date" <= "t17"."m2"
      )),
    0
  ) AS "cb24_3",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m4"
      ) AND (
        "t17"."issue_date" <= "t17"."m3"
      )),
    0
  ) AS "cb24_4",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m5"
      ) AND (
        "t17"."issue_date" <= "t17"."m4"
      )),
    0
  ) AS "cb24_5",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m6"
      ) AND (
        "t17"."issue_date" <= "t17"."m5"
      )),
    0
  ) AS "cb24_6",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m7"
      ) AND (
        "t17"."issue_date" <= "t17"."m6"
      )),
    0
  ) AS "cb24_7",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m8"
      ) AND (
        "t17"."issue_date" <= "t17"."m7"
      )),
    0
  ) AS "cb24_8",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m9"
      ) AND (
        "t17"."issue_date" <= "t17"."m8"
      )),
    0
  ) AS "cb24_9",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m10"
      ) AND (
        "t17"."issue_date" <= "t17"."m9"
      )),
    0
  ) AS "cb24_10",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m11"
      )
      AND (
        "t17"."issue_date" <= "t17"."m10"
      )),
    0
  ) AS "cb24_11",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m12"
      )
      AND (
        "t17"."issue_date" <= "t17"."m11"
      )),
    0
  ) AS "cb24_12",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m13"
      )
      AND (
        "t17"."issue_date" <= "t17"."m12"
      )),
    0
  ) AS "cb24_13",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m14"
      )
      AND (
        "t17"."issue_date" <= "t17"."m13"
      )),
    0
  ) AS "cb24_14",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m15"
      )
      AND (
        "t17"."issue_date" <= "t17"."m14"
      )),
    0
  ) AS "cb24_15",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m16"
      )
      AND (
        "t17"."issue_date" <= "t17"."m15"
      )),
    0
  ) AS "cb24_16",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m17"
      )
      AND (
        "t17"."issue_date" <= "t17"."m16"
      )),
    0
  ) AS "cb24_17",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m18"
      )
      AND (
        "t17"."issue_date" <= "t17"."m17"
      )),
    0
  ) AS "cb24_18",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m19"
      )
      AND (
        "t17"."issue_date" <= "t17"."m18"
      )),
    0
  ) AS "cb24_19",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m20"
      )
      AND (
        "t17"."issue_date" <= "t17"."m19"
      )),
    0
  ) AS "cb24_20",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m21"
      )
      AND (
        "t17"."issue_date" <= "t17"."m20"
      )),
    0
  ) AS "cb24_21",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m22"
      )
      AND (
        "t17"."issue_date" <= "t17"."m21"
      )),
    0
  ) AS "cb24_22",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m23"
      )
      AND (
        "t17"."issue_date" <= "t17"."m22"
      )),
    0
  ) AS "cb24_23",
  COALESCE(
    SUM("t17"."amount") FILTER(WHERE
      (
        "t17"."issue_date" > "t17"."m24"
      )
      AND (
        "t17"."issue_date" <= "t17"."m23"
      )),
    0
  ) AS "cb24_24"
FROM (
  SELECT
    "t16"."as_of",
    "t16"."at",
    "t16"."period_from",
    "t16"."m1",
    "t16"."m2",
    "t16"."m3",
    "t16"."m4",
    "t16"."m5",
    "t16"."m6",
    "t16"."m7",
    "t16"."m8",
    "t16"."m9",
    "t16"."m10",
    "t16"."m11",
    "t16"."m12",
    "t16"."m13",
    "t16"."m14",
    "t16"."m15",
    "t16"."m16",
    "t16"."m17",
    "t16"."m18",
    "t16"."m19",
    "t16"."m20",
    "t16"."m21",
    "t16"."m22",
    "t16"."m23",
    "t16"."m24",
    "t16"."invoice_id",
    "t16"."customer_id",
    "t16"."issue_date",
    "t16"."amount",
    "t16"."currency",
    "t16"."a_collector",
    "t16"."a_team",
    "t16"."team"
  FROM (
    SELECT
      "t15"."as_of",
      "t15"."at",
      "t15"."period_from",
      "t15"."m1",
      "t15"."m2",
      "t15"."m3",
      "t15"."m4",
      "t15"."m5",
      "t15"."m6",
      "t15"."m7",
      "t15"."m8",
      "t15"."m9",
      "t15"."m10",
      "t15"."m11",
      "t15"."m12",
      "t15"."m13",
      "t15"."m14",
      "t15"."m15",
      "t15"."m16",
      "t15"."m17",
      "t15"."m18",
      "t15"."m19",
      "t15"."m20",
      "t15"."m21",
      "t15"."m22",
      "t15"."m23",
      "t15"."m24",
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
        "t14"."m1",
        "t14"."m2",
        "t14"."m3",
        "t14"."m4",
        "t14"."m5",
        "t14"."m6",
        "t14"."m7",
        "t14"."m8",
        "t14"."m9",
        "t14"."m10",
        "t14"."m11",
        "t14"."m12",
        "t14"."m13",
        "t14"."m14",
        "t14"."m15",
        "t14"."m16",
        "t14"."m17",
        "t14"."m18",
        "t14"."m19",
        "t14"."m20",
        "t14"."m21",
        "t14"."m22",
        "t14"."m23",
        "t14"."m24",
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
          "t12"."as_of",
          "t12"."at",
          "t12"."period_from",
          "t12"."m1",
          "t12"."m2",
          "t12"."m3",
          "t12"."m4",
          "t12"."m5",
          "t12"."m6",
          "t12"."m7",
          "t12"."m8",
          "t12"."m9",
          "t12"."m10",
          "t12"."m11",
          "t12"."m12",
          "t12"."m13",
          "t12"."m14",
          "t12"."m15",
          "t12"."m16",
          "t12"."m17",
          "t12"."m18",
          "t12"."m19",
          "t12"."m20",
          "t12"."m21",
          "t12"."m22",
          "t12"."m23",
          "t12"."m24",
          "t12"."invoice_id",
          "t12"."customer_id",
          "t12"."issue_date",
          "t12"."amount",
          "t12"."currency",
          "t12"."a_collector",
          "t12"."a_team"
        FROM (
          SELECT
            "t10"."as_of",
            "t10"."at",
            "t10"."period_from",
            "t10"."m1",
            "t10"."m2",
            "t10"."m3",
            "t10"."m4",
            "t10"."m5",
            "t10"."m6",
            "t10"."m7",
            "t10"."m8",
            "t10"."m9",
            "t10"."m10",
            "t10"."m11",
            "t10"."m12",
            "t10"."m13",
            "t10"."m14",
            "t10"."m15",
            "t10"."m16",
            "t10"."m17",
            "t10"."m18",
            "t10"."m19",
            "t10"."m20",
            "t10"."m21",
            "t10"."m22",
            "t10"."m23",
            "t10"."m24",
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
              "t2"."m1",
              "t2"."m2",
              "t2"."m3",
              "t2"."m4",
              "t2"."m5",
              "t2"."m6",
              "t2"."m7",
              "t2"."m8",
              "t2"."m9",
              "t2"."m10",
              "t2"."m11",
              "t2"."m12",
              "t2"."m13",
              "t2"."m14",
              "t2"."m15",
              "t2"."m16",
              "t2"."m17",
              "t2"."m18",
              "t2"."m19",
              "t2"."m20",
              "t2"."m21",
              "t2"."m22",
              "t2"."m23",
              "t2"."m24",
              "t2"."as_of" AS "at"
            FROM "_points" AS "t2"
          ) AS "t10"
            ON "t9"."issue_date" > "t10"."m24" AND "t9"."issue_date" <= "t10"."as_of"
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

