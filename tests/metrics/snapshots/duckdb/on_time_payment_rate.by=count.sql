-- ===== on_time_payment_rate {'by': 'count'} grouped by nothing =====
-- settled: n_on_time, n_settled
WITH "t6" AS (
  SELECT
    "t1"."as_of",
    "t1"."as_of" AS "at",
    "t1"."period_from"
  FROM "_points" AS "t1"
)
SELECT
  "t24"."as_of",
  "t24"."currency",
  COUNT("t24"."as_of") FILTER(WHERE
    "t24"."on_time") AS "n_on_time",
  COUNT("t24"."as_of") AS "n_settled"
FROM (
  SELECT
    "t23"."as_of",
    "t23"."at",
    "t23"."period_from",
    "t23"."invoice_id",
    "t23"."customer_id",
    "t23"."issue_date",
    "t23"."due_date",
    "t23"."amount",
    "t23"."currency",
    "t23"."paid",
    "t23"."last_paid",
    "t23"."adjusted",
    "t23"."credited",
    DATE_DIFF('DAY', "t23"."issue_date", "t23"."last_paid") AS "days_to_pay",
    GREATEST(DATE_DIFF('DAY', "t23"."due_date", "t23"."last_paid"), 0) AS "days_late",
    DATE_DIFF('DAY', "t23"."due_date", "t23"."last_paid") <= 0 AS "on_time"
  FROM (
    SELECT
      "t15"."as_of",
      "t15"."at",
      "t15"."period_from",
      "t10"."id" AS "invoice_id",
      "t10"."customer_id",
      "t10"."issue_date",
      "t10"."due_date",
      "t10"."amount_minor" AS "amount",
      "t10"."currency",
      COALESCE("t20"."paid", 0) AS "paid",
      "t20"."last_paid",
      COALESCE("t22"."adjusted", 0) AS "adjusted",
      COALESCE("t22"."credited", 0) AS "credited"
    FROM (
      SELECT
        *
      FROM "ledger_invoice" AS "t0"
    ) AS "t10"
    INNER JOIN "t6" AS "t15"
      ON "t10"."issue_date" <= "t15"."at"
    LEFT OUTER JOIN (
      SELECT
        "t18"."paid_invoice",
        "t18"."paid_as_of",
        SUM("t18"."amount") AS "paid",
        MAX("t18"."on") AS "last_paid"
      FROM (
        SELECT
          "t12"."invoice_id" AS "paid_invoice",
          "t16"."as_of" AS "paid_as_of",
          "t14"."received_on" AS "on",
          "t12"."amount_minor" AS "amount"
        FROM (
          SELECT
            *
          FROM "ledger_allocation" AS "t2"
        ) AS "t12"
        INNER JOIN (
          SELECT
            *
          FROM "ledger_payment" AS "t4"
        ) AS "t14"
          ON "t12"."payment_id" = "t14"."id"
        INNER JOIN "t6" AS "t16"
          ON "t14"."received_on" <= "t16"."at"
      ) AS "t18"
      GROUP BY
        1,
        2
    ) AS "t20"
      ON "t10"."id" = "t20"."paid_invoice" AND "t15"."as_of" = "t20"."paid_as_of"
    LEFT OUTER JOIN (
      SELECT
        "t17"."adj_invoice",
        "t17"."adj_as_of",
        SUM("t17"."amount") AS "adjusted",
        COALESCE(SUM("t17"."amount") FILTER(WHERE
          "t17"."kind" <> 'write_off'), 0) AS "credited"
      FROM (
        SELECT
          "t13"."invoice_id" AS "adj_invoice",
          "t15"."as_of" AS "adj_as_of",
          "t13"."kind",
          "t13"."amount_minor" AS "amount"
        FROM (
          SELECT
            *
          FROM "ledger_adjustment" AS "t3"
        ) AS "t13"
        INNER JOIN "t6" AS "t15"
          ON "t13"."effective_on" <= "t15"."at"
      ) AS "t17"
      GROUP BY
        1,
        2
    ) AS "t22"
      ON "t10"."id" = "t22"."adj_invoice" AND "t15"."as_of" = "t22"."adj_as_of"
  ) AS "t23"
  WHERE
    "t23"."paid" > 0
    AND (
      "t23"."paid" + "t23"."credited"
    ) >= "t23"."amount"
    AND "t23"."last_paid" >= "t23"."period_from"
    AND "t23"."last_paid" <= "t23"."as_of"
) AS "t24"
GROUP BY
  1,
  2

-- ===== on_time_payment_rate {'by': 'count'} grouped by team =====
-- settled: n_on_time, n_settled
WITH "t10" AS (
  SELECT
    "t3"."as_of",
    "t3"."as_of" AS "at",
    "t3"."period_from"
  FROM "_points" AS "t3"
)
SELECT
  "t37"."as_of",
  "t37"."team",
  "t37"."currency",
  COUNT("t37"."as_of") FILTER(WHERE
    "t37"."on_time") AS "n_on_time",
  COUNT("t37"."as_of") AS "n_settled"
FROM (
  SELECT
    "t36".*
    EXCLUDE ("tm_id", "tm_name")
  FROM (
    SELECT
      "t35"."as_of",
      "t35"."at",
      "t35"."period_from",
      "t35"."invoice_id",
      "t35"."customer_id",
      "t35"."issue_date",
      "t35"."due_date",
      "t35"."amount",
      "t35"."currency",
      "t35"."paid",
      "t35"."last_paid",
      "t35"."adjusted",
      "t35"."credited",
      "t35"."days_to_pay",
      "t35"."days_late",
      "t35"."on_time",
      "t35"."a_collector",
      "t35"."a_team",
      "t35"."tm_id",
      "t35"."tm_name",
      CASE
        WHEN (
          "t35"."tm_name" IS NULL
        ) OR (
          "t35"."tm_name" = ''
        )
        THEN '(none)'
        ELSE "t35"."tm_name"
      END AS "team"
    FROM (
      SELECT
        "t34"."as_of",
        "t34"."at",
        "t34"."period_from",
        "t34"."invoice_id",
        "t34"."customer_id",
        "t34"."issue_date",
        "t34"."due_date",
        "t34"."amount",
        "t34"."currency",
        "t34"."paid",
        "t34"."last_paid",
        "t34"."adjusted",
        "t34"."credited",
        "t34"."days_to_pay",
        "t34"."days_late",
        "t34"."on_time",
        "t34"."a_collector",
        "t34"."a_team",
        "t14"."tm_id",
        "t14"."tm_name"
      FROM (
        SELECT
          "t32".*
          EXCLUDE ("a_customer", "a_from", "a_to")
        FROM (
          SELECT
            "t31"."as_of",
            "t31"."at",
            "t31"."period_from",
            "t31"."invoice_id",
            "t31"."customer_id",
            "t31"."issue_date",
            "t31"."due_date",
            "t31"."amount",
            "t31"."currency",
            "t31"."paid",
            "t31"."last_paid",
            "t31"."adjusted",
            "t31"."credited",
            "t31"."days_to_pay",
            "t31"."days_late",
            "t31"."on_time",
            "t15"."a_customer",
            "t15"."a_from",
            "t15"."a_to",
            "t15"."a_collector",
            "t15"."a_team"
          FROM (
            SELECT
              "t29"."as_of",
              "t29"."at",
              "t29"."period_from",
              "t29"."invoice_id",
              "t29"."customer_id",
              "t29"."issue_date",
              "t29"."due_date",
              "t29"."amount",
              "t29"."currency",
              "t29"."paid",
              "t29"."last_paid",
              "t29"."adjusted",
              "t29"."credited",
              DATE_DIFF('DAY', "t29"."issue_date", "t29"."last_paid") AS "days_to_pay",
              GREATEST(DATE_DIFF('DAY', "t29"."due_date", "t29"."last_paid"), 0) AS "days_late",
              DATE_DIFF('DAY', "t29"."due_date", "t29"."last_paid") <= 0 AS "on_time"
            FROM (
              SELECT
                "t21"."as_of",
                "t21"."at",
                "t21"."period_from",
                "t16"."id" AS "invoice_id",
                "t16"."customer_id",
                "t16"."issue_date",
                "t16"."due_date",
                "t16"."amount_minor" AS "amount",
                "t16"."currency",
                COALESCE("t26"."paid", 0) AS "paid",
                "t26"."last_paid",
                COALESCE("t28"."adjusted", 0) AS "adjusted",
                COALESCE("t28"."credited", 0) AS "credited"
              FROM (
                SELECT
                  *
                FROM "ledger_invoice" AS "t2"
              ) AS "t16"
              INNER JOIN "t10" AS "t21"
                ON "t16"."issue_date" <= "t21"."at"
              LEFT OUTER JOIN (
                SELECT
                  "t24"."paid_invoice",
                  "t24"."paid_as_of",
                  SUM("t24"."amount") AS "paid",
                  MAX("t24"."on") AS "last_paid"
                FROM (
                  SELECT
                    "t18"."invoice_id" AS "paid_invoice",
                    "t22"."as_of" AS "paid_as_of",
                    "t20"."received_on" AS "on",
                    "t18"."amount_minor" AS "amount"
                  FROM (
                    SELECT
                      *
                    FROM "ledger_allocation" AS "t4"
                  ) AS "t18"
                  INNER JOIN (
                    SELECT
                      *
                    FROM "ledger_payment" AS "t6"
                  ) AS "t20"
                    ON "t18"."payment_id" = "t20"."id"
                  INNER JOIN "t10" AS "t22"
                    ON "t20"."received_on" <= "t22"."at"
                ) AS "t24"
                GROUP BY
                  1,
                  2
              ) AS "t26"
                ON "t16"."id" = "t26"."paid_invoice" AND "t21"."as_of" = "t26"."paid_as_of"
              LEFT OUTER JOIN (
                SELECT
                  "t23"."adj_invoice",
                  "t23"."adj_as_of",
                  SUM("t23"."amount") AS "adjusted",
                  COALESCE(SUM("t23"."amount") FILTER(WHERE
                    "t23"."kind" <> 'write_off'), 0) AS "credited"
                FROM (
                  SELECT
                    "t19"."invoice_id" AS "adj_invoice",
                    "t21"."as_of" AS "adj_as_of",
                    "t19"."kind",
                    "t19"."amount_minor" AS "amount"
                  FROM (
                    SELECT
                      *
                    FROM "ledger_adjustment" AS "t5"
                  ) AS "t19"
                  INNER JOIN "t10" AS "t21"
                    ON "t19"."effective_on" <= "t21"."at"
                ) AS "t23"
                GROUP BY
                  1,
                  2
              ) AS "t28"
                ON "t16"."id" = "t28"."adj_invoice" AND "t21"."as_of" = "t28"."adj_as_of"
            ) AS "t29"
            WHERE
              "t29"."paid" > 0
              AND (
                "t29"."paid" + "t29"."credited"
              ) >= "t29"."amount"
              AND "t29"."last_paid" >= "t29"."period_from"
              AND "t29"."last_paid" <= "t29"."as_of"
          ) AS "t31"
          LEFT OUTER JOIN (
            SELECT
              "t1"."customer_id" AS "a_customer",
              "t1"."valid_from" AS "a_from",
              "t1"."valid_to" AS "a_to",
              "t1"."collector_id" AS "a_collector",
              "t1"."team_id" AS "a_team"
            FROM "ledger_assignment" AS "t1"
          ) AS "t15"
            ON "t31"."customer_id" = "t15"."a_customer"
            AND "t15"."a_from" <= "t31"."at"
            AND (
              (
                "t15"."a_to" IS NULL
              ) OR (
                "t15"."a_to" > "t31"."at"
              )
            )
        ) AS "t32"
      ) AS "t34"
      LEFT OUTER JOIN (
        SELECT
          "t0"."id" AS "tm_id",
          "t0"."name" AS "tm_name"
        FROM "accounts_team" AS "t0"
      ) AS "t14"
        ON "t34"."a_team" = "t14"."tm_id"
    ) AS "t35"
  ) AS "t36"
) AS "t37"
GROUP BY
  1,
  2,
  3

